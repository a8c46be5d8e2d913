"""Leaderboards, reputation and notifications in the web app, in a real browser (chromium,
Playwright) against `next build && next start` on `make dev`'s demo data (its resolved market is
settled and ranked by the leaderboards job): the board per period and category with display
names, a forecaster's reputation, and marking notifications read from the markets screen.

The numbers the page must show come from the API, as the user's other devices would see them.
Each test saves a screenshot of its final page (.screenshots/web/).
"""
from __future__ import annotations

from playwright.sync_api import expect

from tests.emulator.helpers import ok
from tests.support.web import sign_in_as


def chips(amount: int) -> str:
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    return f"{sign}{amount // 100:,}.{amount % 100:02d}"


def test_the_leaderboard_shows_ranked_display_names_and_a_forecasters_reputation(
        demo_data, web_app, page, api):
    board = ok(api.call("GET", "get_leaderboard", params={"period": "all", "category": "all"}))
    assert board["rows"], "the demo's settled market is ranked"
    first = board["rows"][0]
    assert first["display_name"]

    sign_in_as(page, web_app.url, "demo-carol")
    page.get_by_role("link", name="Markets").click()
    page.get_by_role("link", name="Leaderboards and reputation").click()
    table = page.get_by_test_id("leaderboard")
    for r in board["rows"]:
        row = table.locator(f"tr[data-uid='{r['uid']}']")
        expect(row).to_contain_text(r["display_name"] or "unnamed forecaster")  # no public name
        expect(row).to_contain_text(f"{r['correct']} / {r['resolved']}")
        expect(row).to_contain_text(f"{chips(r['net_won'])} CHIP")
    expect(table.locator("tbody tr").first).to_contain_text(first["display_name"])

    # a category nobody forecast in has an empty board
    page.get_by_label("leaderboard category").select_option("sports")
    expect(table).to_contain_text("No forecaster ranked yet.")

    # carol's own reputation first, then the leader's when picked
    expect(page.get_by_test_id("reputation")).to_contain_text("Reputation of you")
    page.get_by_label("leaderboard category").select_option("all")
    table.locator(f"tr[data-uid='{first['uid']}']").get_by_role("button").click()
    reputation = ok(api.call("GET", "get_reputation", params={"uid": first["uid"]}))
    panel = page.get_by_test_id("reputation")
    expect(panel).to_contain_text(f"Reputation of {first['display_name']}")
    expect(page.get_by_test_id("reputation-net-won")).to_have_text(f"{chips(reputation['net_won'])} CHIP")
    for c in reputation["categories"]:
        expect(panel.locator(f"tr[data-category='{c['category']}']")).to_contain_text(
            f"{chips(c['net_won'])} CHIP")


def unread_on_the_markets_screen(page, web_url: str, api) -> tuple[list[dict], object]:
    """Alice's notifications (the page lists the newest 10), signed in on the markets screen
    showing her unread count; the demo's settled market gave her at least one."""
    before = ok(api.call("GET", "list_notifications", "demo-alice", params={"limit": 10}))["items"]
    unread = [n for n in before if not n["read"]]
    assert unread, "the demo notified alice"
    sign_in_as(page, web_url, "demo-alice")
    page.get_by_role("link", name="Markets").click()
    expect(page.get_by_test_id("unread-count")).to_have_text(f"{len(unread)} unread")
    return before, page.get_by_test_id("notifications")


def assert_all_read(page, api, before: list[dict], notifications) -> None:
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    expect(notifications.locator("li[data-read='no']")).to_have_count(0)
    expect(notifications.locator("li[data-read='yes']")).to_have_count(len(before))
    after = ok(api.call("GET", "list_notifications", "demo-alice", params={"limit": 10}))["items"]
    assert [n["id"] for n in after] == [n["id"] for n in before] and all(n["read"] for n in after)


def test_a_notification_is_marked_read_on_its_own(demo_data, web_app, page, api):
    before, notifications = unread_on_the_markets_screen(page, web_app.url, api)
    unread = [n for n in before if not n["read"]]
    for n in range(len(unread), 0, -1):
        expect(page.get_by_test_id("unread-count")).to_have_text(f"{n} unread")
        notifications.locator("li[data-read='no']").first.get_by_role("button", name="Mark read").click()
    assert_all_read(page, api, before, notifications)


def test_mark_all_read_marks_every_notification_read(demo_data, web_app, page, api):
    before, notifications = unread_on_the_markets_screen(page, web_app.url, api)
    page.get_by_role("button", name="Mark all read").click()
    assert_all_read(page, api, before, notifications)
