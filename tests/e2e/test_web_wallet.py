"""The web app's wallet in a real browser (chromium, Playwright), against `next build && next
start` on `make dev`'s demo data: signing in, the live balances, sending tokens.

Each test asserts on what the page shows; the numbers it expects come from the API, as the
user's other devices would see them. Each saves a screenshot of its final page
(.screenshots/web/).
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from shared.domain.money import fee_for
from tests.emulator.helpers import balance, key, ok
from tests.support.web import sign_in_as, units

CHIP_DECIMALS = 2  # the demo's platform asset


def chips(amount: int) -> str:
    """How the app writes a CHIP amount (2 decimals, thousands separated)."""
    return f"{amount // 100:,}.{amount % 100:02d}"


def shown_total(page, asset: str = "CHIP") -> int:
    return units(page.get_by_test_id(f"total-{asset}").inner_text(), CHIP_DECIMALS)


def test_a_demo_user_signs_in_with_email_and_password_and_sees_their_balance(demo_data, web_app,
                                                                              page, api):
    page.goto(web_app.url + "/")
    page.get_by_label("email").fill("demo-bob@mintbook.test")
    page.get_by_label("password").fill("mintbook")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_test_id("signed-in-as")).to_have_text("demo-bob@mintbook.test")
    expected = balance(api, "demo-bob")
    expect(page.get_by_test_id("total-CHIP")).to_have_text(
        re.compile(r"\d"))  # the listener's first snapshot
    assert shown_total(page) == expected["total"] > 0
    expect(page.get_by_test_id("history")).to_contain_text("demo: pizza")  # alice's transfer


def test_a_wrong_password_is_refused_and_shows_no_balance(demo_data, web_app, page):
    page.goto(web_app.url + "/")
    page.get_by_label("email").fill("demo-bob@mintbook.test")
    page.get_by_label("password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_test_id("sign-in-error")).to_contain_text("auth/")
    expect(page.get_by_test_id("balances")).to_have_count(0)


def test_the_balance_follows_an_incoming_transfer_through_the_listener_alone(demo_data, web_app,
                                                                             page, api, stack):
    sign_in_as(page, web_app.url, "demo-bob")
    expect(page.get_by_test_id("total-CHIP")).to_have_text(re.compile(r"\d"))
    before = shown_total(page)
    blocked: list[str] = []

    def refuse(route):
        blocked.append(route.request.url)
        route.abort()

    # From here on the page cannot read anything over HTTP from the functions (get_balances
    # included): only the Firestore listener can bring the new balance.
    page.route(f"{stack.url}/**", refuse)
    ok(api.call("POST", "create_transfer", "demo-carol", json={
        "to": "demo-bob", "asset": "CHIP", "amount": 1_234, "memo": "live"},
        idempotency_key=key()))

    expect(page.get_by_test_id("total-CHIP")).to_have_text(chips(before + 1_234))
    assert balance(api, "demo-bob")["total"] == before + 1_234
    # the page did try HTTP after the change (its history refreshes) and was refused; route
    # handlers run while Playwright waits, so wait with it
    for _ in range(100):
        if any("/list_transactions" in url for url in blocked):
            break
        page.wait_for_timeout(100)
    assert any("/list_transactions" in url for url in blocked), blocked


def test_sending_tokens_shows_the_fee_and_the_new_balance(demo_data, web_app, page, api):
    sign_in_as(page, web_app.url, "demo-bob")
    expect(page.get_by_test_id("total-CHIP")).to_have_text(re.compile(r"\d"))
    before = shown_total(page)
    amount = 1_234  # 12.34 CHIP: its fee, 1.234 cents, is rounded up
    fee = fee_for(amount, 10)  # the stack's default rate, 10 bps (MINTBOOK_TRANSFER_FEE_BPS)
    assert fee == 2

    page.get_by_label("recipient").fill("demo-carol")
    page.get_by_label("amount").fill("12.34")
    page.get_by_label("memo").fill("from the browser")
    expect(page.get_by_test_id("fee-estimate")).to_have_text(
        f"Fee 0.{fee:02d} CHIP (0.10 %): you pay {chips(amount + fee)} CHIP")
    page.get_by_role("button", name="Send", exact=True).click()

    receipt = page.get_by_test_id("transfer-receipt")
    expect(receipt).to_contain_text("Sent 12.34 CHIP to demo-carol")
    expect(receipt).to_contain_text(f"fee 0.{fee:02d} CHIP")
    expected = before - amount - fee
    expect(page.get_by_test_id("total-CHIP")).to_have_text(chips(expected))
    assert balance(api, "demo-bob")["total"] == expected
    expect(page.get_by_test_id("history")).to_contain_text("from the browser")


def test_any_uid_signed_in_with_the_dev_sign_in_gets_the_welcome_bonus_live(demo_data, web_app,
                                                                             page, api):
    sign_in_as(page, web_app.url, "web-newcomer")

    expect(page.get_by_test_id("signed-in-as")).to_have_text("web-newcomer")
    # the page's first call creates the user; the bonus arrives through the listener
    expect(page.get_by_test_id("total-CHIP")).to_have_text(chips(balance(api, "web-newcomer")["total"]))
    assert shown_total(page) > 0


def test_the_history_pages_back_with_older(demo_data, web_app, page, api):
    for number in range(11):
        ok(api.call("POST", "create_transfer", "demo-alice", json={
            "to": "demo-bob", "asset": "CHIP", "amount": 1 + number, "memo": f"page {number}"},
            idempotency_key=key()))
    sign_in_as(page, web_app.url, "demo-bob")
    rows = page.get_by_test_id("history").locator("tbody tr")
    expect(rows).to_have_count(10)  # the newest ten: "page 10" down to "page 1"
    expect(page.get_by_test_id("history")).to_contain_text("page 10")
    expect(page.get_by_test_id("history")).not_to_contain_text("page 0")  # the eleventh

    page.get_by_role("button", name="Older").click()

    # the next page follows: the eleventh transfer, then what the demo world gave bob before
    expect(page.get_by_test_id("history")).to_contain_text("page 0")
    entries = ok(api.call("GET", "list_transactions", "demo-bob", params={"limit": 100}))
    expect(rows).to_have_count(min(20, len(entries["items"])))
