"""Swaps and the portfolio in the web app, in a real browser (chromium, Playwright) against `next
build && next start` on `make dev`'s demo data (CHIP with 2 decimals, LUNA with none; LUNA is
priced at 0.10 CHIP, so 50 LUNA for 5.00 CHIP is inside the swap band).

Each test saves a screenshot of its final page (.screenshots/web/).
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from shared.domain.money import fee_for
from tests.emulator.helpers import balance, ok
from tests.support.web import sign_in_as


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.get_by_test_id("mintbook-dev-sign-in").wait_for()


def test_a_swap_offer_made_by_one_user_is_taken_by_another(demo_data, web_app, page, api):
    bob_before = balance(api, "demo-bob")
    sign_in_as(page, web_app.url, "demo-bob")
    page.get_by_role("link", name="Swaps").click()
    page.get_by_label("give amount").fill("5.00")
    page.get_by_label("give asset").select_option("CHIP")
    page.get_by_label("want amount").fill("50")
    page.get_by_label("want asset").select_option("LUNA")
    page.get_by_role("button", name="Offer", exact=True).click()

    expect(page.get_by_test_id("offer-receipt")).to_have_text("Offered 5.00 CHIP for 50 LUNA: open")
    offers = ok(api.call("GET", "list_swap_offers", "demo-alice",
                         params={"status": "open", "maker": "demo-bob"}))["items"]
    assert [(o["give_amount"], o["want_amount"]) for o in offers] == [(500, 50)]
    offer = offers[0]["id"]
    expect(page.get_by_test_id("committed-CHIP")).to_have_text(
        f"{(bob_before['committed'] + 500) / 100:,.2f}")  # the offer holds what it gives
    sign_out(page)

    alice_luna = balance(api, "demo-alice", "LUNA")["total"]
    sign_in_as(page, web_app.url, "demo-alice")
    page.get_by_role("link", name="Swaps").click()
    row = page.get_by_test_id("swap-offers").locator(f"tr[data-offer='{offer}']")
    expect(row).to_contain_text("demo-bob")
    expect(row).to_contain_text("5.00 CHIP")
    row.get_by_role("button", name="Take").click()

    fee = fee_for(50, 30)  # the stack's default swap fee, 30 bps of the payment, rounded up
    expect(page.get_by_test_id("swap-receipt")).to_have_text(
        f"Received 5.00 CHIP, paid 50 LUNA and a fee of {fee} LUNA")
    expect(row).to_have_count(0)  # no longer open: the listener brought the change
    assert balance(api, "demo-alice", "LUNA")["total"] == alice_luna - 50 - fee
    expect(page.get_by_test_id("total-LUNA")).to_have_text(f"{alice_luna - 50 - fee:,}")
    bob_after = balance(api, "demo-bob")
    assert bob_after["total"] == bob_before["total"] - 500
    assert balance(api, "demo-bob", "LUNA")["total"] >= 50


def test_the_portfolio_shows_its_value_and_its_chart(demo_data, web_app, page, api):
    sign_in_as(page, web_app.url, "demo-bob")
    page.get_by_role("link", name="Portfolio").click()

    portfolio = ok(api.call("GET", "get_portfolio", "demo-bob"))
    assert portfolio["total_usd"] > 0
    cents = portfolio["total_usd"] // 1_000_000  # 1e-8 USD units, shown in whole cents
    expect(page.get_by_test_id("portfolio-total-usd")).to_have_text(
        f"${cents // 100:,}.{cents % 100:02d}")
    platform = portfolio["total_platform"]
    expect(page.get_by_test_id("portfolio-total-platform")).to_have_text(
        f"({platform // 100:,}.{platform % 100:02d} CHIP)")
    for holding in portfolio["holdings"]:
        expect(page.get_by_test_id("holdings")).to_contain_text(holding["asset"])
    chart = page.get_by_test_id("portfolio-chart")
    expect(chart.locator("canvas").first).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["height"] >= 200
    expect(page.get_by_test_id("history-points")).to_have_text(re.compile(r"^\d+ daily values"))
