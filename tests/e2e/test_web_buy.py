"""Buying tokens in the web app, in a real browser: a demo package paid with a 3-D Secure test
card through @stripe/stripe-js, against localstripe's Stripe.js stand-in (which the local build
loads before Stripe would fetch its own), and the credit shown live; a declined card shows the
error and credits nothing.

The local payment path (dev/pay.py): the dev server puts the test card on the PaymentIntent
(`POST /_dev/test_card`, what the page's "Pay with test card" does), the browser calls
`stripe.confirmCardPayment(client_secret)`, the stand-in asks for 3-D Secure in a box of its
own, and localstripe sends the signed webhook that credits (or fails) the purchase.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from dev.demo import PACKAGES
from tests.emulator.helpers import balance, ok, reconcile
from tests.support.web import sign_in_as, units

POPULAR = next(p for p in PACKAGES if p[4])  # (name, tokens, bonus, price, popular)


def open_shop(page, web_url: str, uid: str) -> int:
    """Signed in as `uid` on the buy page; the CHIP total it shows."""
    sign_in_as(page, web_url, uid)
    page.get_by_role("link", name="Buy tokens").click()
    expect(page.get_by_test_id("total-CHIP")).to_have_text(re.compile(r"\d"))
    return units(page.get_by_test_id("total-CHIP").inner_text(), 2)


def pay_for_popular(page, card: str) -> None:
    name, tokens, bonus, price, _ = POPULAR
    popular = page.locator("button.package", has_text="Popular")
    expect(popular).to_contain_text(f"+{bonus // 100:,}.00 bonus")
    expect(popular).to_contain_text(f"${price / 100:.2f}")
    popular.click()
    page.get_by_role("button", name=re.compile(f"^Buy {name} for")).click()
    page.get_by_label("test card").select_option(card)
    page.get_by_role("button", name="Pay with test card").click()
    # localstripe's stand-in: its 3-D Secure box, as Stripe.js would show the bank's page
    page.get_by_role("button", name="Complete authentication").click()


def test_buying_the_popular_package_with_a_test_card_credits_it_live(demo_data, web_app, page,
                                                                     api, stack):
    before = open_shop(page, web_app.url, "demo-carol")

    pay_for_popular(page, "3ds")

    _, tokens, bonus, _, _ = POPULAR
    credit = tokens + bonus
    expect(page.get_by_test_id("purchase-status")).to_have_text(
        f"Purchase completed: {credit // 100:,}.{credit % 100:02d} CHIP credited")
    after = before + credit
    expect(page.get_by_test_id("total-CHIP")).to_have_text(f"{after // 100:,}.{after % 100:02d}")
    assert balance(api, "demo-carol")["total"] == after
    [bought] = ok(api.call("GET", "list_purchases", "demo-carol"))["items"]
    assert bought["status"] == "completed"
    assert reconcile(api, "demo-admin")["ok"]


def test_a_declined_card_shows_the_error_and_credits_nothing(demo_data, web_app, page, api):
    before = open_shop(page, web_app.url, "demo-alice")

    pay_for_popular(page, "3ds-declined")

    expect(page.get_by_test_id("payment-error")).to_contain_text("Your card was declined.")
    expect(page.get_by_test_id("purchase-status")).to_contain_text("Purchase failed")
    assert units(page.get_by_test_id("total-CHIP").inner_text(), 2) == before
    assert balance(api, "demo-alice")["total"] == before
    [failed] = ok(api.call("GET", "list_purchases", "demo-alice"))["items"]
    assert failed["status"] == "failed"
    assert reconcile(api, "demo-admin")["ok"]

    # the admin sees alice's purchase as failed, with the tokens it would have credited and the
    # price asked; the declined card's webhook was delivered and processed, so it is no failed
    # Stripe delivery; the open flags are the API's
    page.get_by_role("button", name="Sign out").click()
    sign_in_as(page, web_app.url, "demo-admin")
    page.get_by_role("link", name="Admin").click()
    [listed] = [p for p in ok(api.call("GET", "admin_list_purchases", "demo-admin",
                                       params={"limit": 20}))["items"] if p["id"] == failed["id"]]
    credit = listed["tokens"] + listed["bonus"]
    assert (listed["uid"], listed["status"], credit) == ("demo-alice", "failed",
                                                          POPULAR[1] + POPULAR[2])
    row = page.get_by_test_id("purchases").locator(f"tr[data-purchase='{failed['id']}']")
    expect(row).to_contain_text("demo-alice")
    expect(row).to_contain_text(f"{credit // 100:,}.{credit % 100:02d} CHIP")
    expect(row).to_contain_text(f"${listed['amount'] / 100:.2f}")
    expect(row).to_contain_text("failed")
    assert ok(api.call("GET", "admin_list_stripe_failures", "demo-admin"))["items"] == []
    expect(page.get_by_test_id("stripe-failures")).to_contain_text(
        "None: every delivery went through.")
    flags = ok(api.call("GET", "admin_list_flags", "demo-admin", params={"status": "open"}))["items"]
    expect(page.get_by_test_id("flags").locator("tr[data-uid]")).to_have_count(len(flags))
