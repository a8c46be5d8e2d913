"""Accountability and reputation as specified, through the API (issue 22, items 1 and 4):
moderation in the audit log and a market's history; flagged forecasts left out of reputation
and leaderboards until cleared; reputation weighted by stake and never below zero; leaderboard
rows with display names (gone with the account); past periods read by their start."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.support.waiting import eventually

from .helpers import error, key, ok, reconcile, set_chips
from .test_markets_lifecycle import commit, create_market, resolve, settled, wait_past_close

pytestmark = pytest.mark.usefixtures("ledger")
PPM, CAP = 1_000_000, 1_000  # create_market's max_per_user


def post(api, uid: str, name: str, body: dict):
    return api.call("POST", name, uid, json=body, idempotency_key=key())


def history(api, admin: str, market_id: str, limit: int = 2) -> list[dict]:
    entries, cursor = [], None
    for _ in range(20):
        params = {"market_id": market_id, "limit": limit, **({"cursor": cursor} if cursor else {})}
        page = ok(api.call("GET", "admin_market_history", admin, params=params))
        entries += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return entries
    raise AssertionError("pagination did not end")


def reputation(api, uid: str) -> dict:
    return ok(api.call("GET", "get_reputation", params={"uid": uid}))


def board(api, **params) -> dict:
    return ok(api.call("GET", "get_leaderboard", params={"period": "all", "category": "all",
                                                         **params}))


def ranked(api) -> list[str]:
    ok(api.call("POST", "job_leaderboards"))
    return [r["uid"] for r in board(api)["rows"]]


def forecast(api, uid: str, market_id: str) -> dict:
    items = ok(api.call("GET", "list_my_forecasts", uid))["items"]
    return next(f for f in items if f["market_id"] == market_id)


def make_moderator(api, admin: str, uid: str) -> None:
    ok(api.call("GET", "get_me", uid))
    ok(post(api, admin, "admin_set_role", {"uid": uid, "role": "moderator",
                                           "reason": "trusted member"}))


def test_moderation_is_audited_with_reasons_and_paged_as_the_market_history(api, admin_uid):
    # given a moderator and a forecaster
    make_moderator(api, admin_uid, "mod")
    set_chips(api, admin_uid, "ann", 500)
    # when the moderator creates a market, suspends it, reopens it, a forecast is flagged and
    # cleared, and the market resolves
    market = create_market(api, "mod", "audited", closes_in_s=12, reason="weekly crypto question")
    mid = market["id"]
    ok(commit(api, "ann", mid, "yes", 100))
    ok(post(api, "mod", "suspend_market", {"market_id": mid, "reason": "odd trading pattern"}))
    ok(post(api, "mod", "reopen_market", {"market_id": mid, "reason": "pattern explained"}))
    flag = {"market_id": mid, "uid": "ann", "reason": "looks coordinated"}
    ok(post(api, "mod", "flag_forecast", flag))
    ok(post(api, admin_uid, "clear_forecast_flag", {**flag, "reason": "checked: genuine"}))
    wait_past_close(market)
    ok(resolve(api, "mod", mid, "yes"))
    # and another market is cancelled
    other = create_market(api, "mod", "audited-too", closes_in_s=60)["id"]
    ok(post(api, "mod", "cancel_market", {"market_id": other, "reason": "duplicate question"}))
    # then the market's history, two entries a page, is each action once, newest first, with
    # who did it and why
    entries = history(api, admin_uid, mid)
    assert [(e["action"], e["actor"], e["reason"]) for e in entries] == [
        ("resolve_market", "mod", "official result"),
        ("clear_forecast_flag", admin_uid, "checked: genuine"),
        ("flag_forecast", "mod", "looks coordinated"),
        ("reopen_market", "mod", "pattern explained"),
        ("suspend_market", "mod", "odd trading pattern"),
        ("create_market", "mod", "weekly crypto question")]
    assert entries[0]["after"]["outcome"] == "yes"
    assert entries[0]["after"]["evidence_urls"] == ["https://example.com/result"]
    assert (entries[4]["before"], entries[4]["after"]) == ({"status": "open"},
                                                          {"status": "suspended"})
    assert len({e["id"] for e in entries}) == 6
    assert [(e["action"], e["reason"]) for e in history(api, admin_uid, other)] == [
        ("cancel_market", "duplicate question"), ("create_market", "new market: Will audited-too happen?")]
    # and the same entries are in the audit log, and only admins read the history
    audit = ok(api.call("GET", "admin_audit_log", admin_uid, params={"target": mid, "limit": 50}))
    assert [e["id"] for e in audit["items"]] == [e["id"] for e in entries]
    error(api.call("GET", "admin_market_history", "mod", params={"market_id": mid}), 403,
          "role_required")
    error(api.call("GET", "admin_market_history", admin_uid, params={"market_id": "nope"}), 404,
          "unknown_market")
    assert reconcile(api, admin_uid)["ok"]


def test_a_flagged_forecast_counts_nowhere_until_an_admin_clears_it(api, admin_uid):
    # given three forecasters at the cap; ann and cat on the winner, bob on the loser; and
    # dan, whose forecast a moderator flags while the market is open
    make_moderator(api, admin_uid, "mod")
    for uid in ("ann", "bob", "cat", "dan"):
        set_chips(api, admin_uid, uid, 5_000)
    market = create_market(api, admin_uid, "flagged", closes_in_s=12)
    mid = market["id"]
    for uid, outcome in (("ann", "yes"), ("bob", "no"), ("cat", "yes"), ("dan", "yes")):
        ok(commit(api, uid, mid, outcome, CAP))
    flag = {"market_id": mid, "uid": "dan", "reason": "sock puppet of ann"}
    assert ok(post(api, "mod", "flag_forecast", flag))["status"] == "open"
    # when the market resolves "yes" and settles
    wait_past_close(market)
    ok(resolve(api, admin_uid, mid, "yes"))
    settled(api, mid)
    # then dan is paid (a flag is not a sanction) but his forecast counts nothing
    assert forecast(api, "dan", mid)["payout"] > CAP
    assert forecast(api, "dan", mid)["score_ppm"] == 0
    assert (reputation(api, "dan")["score_ppm"], reputation(api, "dan")["resolved"]) == (0, 0)
    assert set(ranked(api)) == {"ann", "cat", "bob"}
    ann = reputation(api, "ann")  # the first commit: p is an even split, so a positive score
    assert ann["score_ppm"] > 0 and ann["resolved"] == 1
    # when ann's settled forecast is flagged (by two moderators: it is taken back once)
    make_moderator(api, admin_uid, "mod2")
    ok(post(api, "mod", "flag_forecast", {**flag, "uid": "ann"}))
    ok(post(api, "mod2", "flag_forecast", {**flag, "uid": "ann"}))
    # then her reputation and her leaderboard rows lose it, in every category it was in
    after = reputation(api, "ann")
    assert (after["score_ppm"], after["resolved"], after["correct"], after["net_won"]) == (0, 0, 0, 0)
    assert {c["category"]: c["resolved"] for c in after["categories"]}["crypto"] == 0
    assert set(ranked(api)) == {"cat", "bob"}
    crypto = ok(api.call("GET", "get_leaderboard", params={"period": "all", "category": "crypto"}))
    assert {r["uid"] for r in crypto["rows"]} == {"cat", "bob"}
    flags = ok(api.call("GET", "admin_list_flagged_forecasts", admin_uid))["items"]
    assert sorted((f["forecaster"], f["flagged_by"], f["status"]) for f in flags) == [
        ("ann", "mod", "open"), ("ann", "mod2", "open"), ("dan", "mod", "open")]
    # when an admin clears both (a moderator may not; a forecast with no flag cannot be cleared)
    error(post(api, "mod", "clear_forecast_flag", {**flag, "reason": "fine"}), 403,
          "role_required")
    error(post(api, admin_uid, "clear_forecast_flag", {**flag, "uid": "cat", "reason": "fine"}),
          409, "forecast_not_flagged")
    error(post(api, admin_uid, "clear_forecast_flag", {**flag, "uid": "eve", "reason": "fine"}),
          404, "unknown_forecast")
    cleared = ok(post(api, admin_uid, "clear_forecast_flag", {**flag, "uid": "ann",
                                                              "reason": "checked: genuine"}))
    ok(post(api, admin_uid, "clear_forecast_flag", {**flag, "reason": "checked: genuine"}))
    # then both count again, exactly as settlement would have counted them
    assert reputation(api, "ann") == ann and cleared["score_ppm"] == ann["score_ppm"]
    dan = reputation(api, "dan")
    assert dan["resolved"] == dan["correct"] == 1
    assert dan["score_ppm"] == forecast(api, "dan", mid)["score_ppm"] == \
        (PPM - forecast(api, "dan", mid)["p_ppm"]) * CAP // CAP
    assert set(ranked(api)) == {"ann", "bob", "cat", "dan"}
    assert {f["status"] for f in ok(api.call("GET", "admin_list_flagged_forecasts",
                                             admin_uid))["items"]} == {"cleared"}
    error(post(api, admin_uid, "clear_forecast_flag", {**flag, "reason": "again"}), 409,
          "forecast_not_flagged")
    assert reconcile(api, admin_uid)["ok"]


def test_reputation_is_weighted_by_stake_and_never_below_zero(api, admin_uid):
    # given a whale at the cap and a farmer with a hundredth of it on the winner, and a loser
    for uid in ("whale", "farmer", "loser"):
        set_chips(api, admin_uid, uid, 5_000)
    market = create_market(api, admin_uid, "weighted", closes_in_s=10)
    mid = market["id"]
    ok(commit(api, "loser", mid, "no", CAP))
    ok(commit(api, "whale", mid, "yes", CAP))
    ok(commit(api, "farmer", mid, "yes", CAP // 100))
    # when it resolves "yes"
    wait_past_close(market)
    ok(resolve(api, admin_uid, mid, "yes"))
    settled(api, mid)
    # then each winner's score is (1 - p) x min(stake, cap) / cap, and is their reputation
    for uid, stake in (("whale", CAP), ("farmer", CAP // 100)):
        f = forecast(api, uid, mid)
        assert f["score_ppm"] == (PPM - f["p_ppm"]) * stake // CAP > 0
        assert reputation(api, uid)["score_ppm"] == f["score_ppm"]
    assert forecast(api, "farmer", mid)["score_ppm"] < forecast(api, "whale", mid)["score_ppm"] // 10
    # and the loser's reputation stays at zero (not -p), in total and in the category
    loser = reputation(api, "loser")
    assert loser["score_ppm"] == 0 and loser["resolved"] == 1
    assert all(c["score_ppm"] >= 0 for c in loser["categories"])
    assert forecast(api, "loser", mid)["score_ppm"] == 0
    # when the loser wins later, the gain counts from zero
    again = create_market(api, admin_uid, "weighted-2", closes_in_s=10)
    ok(commit(api, "loser", again["id"], "yes", CAP))
    ok(commit(api, "whale", again["id"], "no", CAP))
    wait_past_close(again)
    ok(resolve(api, admin_uid, again["id"], "yes"))
    settled(api, again["id"])
    won = forecast(api, "loser", again["id"])["score_ppm"]
    assert won > 0 and reputation(api, "loser")["score_ppm"] == won
    assert reconcile(api, admin_uid)["ok"]


def test_leaderboard_rows_show_display_names_until_erasure_and_past_periods_by_start(
        api, admin_uid):
    from shared.services.markets import leaderboards

    # given two named forecasters on a settled market
    for uid, name in (("ann", "Ann Example"), ("bob", "Bob Builder")):
        set_chips(api, admin_uid, uid, 2_000)
        ok(api.call("PATCH", "update_me", uid, idempotency_key=key(), json={"display_name": name}))
    market = create_market(api, admin_uid, "named", closes_in_s=8)
    ok(commit(api, "ann", market["id"], "yes", CAP))
    ok(commit(api, "bob", market["id"], "no", CAP))
    wait_past_close(market)
    ok(resolve(api, admin_uid, market["id"], "yes"))
    settled(api, market["id"])
    ok(api.call("POST", "job_leaderboards"))
    # then the current boards show their names
    assert [(r["uid"], r["display_name"]) for r in board(api)["rows"]] == \
        [("ann", "Ann Example"), ("bob", "Bob Builder")]
    # and a past period is read by its start: this week's by its Monday is the current one,
    # the week before (no run then) is empty; last week's board, once a run wrote it, is read
    now = datetime.now(timezone.utc)
    monday = (now - timedelta(days=now.weekday())).date()
    week = ok(api.call("GET", "get_leaderboard", params={"period": "week"}))
    by_start = ok(api.call("GET", "get_leaderboard", params={"period": "week",
                                                             "start": monday.isoformat()}))
    assert by_start == week and week["rows"]
    earlier = monday - timedelta(days=7)
    past = ok(api.call("GET", "get_leaderboard", params={"period": "week",
                                                         "start": earlier.isoformat()}))
    assert (past["rows"], past["id"]) == ([], f"week.all.{earlier:%Y%m%d}")
    leaderboards.recompute(at=datetime.combine(earlier, datetime.min.time(), timezone.utc)
                           + timedelta(days=3))  # a run in that week: nobody had settled yet
    past = ok(api.call("GET", "get_leaderboard", params={"period": "week",
                                                         "start": earlier.isoformat()}))
    assert past["computed_at"] is not None and past["rows"] == []
    assert ok(api.call("GET", "get_leaderboard", params={"period": "week"})) == week
    ok(api.call("POST", "job_leaderboards"))  # that past run also rewrote the all-time board
    all_time = board(api, start="1970-01-01")
    assert all_time["rows"] == board(api)["rows"]
    first = now.date().replace(day=1)
    assert ok(api.call("GET", "get_leaderboard", params={
        "period": "month", "start": first.isoformat()}))["rows"] == board(api)["rows"]
    for period, start in (("week", monday + timedelta(days=1)), ("month", first.replace(day=2)),
                          ("all", first)):
        error(api.call("GET", "get_leaderboard", params={"period": period,
                                                         "start": start.isoformat()}),
              400, "not_a_period_start")
    # when bob deletes his account (forfeiting his tokens)
    ok(api.call("POST", "delete_my_account", "bob", idempotency_key=key(),
                json={"confirm_forfeit": True}))
    # then every board, current or past, shows his row without his name once the user
    # trigger has erased his public profile (on_user_written: delivered after the commit);
    # ann's stays
    def named(params: dict) -> list[tuple[str, str | None]]:
        return [(r["uid"], r["display_name"]) for r in board(api, **params)["rows"]]

    erased = [("ann", "Ann Example"), ("bob", None)]
    for params in ({}, {"start": "1970-01-01"}):
        eventually(lambda: named(params) == erased or None, timeout_s=30, interval_s=0.3,
                   what="bob's name erased from the board")
        assert named(params) == erased
    rows = ok(api.call("GET", "get_leaderboard", params={"period": "week"}))["rows"]
    assert "Bob Builder" not in str(rows)
    assert reconcile(api, admin_uid)["ok"]
