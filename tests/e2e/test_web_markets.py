"""Prediction markets in the web app, in a real browser (chromium, Playwright) against `next
build && next start` on `make dev`'s demo data: the list with its filters, a market's implied
probabilities, committing a forecast with the estimate and seeing the committed balance.

The numbers the page must show come from the API, as the user's other devices would see them.
Each test saves a screenshot of its final page (.screenshots/web/).
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.emulator.helpers import balance, ok
from tests.support.web import sign_in_as, units

CHIP_DECIMALS = 2
LISBON = "Will it rain in Lisbon tomorrow?"  # the demo's open market: alice 5.00 yes, bob 3.00 no


def chips(amount: int) -> str:
    return f"{amount // 100:,}.{amount % 100:02d}"


def test_the_market_list_filters_by_status_and_category(demo_data, web_app, page):
    sign_in_as(page, web_app.url, "demo-carol")
    page.get_by_role("link", name="Markets").click()
    markets = page.get_by_test_id("markets")
    expect(markets).to_contain_text(LISBON)
    expect(markets).not_to_contain_text("Did the demo start?")  # resolved: not open

    page.get_by_label("status").select_option("resolved")
    expect(markets).to_contain_text("Did the demo start?")
    expect(markets).not_to_contain_text(LISBON)

    page.get_by_label("status").select_option("")
    page.get_by_label("category").select_option("sports")
    expect(markets).to_contain_text("No market matches.")


def test_committing_a_forecast_shows_the_estimate_and_the_committed_balance(demo_data, web_app,
                                                                            page, api):
    sign_in_as(page, web_app.url, "demo-carol")
    page.get_by_role("link", name="Markets").click()
    page.get_by_role("link", name=LISBON).click()
    market = ok(api.call("GET", "get_market", "demo-carol",
                         params={"slug": "will-it-rain-in-lisbon-tomorrow"}))
    implied = {o["id"]: o["implied_ppm"] for o in market["outcomes"]}
    assert implied == {"yes": 625_000, "no": 375_000}  # 5.00 on yes, 3.00 on no
    expect(page.get_by_test_id("implied-yes")).to_have_text("62.5 %")
    expect(page.get_by_test_id("implied-no")).to_have_text("37.5 %")
    expect(page.get_by_test_id("committed-CHIP")).to_have_text(re.compile(r"\d"))
    before = balance(api, "demo-carol")
    assert units(page.get_by_test_id("committed-CHIP").inner_text(), CHIP_DECIMALS) == before["committed"]

    page.get_by_label("outcome").select_option("no")
    page.get_by_label("commit amount").fill("2.50")
    estimate = ok(api.call("GET", "estimate_forecast", "demo-carol", params={
        "market_id": market["id"], "outcome": "no", "amount": 250}))
    expect(page.get_by_test_id("forecast-estimate")).to_have_text(
        f"No at 37.5 % now, {estimate['implied_after_ppm'] / 10_000:.1f} % after your commit; "
        f"if it wins you get about {chips(estimate['potential_payout'])} CHIP")
    page.get_by_role("button", name="Commit", exact=True).click()

    expect(page.get_by_test_id("forecast-receipt")).to_contain_text("Committed 2.50 CHIP on No")
    # the hold shows through the accounts listener: committed up, available down, total the same
    expect(page.get_by_test_id("committed-CHIP")).to_have_text(chips(before["committed"] + 250))
    expect(page.get_by_test_id("available-CHIP")).to_have_text(chips(before["available"] - 250))
    expect(page.get_by_test_id("total-CHIP")).to_have_text(chips(before["total"]))
    after = balance(api, "demo-carol")
    assert (after["committed"], after["total"]) == (before["committed"] + 250, before["total"])

    page.get_by_role("link", name="Markets").click()
    row = page.get_by_test_id("my-forecasts").locator(f"tr[data-market='{market['id']}']")
    expect(row).to_contain_text("2.50 CHIP")
    expect(row).to_contain_text("no")
