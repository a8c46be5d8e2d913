"""The social side of markets through the API: follows, notifications, feed, badges, reputation,
leaderboards and flags. Trigger effects arrive asynchronously, so tests wait on conditions."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.support.waiting import eventually

from .helpers import error, key, ok, reconcile, set_chips
from .test_markets_lifecycle import commit, create_market, resolve, settled, wait_past_close

pytestmark = pytest.mark.usefixtures("ledger")
WAIT_S = 40


def notes(api, uid: str, **params) -> dict:
    return ok(api.call("GET", "list_notifications", uid, params={"limit": 100, **params}))


def kinds(api, uid: str) -> Counter:
    return Counter(n["kind"] for n in notes(api, uid)["items"])


def feed(api) -> list[dict]:
    return ok(api.call("GET", "list_activity", params={"limit": 100}))["items"]


def badges(api, uid: str) -> list[str]:
    return [b["badge"] for b in ok(api.call("GET", "list_badges", params={"uid": uid}))["items"]]


def post(api, uid: str, name: str, body: dict):
    return api.call("POST", name, uid, json=body, idempotency_key=key())


def run_job(api, name: str) -> dict:
    return ok(api.call("POST", name))


def test_follow_notify_feed_badges_reputation_leaderboard_and_mark_read(api, admin_uid):
    # given two forecasters, a follower of crypto and someone who unfollowed it
    for uid in ("ann", "bob"):
        set_chips(api, admin_uid, uid, 1_000)
    assert ok(post(api, "cat", "follow_category", {"category": "crypto"}))["categories"] == ["crypto"]
    ok(post(api, "cat", "follow_category", {"category": "crypto"}))
    ok(post(api, "dan", "follow_category", {"category": "crypto"}))
    assert ok(post(api, "dan", "unfollow_category", {"category": "crypto"}))["categories"] == []
    assert ok(api.call("GET", "list_my_follows", "cat"))["categories"] == ["crypto"]
    error(post(api, "cat", "follow_category", {"category": "knitting"}), 400, "invalid_input")
    # when a crypto market is created
    market = create_market(api, admin_uid, "social-one", closes_in_s=10)
    mid = market["id"]
    # then the follower is told once, the unfollower not at all, and the feed shows it
    eventually(lambda: kinds(api, "cat")["new_market"] == 1, timeout_s=WAIT_S, what="new_market")
    assert kinds(api, "dan") == Counter()
    # when ann and bob forecast, and ann raises hers
    ok(commit(api, "ann", mid, "yes", 100))
    ok(commit(api, "bob", mid, "no", 100))
    ok(commit(api, "ann", mid, "yes", 50))
    # then the feed has one "forecast placed" each, and each earns "first forecast" once
    def placed():
        entries = feed(api)
        return Counter((e["kind"], e["uid"]) for e in entries if e["kind"] != "badge_earned") == \
            Counter({("forecast_placed", "ann"): 1, ("forecast_placed", "bob"): 1,
                     ("market_created", admin_uid): 1})
    eventually(placed, timeout_s=WAIT_S, what="forecast_placed feed entries")
    eventually(lambda: badges(api, "ann") == ["first_forecast"] == badges(api, "bob"),
               timeout_s=WAIT_S, what="first forecast badges")
    assert kinds(api, "ann")["badge_earned"] == 1
    # when the closing-soon job runs twice
    first = run_job(api, "job_markets_closing_soon")
    second = run_job(api, "job_markets_closing_soon")
    # then the first run reads the market new to the window and tells its two forecasters
    # (what it says changed), the second tells no one
    assert (first["markets"], first["notified"], first["changed"]) == (1, 2, 3)
    assert second["notified"] == 0
    # and each forecaster is reminded once, and the follower (no forecast) is not
    assert kinds(api, "ann")["market_closing_soon"] == kinds(api, "bob")["market_closing_soon"] == 1
    assert kinds(api, "cat")["market_closing_soon"] == 0
    # when the market closes and resolves "yes"
    wait_past_close(market)
    ok(resolve(api, admin_uid, mid, "yes"))
    settled(api, mid)
    # then reputation equals the scores on the user's own forecasts, split by category
    for uid in ("ann", "bob"):
        scores = [f["score_ppm"] for f in ok(api.call("GET", "list_my_forecasts", uid))["items"]]
        rep = ok(api.call("GET", "get_reputation", params={"uid": uid}))
        by_category = {c["category"]: c["score_ppm"] for c in rep["categories"]}
        assert rep["score_ppm"] == sum(scores) == by_category["crypto"]
        assert by_category["sports"] == 0 and rep["resolved"] == 1
    ann_rep = ok(api.call("GET", "get_reputation", params={"uid": "ann"}))
    assert ann_rep["correct"] == 1 and ann_rep["score_ppm"] > 0 and ann_rep["net_won"] == 100
    assert ok(api.call("GET", "get_reputation", params={"uid": "nobody"}))["score_ppm"] == 0
    resolved = [n for n in notes(api, "ann")["items"] if n["kind"] == "market_resolved"]
    assert [(n["data"]["result"], n["data"]["payout"]) for n in resolved] == [("won", 250)]
    eventually(lambda: any(e["kind"] == "market_resolved" for e in feed(api)), timeout_s=WAIT_S,
               what="market_resolved feed entry")
    # when the leaderboard job runs (twice)
    run_job(api, "job_leaderboards")
    assert run_job(api, "job_leaderboards")["written"] == 0  # nothing changed: no rewrite
    # then the all-time boards rank ann first; other categories are empty
    board = ok(api.call("GET", "get_leaderboard", params={"period": "all", "category": "all"}))
    assert [(r["rank"], r["uid"]) for r in board["rows"]] == [(1, "ann"), (2, "bob")]
    assert board["rows"][0]["net_won"] == 100 and board["id"].startswith("all.all.")
    crypto = ok(api.call("GET", "get_leaderboard", params={"period": "all", "category": "crypto"}))
    assert crypto["rows"] == board["rows"]
    assert ok(api.call("GET", "get_leaderboard",
                       params={"period": "month", "category": "sports"}))["rows"] == []
    error(api.call("GET", "get_leaderboard", params={"period": "decade"}), 400, "invalid_input")
    # and ann, with a positive gain, holds "top ten" exactly once; bob (no gain) does not
    assert badges(api, "ann") == ["first_forecast", "top_ten"]
    assert "top_ten" not in badges(api, "bob")
    assert Counter(e["badge"] for e in feed(api) if e["uid"] == "ann"
                   and e["kind"] == "badge_earned") == Counter(["first_forecast", "top_ten"])
    # and the feed and notifications page by cursor, newest first, without repeats or gaps
    assert _all_pages(api, "list_activity", None) == [e["id"] for e in feed(api)]
    assert _all_pages(api, "list_notifications", "ann") == \
        [n["id"] for n in notes(api, "ann")["items"]]
    # when ann marks one notification read, then all
    page = notes(api, "ann")
    unread = page["unread_count"]
    assert unread == len(page["items"]) >= 4
    first = page["items"][0]["id"]
    assert ok(post(api, "ann", "mark_notifications_read", {"ids": [first, "not-hers"]})) == \
        {"marked": 1, "more": False}
    assert ok(post(api, "bob", "mark_notifications_read", {"ids": [first]}))["marked"] == 0
    assert notes(api, "ann")["unread_count"] == unread - 1
    assert first not in [n["id"] for n in notes(api, "ann", unread="true")["items"]]
    assert ok(post(api, "ann", "mark_notifications_read", {"all": True})) == \
        {"marked": unread - 1, "more": False}
    assert notes(api, "ann", unread="true") == {"items": [], "next_cursor": None, "unread_count": 0}
    error(post(api, "ann", "mark_notifications_read", {}), 400, "invalid_input")
    assert reconcile(api, admin_uid)["ok"]


def test_ten_correct_and_five_in_a_row_are_awarded_once_after_settlement(api, admin_uid):
    # given ten markets; "win" forecasts every winner, "alt" only four of them
    for uid in ("win", "alt", "foil"):
        set_chips(api, admin_uid, uid, 10_000)
    markets = [create_market(api, admin_uid, f"streak-{i}", closes_in_s=14) for i in range(10)]
    for i, market in enumerate(markets):
        ok(commit(api, "win", market["id"], "yes", 10))
        ok(commit(api, "alt", market["id"], "yes" if i < 4 else "no", 10))
        ok(commit(api, "foil", market["id"], "no", 10))
    # when all ten resolve "yes"
    wait_past_close(markets[-1])
    for market in markets:
        ok(resolve(api, admin_uid, market["id"], "yes"))
    for market in markets:
        settled(api, market["id"], timeout_s=90)
    # then "win" earns ten correct and five in a row, once each; the others only their first
    expected = ["first_forecast", "ten_correct", "five_in_a_row"]
    eventually(lambda: sorted(badges(api, "win")) == sorted(expected), timeout_s=WAIT_S,
               what="win's badges")
    assert badges(api, "alt") == badges(api, "foil") == ["first_forecast"]
    earned = Counter(n["data"]["badge"] for n in notes(api, "win")["items"]
                     if n["kind"] == "badge_earned")
    assert earned == Counter(expected)
    rep = ok(api.call("GET", "get_reputation", params={"uid": "win"}))
    assert (rep["resolved"], rep["correct"]) == (10, 10)
    assert ok(api.call("GET", "get_reputation", params={"uid": "alt"}))["correct"] == 4
    assert reconcile(api, admin_uid)["ok"]


def test_moderators_flag_forecasts_and_admins_list_them(api, admin_uid):
    # given a moderator and a forecast
    ok(api.call("GET", "get_me", "mod"))
    ok(post(api, admin_uid, "admin_set_role", {"uid": "mod", "role": "moderator",
                                               "reason": "trusted member"}))
    set_chips(api, admin_uid, "ann", 100)
    market = create_market(api, admin_uid, "flag-me", closes_in_s=60)
    ok(commit(api, "ann", market["id"], "yes", 40))
    body = {"market_id": market["id"], "uid": "ann", "reason": "coordinated manipulation"}
    # when a user tries to flag, then a moderator flags, and flags a forecast that does not exist
    error(post(api, "bob", "flag_forecast", body), 403, "role_required")
    flagged = ok(post(api, "mod", "flag_forecast", body))
    error(post(api, "mod", "flag_forecast", {**body, "uid": "nobody"}), 404, "unknown_forecast")
    error(post(api, "mod", "flag_forecast", {**body, "reason": ""}), 400, "invalid_input")
    # then admins (only) see it with the forecast it points at
    assert (flagged["forecaster"], flagged["flagged_by"], flagged["outcome"]) == ("ann", "mod", "yes")
    listed = ok(api.call("GET", "admin_list_flagged_forecasts", admin_uid))["items"]
    assert [(f["forecaster"], f["reason"], f["amount"]) for f in listed] == \
        [("ann", "coordinated manipulation", 40)]
    error(api.call("GET", "admin_list_flagged_forecasts", "mod"), 403, "role_required")
    assert reconcile(api, admin_uid)["ok"]


def _all_pages(api, name: str, uid: str | None) -> list[str]:
    ids, cursor = [], None
    for _ in range(50):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = ok(api.call("GET", name, uid, params=params))
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("pagination did not end")
