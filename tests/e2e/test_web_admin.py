"""The admin area of the web app, in a real browser (chromium, Playwright) against `next build &&
next start` on `make dev`'s demo data: an admin resolves a closed market with its evidence, and
the winner then sees the notification and the payout. A user who is not an admin is shown no
admin area.

Each test saves a screenshot of its final page (.screenshots/web/).
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from shared.domain.markets.market import ARRIVAL_GRACE
from tests.emulator.helpers import balance, key, ok
from tests.support.web import sign_in_as

ADMIN = "demo-admin"


def chips(amount: int) -> str:
    return f"{amount // 100:,}.{amount % 100:02d}"


def closed_market(api) -> dict:
    """A market alice (yes, 3.00) and bob (no, 2.00) commit to, waited past its close and the
    arrival grace, so that it needs resolution."""
    closes = datetime.now(timezone.utc) + timedelta(seconds=8)
    market = ok(api.call("POST", "create_market", ADMIN, json={
        "slug": "web-admin-resolves", "title": "Will the browser resolve it?", "category": "other",
        "closes_at": closes.isoformat(), "max_per_user": 100_000,
        "outcomes": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}]},
        idempotency_key=key()))
    for uid, outcome, amount in (("demo-alice", "yes", 300), ("demo-bob", "no", 200)):
        ok(api.call("POST", "commit_forecast", uid, json={
            "market_id": market["id"], "outcome": outcome, "amount": amount}, idempotency_key=key()))
    # wait for the close itself: resolution is refused before it (not a timed assertion)
    time.sleep(max(0.0, (closes - datetime.now(timezone.utc)).total_seconds())
               + ARRIVAL_GRACE.total_seconds() + 1)
    needing = ok(api.call("GET", "admin_markets_needing_resolution", ADMIN))["items"]
    assert market["id"] in [m["id"] for m in needing]
    return market


def test_an_admin_resolves_a_market_and_the_winner_sees_the_notification_and_payout(
        demo_data, web_app, page, api):
    market = closed_market(api)
    alice_before = balance(api, "demo-alice")

    sign_in_as(page, web_app.url, ADMIN)
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_test_id("supply")).to_contain_text("CHIP")
    row = page.get_by_test_id("needing-resolution").locator(f"tr[data-market='{market['id']}']")
    expect(row).to_contain_text("Will the browser resolve it?")
    row.get_by_label("winner of web-admin-resolves").select_option("yes")
    row.get_by_label("evidence for web-admin-resolves").fill("https://example.com/it-resolved")
    row.get_by_label("note for web-admin-resolves").fill("The browser resolved it.")
    row.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("resolved")).to_have_text(
        "Resolved “Will the browser resolve it?”: yes")
    expect(row).to_have_count(0)
    assert ok(api.call("GET", "get_market", ADMIN,
                       params={"market_id": market["id"]}))["status"] == "resolved"

    page.get_by_role("button", name="Sign out").click()
    sign_in_as(page, web_app.url, "demo-alice")
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)  # not an admin
    page.get_by_role("link", name="Markets").click()
    # settlement runs in the background; its notification arrives through the listener
    notification = page.get_by_test_id("notifications").locator("li", has_text="Will the browser")
    expect(notification).to_contain_text("resolved: you won, paid")
    mine = ok(api.call("GET", "list_my_forecasts", "demo-alice"))["items"]
    won = next(f for f in mine if f["market_id"] == market["id"])
    assert won["result"] == "won" and won["payout"] > 300  # bob's 2.00 less the platform's cut
    expect(notification).to_contain_text(f"paid {chips(won['payout'])} CHIP")
    expect(page.get_by_test_id(f"payout-{market['id']}")).to_have_text(f"{chips(won['payout'])} CHIP")
    # the notification comes with the forecast's result (settlement's holds step); the payout
    # itself follows in the payouts step, and the wallet's listener shows it
    page.get_by_role("link", name="Wallet").click()
    expect(page.get_by_test_id("total-CHIP")).to_have_text(
        chips(alice_before["total"] - 300 + won["payout"]))
    after = balance(api, "demo-alice")
    assert after["total"] == alice_before["total"] - 300 + won["payout"]
    assert after["committed"] == alice_before["committed"] - 300

    page.goto(web_app.url + "/admin")
    expect(page.get_by_test_id("admins-only")).to_be_visible()
