"""Suspicious-account flags through the dev server: each rule flags who it should, records each
reason once, admins list and clear flags, and a flagged account keeps working."""
from __future__ import annotations

import pytest

from shared.domain.flags import SIGNUP_BURST
from tests.support.waiting import eventually

from .helpers import balance, error, key, ok, reconcile, set_chips
from .purchases_helpers import deliver, package, payment_event, pending_purchase, refund_event

pytestmark = pytest.mark.usefixtures("ledger")


def scan(api) -> dict:
    return ok(api.call("POST", "job_flag_suspicious"))


def flags(api, admin: str, **params) -> dict:
    return {f["uid"]: f for f in ok(api.call("GET", "admin_list_flags", admin, params=params))["items"]}


def codes(flag: dict) -> list[tuple[str, str]]:
    return [(r["code"], r["subject"]) for r in flag["reasons"]]


def test_a_refund_after_spending_is_flagged_once_cleared_and_the_account_keeps_working(api, admin_uid):
    # given hal buys 100 chips, spends 80 of them (79 and the 0.1% fee), and the payment is refunded
    for uid in ("hal", "ivy"):
        api.call("GET", "get_me", uid)
    set_chips(api, admin_uid, "hal", 0)
    p = pending_purchase("hal", package(api, admin_uid, tokens=100, price=500))
    ok(deliver(api, payment_event("succeeded", p)))
    ok(api.call("POST", "create_transfer", "hal", json={"to": "ivy", "asset": "CHIP", "amount": 79},
                idempotency_key=key()))
    ok(deliver(api, refund_event(p, 500)))
    # when the job runs twice
    assert scan(api)["added"] == 1
    assert scan(api)["added"] == 0
    # then hal is flagged once, with why; ivy (who received the tokens) is not
    listed = flags(api, admin_uid)
    assert list(listed) == ["hal"] and codes(listed["hal"]) == [("refund_after_spend", p["id"])]
    assert "80 tokens already spent" in listed["hal"]["reasons"][0]["detail"]
    # and hal keeps working while flagged
    ok(api.call("PATCH", "update_me", "hal", json={"bio": "still here"}, idempotency_key=key()))
    # when an admin clears it, it stays cleared: the same evidence is not recorded again
    cleared = ok(api.call("POST", "admin_clear_flag", admin_uid, idempotency_key=key(),
                          json={"uid": "hal", "reason": "refund was a bank error",
                                "version": listed["hal"]["version"]}))
    assert (cleared["status"], cleared["cleared_by"]) == ("cleared", admin_uid)
    assert scan(api)["added"] == 0
    assert list(flags(api, admin_uid, status="open")) == []
    assert list(flags(api, admin_uid, status="cleared")) == ["hal"]
    audit = ok(api.call("GET", "admin_audit_log", admin_uid, params={"target": "hal"}))["items"]
    assert "clear_flag" in [a["action"] for a in audit]
    assert reconcile(api, admin_uid)["ok"]


def test_only_admins_list_and_clear_flags_and_a_stale_or_unknown_clear_is_refused(api, admin_uid):
    api.call("GET", "get_me", "eve")
    error(api.call("GET", "admin_list_flags", "eve"), 403, "role_required")
    error(api.call("POST", "admin_clear_flag", "eve", json={"uid": "eve", "reason": "me"},
                   idempotency_key=key()), 403, "role_required")
    error(api.call("POST", "admin_clear_flag", admin_uid, json={"uid": "nobody", "reason": "why not"},
                   idempotency_key=key()), 404, "unknown_flag")
    error(api.call("GET", "admin_list_flags", admin_uid, params={"status": "maybe"}), 400, "invalid_input")


def place(api, uid: str, side: str, price: int) -> dict:
    return ok(api.call("POST", "place_order", uid, idempotency_key=key(),
                       json={"book": "TWO-CHIP", "side": side, "quantity": 5, "price": price}))


def filled(api, uid: str, order_id: str) -> bool:
    orders = ok(api.call("GET", "list_my_orders", uid, params={"book": "TWO-CHIP"}))["items"]
    return any(o["id"] == order_id and o["status"] == "filled" for o in orders)


