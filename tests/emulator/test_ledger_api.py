"""The ledger through the dev server, as a frontend sees it."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from .helpers import balance, error, key, ok, reconcile, set_chips

pytestmark = pytest.mark.usefixtures("ledger")


def test_first_call_creates_the_user_and_pays_the_welcome_bonus_once(api):
    me = ok(api.call("GET", "get_me", "ann"))
    assert (me["uid"], me["role"], me["status"]) == ("ann", "user", "active")
    ok(api.call("GET", "get_me", "ann"))
    assert balance(api, "ann") == {"asset": "CHIP", "available": 10_000, "committed": 0,
                                   "total": 10_000, "owed": 0}


def test_transfer_moves_tokens_and_charges_the_sender_the_fee(api, admin_uid):
    api.call("GET", "get_me", "ben")
    sent = ok(api.call("POST", "create_transfer", "ann", idempotency_key=key(),
                       json={"to": "ben", "asset": "CHIP", "amount": 1_500, "memo": "lunch"}))
    assert (sent["amount"], sent["fee"], sent["available_after"]) == (1_500, 2, 8_498)
    assert balance(api, "ben")["total"] == 11_500
    history = ok(api.call("GET", "list_transactions", "ann", params={"type": "fee"}))["items"]
    assert [(e["type"], e["amount"]) for e in history] == [("fee", -2)]
    assert reconcile(api, admin_uid)["ok"]


def test_replay_answers_the_first_result_and_moves_nothing_more(api):
    api.call("GET", "get_me", "ben")
    body = {"to": "ben", "asset": "CHIP", "amount": 100}
    first = ok(api.call("POST", "create_transfer", "ann", json=body, idempotency_key="same"))
    again = ok(api.call("POST", "create_transfer", "ann", json=body, idempotency_key="same"))
    assert first == again
    assert balance(api, "ben")["total"] == 10_100
    error(api.call("POST", "create_transfer", "ann", json={**body, "amount": 101},
                   idempotency_key="same"), 409, "idempotency_conflict")


def test_the_same_key_from_two_users_is_two_transfers(api):
    api.call("GET", "get_me", "cat")
    body = {"to": "cat", "asset": "CHIP", "amount": 100}
    ok(api.call("POST", "create_transfer", "ann", json=body, idempotency_key="shared"))
    ok(api.call("POST", "create_transfer", "ben", json=body, idempotency_key="shared"))
    assert balance(api, "cat")["total"] == 10_200


@pytest.mark.parametrize("body,status,code", [
    ({"to": "ben", "asset": "CHIP", "amount": 0}, 400, "invalid_input"),
    ({"to": "ben", "asset": "CHIP", "amount": -5}, 400, "invalid_input"),
    ({"to": "ben", "asset": "CHIP", "amount": 2**53}, 400, "invalid_input"),
    ({"to": "ben", "asset": "CHIP", "amount": 10**30}, 400, "invalid_input"),
    ({"to": "ben", "asset": "CHIP", "amount": "100"}, 400, "invalid_input"),
    ({"to": "ben", "asset": "CHIP", "amount": 1.5}, 400, "invalid_input"),
    ({"to": "ben", "asset": "CHIP"}, 400, "missing_field"),
    ({"to": "ben", "asset": "CHIP", "amount": 5, "admin": True}, 400, "unknown_field"),
    ({"to": "ben", "asset": "NOPE", "amount": 5}, 404, "unknown_asset"),
    ({"to": "nobody", "asset": "CHIP", "amount": 5}, 404, "unknown_user"),
    ({"to": "ann", "asset": "CHIP", "amount": 5}, 400, "cannot_transfer_to_self"),
    ({"to": "ben", "asset": "CHIP", "amount": 1_000_000}, 422, "insufficient_funds"),
])
def test_bad_transfers_answer_4xx_and_change_nothing(api, admin_uid, body, status, code):
    api.call("GET", "get_me", "ben")
    api.call("GET", "get_me", "ann")
    error(api.call("POST", "create_transfer", "ann", json=body, idempotency_key=key()), status, code)
    assert balance(api, "ann")["total"] == 10_000 and balance(api, "ben")["total"] == 10_000
    assert ok(api.call("GET", "list_transactions", "ann"))["items"][0]["type"] == "bonus"


@pytest.mark.parametrize("raw,headers,status,code", [
    (b"{not json", {}, 400, "invalid_json"),
    (b"[1, 2]", {}, 400, "invalid_json"),
    (b"[" * 100_000, {}, 413, "payload_too_large"),
    (b'{"to": "ben"}', {"Idempotency-Key": ""}, 400, "idempotency_key_required"),
])
def test_malformed_bodies_are_refused(api, raw, headers, status, code):
    sent = {"Authorization": f"Bearer {api.token('ann')}", "Content-Type": "application/json",
            "Idempotency-Key": "k", **headers}
    response = api.http.post(f"{api.base_url}/create_transfer", data=raw, headers=sent)
    error(response, status, code)


def test_calls_without_a_valid_token_are_unauthenticated(api):
    error(api.call("GET", "get_balances"), 401, "missing_token")
    error(api.call("GET", "get_balances", headers={"Authorization": "Bearer junk"}), 401,
          "invalid_token")


def test_wrong_method_is_405(api):
    error(api.call("DELETE", "get_balances", "ann"), 405, "method_not_allowed")


def test_history_pages_with_a_cursor(api):
    api.call("GET", "get_me", "ben")
    for n in range(3):
        ok(api.call("POST", "create_transfer", "ann", idempotency_key=key(),
                    json={"to": "ben", "asset": "CHIP", "amount": 10 + n}))
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = ok(api.call("GET", "list_transactions", "ann", params=params))
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 and len({e["id"] for e in seen}) == 7  # bonus + 3 x (transfer, fee)
    error(api.call("GET", "list_transactions", "ann", params={"cursor": "bm9wZQ"}), 400,
          "invalid_cursor")


def test_suspended_users_cannot_move_tokens(api, admin_uid):
    for uid in (admin_uid, "ann", "ben"):
        api.call("GET", "get_me", uid)
    ok(api.call("POST", "admin_set_status", admin_uid, idempotency_key=key(),
                json={"uid": "ann", "status": "suspended", "reason": "chargeback review"}))
    error(api.call("POST", "create_transfer", "ann", idempotency_key=key(),
                   json={"to": "ben", "asset": "CHIP", "amount": 5}), 403, "account_frozen")
    log = ok(api.call("GET", "admin_audit_log", admin_uid))["items"]
    assert (log[0]["actor"], log[0]["action"], log[0]["target"], log[0]["reason"]) == \
        (admin_uid, "set_status", "ann", "chargeback review")


def test_admins_adjust_with_a_reason_and_never_overdraw(api, admin_uid):
    api.call("GET", "get_me", admin_uid)
    set_chips(api, admin_uid, "ann", 500)
    error(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                   json={"uid": "ann", "asset": "CHIP", "amount": -501, "reason": "too much"}),
          422, "insufficient_funds")
    error(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                   json={"uid": "ann", "asset": "CHIP", "amount": 5}), 400, "missing_field")
    error(api.call("POST", "admin_adjust", "ann", idempotency_key=key(),
                   json={"uid": "ann", "asset": "CHIP", "amount": 5, "reason": "free money"}),
          403, "role_required")
    assert balance(api, "ann")["total"] == 500


def chip_supply(api, admin_uid) -> dict:
    rows = ok(api.call("GET", "admin_ledger_stats", admin_uid))["supply"]
    return next(r for r in rows if r["asset"] == "CHIP")


def test_admin_ledger_stats_show_supply_and_fees_as_of_the_last_consolidation(api, admin_uid):
    # given two sign-ups (a welcome bonus of 10,000 each) and a transfer paying a fee of 1
    api.call("GET", "get_me", admin_uid)
    api.call("GET", "get_me", "ann")
    ok(api.call("POST", "create_transfer", "ann", idempotency_key=key(),
                json={"to": admin_uid, "asset": "CHIP", "amount": 500}))
    # then before job_discovery has counted, the stats say there are no counts yet
    uncounted = ok(api.call("GET", "admin_ledger_stats", admin_uid))
    assert (uncounted["accounts"], uncounted["transfers_per_day"],
            uncounted["counts_as_of"]) == (None, [], None)
    # and once it ran, today's transfers are counted: two welcome bonuses, the transfer and its
    # fee, with the time they were counted
    ok(api.call("POST", "job_discovery"))
    today = datetime.now(timezone.utc).date().isoformat()
    counted = ok(api.call("GET", "admin_ledger_stats", admin_uid))
    per_day = counted["transfers_per_day"]
    assert per_day[0] == {"date": today, "transfers": 4} and len(per_day) == 7
    assert counted["accounts"] > 0 and counted["counts_as_of"] is not None
    # and the main accounts have not seen the per-user shares yet, and say so
    before = chip_supply(api, admin_uid)
    assert (before["supply"], before["fees_collected"], before["as_of"]) == (0, 0, None)
    # when consolidation runs, supply and fees are exact as of that run
    assert ok(api.call("POST", "job_consolidate"))["complete"]
    after = chip_supply(api, admin_uid)
    assert (after["supply"], after["fees_collected"], after["cap"]) == (20_000, 1, None)
    assert after["as_of"] is not None
    assert reconcile(api, admin_uid)["ok"]


def test_admin_ledger_stats_page_the_supply_through_every_asset(api, admin_uid):
    # given a capped creator token beside the platform chip
    body = {"code": "GOLD", "name": "Gold creator", "decimals": 0, "kind": "creator",
            "supply_cap": 1_000_000}
    ok(api.call("POST", "admin_create_asset", admin_uid, idempotency_key=key(), json=body))
    # when an admin walks the stats a row at a time
    rows, cursor = [], None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        got = ok(api.call("GET", "admin_ledger_stats", admin_uid, params=params))
        assert len(got["supply"]) == 1
        rows += got["supply"]
        if not (cursor := got["next_cursor"]):
            break
    # then every asset's supply is listed once, by code, as list_assets lists them
    listed = [a["code"] for a in ok(api.call("GET", "list_assets", params={"limit": 100}))["items"]]
    assert [r["asset"] for r in rows] == listed and "GOLD" in listed
    gold = next(r for r in rows if r["asset"] == "GOLD")
    assert (gold["cap"], gold["as_of"]) == (1_000_000, None)


def test_anyone_lists_every_asset_with_its_decimals_and_cap(api, admin_uid):
    # given an admin lists a capped creator token beside the platform chip
    body = {"code": "GOLD", "name": "Gold creator", "decimals": 0, "kind": "creator",
            "supply_cap": 1_000_000}
    ok(api.call("POST", "admin_create_asset", admin_uid, idempotency_key=key(), json=body))
    # when an anonymous visitor lists the assets
    items = {a["code"]: a for a in ok(api.call("GET", "list_assets"))["items"]}
    # then both are there, with what a client needs to display amounts
    assert items["GOLD"]["decimals"] == 0 and items["GOLD"]["supply_cap"] == 1_000_000
    assert items["CHIP"]["decimals"] == 2 and items["CHIP"]["supply_cap"] is None


def test_roles_follow_rank(api, admin_uid):
    api.call("GET", "get_me", admin_uid)
    api.call("GET", "get_me", "ann")
    made = ok(api.call("POST", "admin_set_role", admin_uid, idempotency_key=key(),
                       json={"uid": "ann", "role": "admin", "reason": "new staff"}))
    assert made["role"] == "admin"
    error(api.call("POST", "admin_set_role", "ann", idempotency_key=key(),
                   json={"uid": admin_uid, "role": "user", "reason": "coup"}), 403, "rank_too_low")


def test_profile_update_checks_the_version_it_read(api):
    me = ok(api.call("GET", "get_me", "ann"))
    ok(api.call("PATCH", "update_me", "ann", idempotency_key=key(),
                json={"display_name": "Ann", "version": me["version"]}))
    error(api.call("PATCH", "update_me", "ann", idempotency_key=key(),
                   json={"bio": "stale", "version": me["version"]}), 409, "version_conflict")
    assert ok(api.call("GET", "get_me", "ann"))["display_name"] == "Ann"


def test_cors_preflight_answers_configured_origins_only(api):
    allowed = api.http.options(f"{api.base_url}/create_transfer", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "Idempotency-Key" in allowed.headers["Access-Control-Allow-Headers"]
    stranger = api.http.options(f"{api.base_url}/create_transfer", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_the_dev_server_serves_the_committed_openapi_document(api):
    served = api.http.get(f"{api.base_url}/openapi.json").json()
    assert "/create_transfer" in served["paths"] and served["openapi"].startswith("3.")


def test_every_answer_carries_a_request_id(api):
    response = api.call("GET", "health", headers={"X-Request-Id": "trace-me"})
    assert response.headers["X-Request-Id"] == "trace-me"
