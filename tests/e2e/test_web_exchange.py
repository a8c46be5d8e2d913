"""The creator exchange in the web app, in a real browser (chromium, Playwright) against `next
build && next start` on `make dev`'s demo data (NOVA, listed by demo-nova, with resting orders
and trades on NOVA-CHIP): the creators, a creator's page with its candle chart, and an order
placed from the ticket showing in the depth through the listener alone.

Each test saves a screenshot of its final page (.screenshots/web/).
"""
from __future__ import annotations

from playwright.sync_api import expect

from tests.emulator.helpers import ok
from tests.support.web import sign_in_as


def test_a_placed_order_shows_in_the_depth_without_reload_or_depth_reads(demo_data, web_app,
                                                                       page, api):
    sign_in_as(page, web_app.url, "demo-carol")
    page.get_by_role("link", name="Exchange").click()
    expect(page.get_by_test_id("creators")).to_contain_text("Nova Studio")
    page.get_by_role("link", name="NOVA", exact=True).click()
    expect(page.get_by_test_id("creator-name")).to_contain_text("Nova Studio")
    # the demo's resting orders, as get_depth has them (prices in CHIP cents, 2 decimals)
    depth = ok(api.call("GET", "get_depth", "demo-carol", params={"book": "NOVA-CHIP"}))
    assert {b["price"]: b["quantity"] for b in depth["bids"]} == {9: 200, 8: 200}
    expect(page.get_by_test_id("bids-9")).to_have_text("200")
    expect(page.get_by_test_id("depth-asks")).to_contain_text("0.11")
    expect(page.get_by_test_id("bids-7")).to_have_count(0)
    expect(page.get_by_test_id("candle-chart").locator("canvas").first).to_be_visible()
    expect(page.get_by_test_id("trades")).to_contain_text("0.10")  # the demo's trades at 0.10

    blocked: list[str] = []

    def refuse(route):
        blocked.append(route.request.url)
        route.abort()

    # From here on the page cannot read the depth over HTTP: only the book_depth listener can
    # bring the new level.
    page.route("**/get_depth*", refuse)
    page.get_by_label("side").select_option("buy")
    page.get_by_label("quantity").fill("150")
    page.get_by_label("limit price").fill("0.07")
    expect(page.get_by_test_id("order-estimate")).to_have_text(
        "Nothing fills now: the whole order rests on the book")
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_test_id("order-receipt")).to_contain_text("buy 150 NOVA at 0.07 CHIP")
    expect(page.get_by_test_id("bids-7")).to_have_text("150")
    expect(page.get_by_test_id("my-orders")).to_contain_text("open")
    depth = ok(api.call("GET", "get_depth", "demo-carol", params={"book": "NOVA-CHIP"}))
    assert {b["price"]: b["quantity"] for b in depth["bids"]} == {9: 200, 8: 200, 7: 150}
    assert blocked == []  # the page never asked: the listener alone moved it


def test_my_fills_on_the_creator_page_show_the_demo_fill_and_a_new_one(demo_data, web_app, page,
                                                                        api):
    # bob's demo buy of 300 NOVA at 0.10 took nova's ask: one fill, bob the taker
    before = ok(api.call("GET", "list_my_fills", "demo-bob", params={"book": "NOVA-CHIP"}))["items"]
    assert [(f["side"], f["role"], f["price"], f["quantity"]) for f in before] == [
        ("buy", "taker", 10, 300)]
    sign_in_as(page, web_app.url, "demo-bob")
    page.get_by_role("link", name="Exchange").click()
    page.get_by_role("link", name="NOVA", exact=True).click()
    fills = page.get_by_test_id("my-fills")
    expect(fills.locator("tbody tr")).to_have_count(1)
    expect(fills.locator("tbody tr").first).to_contain_text("buy")
    expect(fills.locator("tbody tr").first).to_contain_text("taker")
    expect(fills.locator("tbody tr").first).to_contain_text("0.10")
    expect(fills.locator("tbody tr").first).to_contain_text("300")

    # a buy of 100 at 0.10 takes the rest of that ask and shows without a reload
    page.get_by_label("side").select_option("buy")
    page.get_by_label("quantity").fill("100")
    page.get_by_label("limit price").fill("0.10")
    page.get_by_role("button", name="Place order").click()
    expect(fills.locator("tbody tr")).to_have_count(2)
    after = ok(api.call("GET", "list_my_fills", "demo-bob", params={"book": "NOVA-CHIP"}))["items"]
    assert len(after) == 2
    new = next(f for f in after if f["seq"] not in {b["seq"] for b in before})
    assert (new["side"], new["role"], new["price"], new["quantity"]) == ("buy", "taker", 10, 100)
    row = fills.locator(f"tr[data-seq='{new['seq']}']")
    expect(row).to_contain_text("100")
    fee_asset = new["fee_asset"]
    decimals = {a["code"]: a["decimals"] for a in ok(api.call("GET", "list_assets"))["items"]}[fee_asset]
    whole, fraction = divmod(new["fee"], 10 ** decimals)
    fee = f"{whole:,}.{fraction:0{decimals}d}" if decimals else f"{whole:,}"
    expect(row.locator("td").last).to_have_text(f"{fee} {fee_asset}")