def test_two_accounts_trading_both_ways_are_both_flagged_and_a_one_way_trader_is_not(api, admin_uid):
    # given a creator token TWO held by ann, bob and cy
    for uid in ("ann", "bob", "cy"):
        api.call("GET", "get_me", uid)
    ok(api.call("POST", "admin_list_creator", admin_uid, idempotency_key=key(),
                json={"uid": "ann", "symbol": "TWO", "name": "Two", "initial_supply": 1_000}))
    for uid in ("bob", "cy"):
        ok(api.call("POST", "create_transfer", "ann", json={"to": uid, "asset": "TWO", "amount": 100},
                    idempotency_key=key()))
    # when ann sells to bob, then bob sells back to ann, and cy only buys from ann
    for seller, buyer in (("ann", "bob"), ("bob", "ann"), ("ann", "cy")):
        place(api, seller, "sell", 10)
        bought = place(api, buyer, "buy", 10)
        eventually(lambda: filled(api, buyer, bought["id"]), timeout_s=60, what="the fill")
    scan(api)
    # then ann and bob are flagged for trading with each other; cy is not
    listed = flags(api, admin_uid)
    assert sorted(listed) == ["ann", "bob"]
    assert codes(listed["ann"]) == [("two_way_trading", "bob@TWO-CHIP")]
    assert codes(listed["bob"]) == [("two_way_trading", "ann@TWO-CHIP")]
    assert reconcile(api, admin_uid)["ok"]


def test_many_new_accounts_from_one_ip_within_the_hour_are_flagged_and_may_be_suspended(api, admin_uid):
    # given SIGNUP_BURST new accounts from one address and a few from others
    burst = [f"farm{n}" for n in range(SIGNUP_BURST)]
    for uid in burst:
        ok(api.call("GET", "get_me", uid, headers={"X-Forwarded-For": "198.51.100.66"}))
    for n in range(SIGNUP_BURST - 1):
        ok(api.call("GET", "get_me", f"home{n}", headers={"X-Forwarded-For": "203.0.113.9"}))
    # when the job runs
    scan(api)
    # then exactly the burst is flagged, each with the IP as the reason
    listed = flags(api, admin_uid)
    assert sorted(listed) == burst
    assert all(codes(f) == [("signup_burst", "ip:198.51.100.66")] for f in listed.values())
    # flagged accounts keep working; one an admin suspends stops
    ok(api.call("POST", "create_transfer", "farm0", json={"to": "farm1", "asset": "CHIP", "amount": 5},
                idempotency_key=key()))
    ok(api.call("POST", "admin_set_status", admin_uid, idempotency_key=key(),
                json={"uid": "farm2", "status": "suspended", "reason": "sign-up farm"}))
    error(api.call("POST", "create_transfer", "farm2", json={"to": "farm1", "asset": "CHIP",
                                                            "amount": 5}, idempotency_key=key()),
          403, "account_frozen")
    assert balance(api, "farm1")["total"] == 10_005
    assert reconcile(api, admin_uid)["ok"]


def test_evidence_that_arrives_over_several_scans_is_put_together(api, admin_uid):
    """The scan reads only what arrived since its last run; what a rule needs beside a new fact
    (the reverse trading direction, earlier sign-ups from the same address) is still found."""
    for uid in ("ann", "bob"):
        api.call("GET", "get_me", uid)
    ok(api.call("POST", "admin_list_creator", admin_uid, idempotency_key=key(),
                json={"uid": "ann", "symbol": "TWO", "name": "Two", "initial_supply": 1_000}))
    ok(api.call("POST", "create_transfer", "ann", json={"to": "bob", "asset": "TWO", "amount": 100},
                idempotency_key=key()))
    farm = [f"farm{n}" for n in range(SIGNUP_BURST)]
    # given one direction of a trade and all but one sign-up of a burst, scanned
    place(api, "ann", "sell", 10)
    bought = place(api, "bob", "buy", 10)
    eventually(lambda: filled(api, "bob", bought["id"]), timeout_s=60, what="the fill")
    for uid in farm[:-1]:
        ok(api.call("GET", "get_me", uid, headers={"X-Forwarded-For": "198.51.100.77"}))
    assert scan(api)["added"] == 0
    # when the reverse trade and the last sign-up come after that scan
    place(api, "bob", "sell", 10)
    bought = place(api, "ann", "buy", 10)
    eventually(lambda: filled(api, "ann", bought["id"]), timeout_s=60, what="the fill")
    ok(api.call("GET", "get_me", farm[-1], headers={"X-Forwarded-For": "198.51.100.77"}))
    # then the next scan flags both traders and the whole burst
    scan(api)
    listed = flags(api, admin_uid)
    assert sorted(listed) == sorted(["ann", "bob"] + farm)
    assert codes(listed["ann"]) == [("two_way_trading", "bob@TWO-CHIP")]
    assert all(codes(listed[uid]) == [("signup_burst", "ip:198.51.100.77")] for uid in farm)
    # and one more sign-up from that address is flagged too (the burst's earlier members are
    # counted, not read again: they were flagged already), and no one else gets a new reason
    ok(api.call("GET", "get_me", "farm_late", headers={"X-Forwarded-For": "198.51.100.77"}))
    assert scan(api)["added"] == 1
    assert codes(flags(api, admin_uid)["farm_late"]) == [("signup_burst", "ip:198.51.100.77")]
