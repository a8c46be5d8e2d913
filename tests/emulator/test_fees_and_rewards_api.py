"""Service fees and rewards through the dev server: who may charge, which price applies, the
sharded rewards pool, and what the user's history shows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest


from .helpers import balance, error, key, ok, reconcile, set_chips

pytestmark = pytest.mark.usefixtures("ledger")
SERVICE = "svc-app"


@pytest.fixture
def service(api, admin_uid) -> str:
    api.call("GET", "get_me", SERVICE)
    ok(api.call("POST", "admin_set_role", admin_uid, idempotency_key=key(),
                json={"uid": SERVICE, "role": "service", "reason": "the app's backend"}))
    return SERVICE


def iso(at: datetime) -> str:
    return at.isoformat()


def set_price(api, admin, service_type, amount, start, end=None):
    body = {"service_type": service_type, "asset": "CHIP", "amount": amount, "valid_from": iso(start),
            "valid_until": iso(end) if end else None, "reason": "pricing"}
    return api.call("POST", "admin_set_service_price", admin, json=body, idempotency_key=key())


def charge(api, caller, uid, service_type, request_id, description=""):
    body = {"uid": uid, "service_type": service_type, "request_id": request_id,
            "description": description}
    return api.call("POST", "service_charge_fee", caller, json=body, idempotency_key=request_id)


def test_a_charge_applies_the_price_in_force_once_per_request_id(api, admin_uid, service):
    now = datetime.now(timezone.utc)
    ok(set_price(api, admin_uid, "lookup", 10, now - timedelta(days=2), now - timedelta(days=1)))
    ok(set_price(api, admin_uid, "lookup", 25, now - timedelta(hours=1)))
    ok(set_price(api, admin_uid, "lookup", 99, now + timedelta(days=1)))
    table = ok(api.call("GET", "list_service_prices", "ann", params={"service_type": "lookup"}))
    assert [(p["amount"], p["in_force"]) for p in table["items"]] == [(10, False), (25, True),
                                                                     (99, False)]
    set_chips(api, admin_uid, "ann", 100)
    first = ok(charge(api, service, "ann", "lookup", "req-1", "lookup: cats"))
    assert (first["amount"], first["available_after"]) == (25, 75)
    assert ok(charge(api, service, "ann", "lookup", "req-1", "lookup: cats")) == first
    error(charge(api, service, "ann", "lookup", "req-1", "lookup: dogs"), 409, "idempotency_conflict")
    assert balance(api, "ann")["total"] == 75
    history = ok(api.call("GET", "list_transactions", "ann", params={"type": "service_fee"}))["items"]
    assert [(e["amount"], e["reference"], e["memo"]) for e in history] == [(-25, "lookup", "lookup: cats")]
    assert reconcile(api, admin_uid)["ok"]


def test_a_charge_is_refused_cleanly(api, admin_uid, service):
    ok(set_price(api, admin_uid, "goal", 100, datetime.now(timezone.utc) - timedelta(minutes=1)))
    set_chips(api, admin_uid, "ann", 99)
    error(charge(api, service, "ann", "goal", "r1"), 422, "insufficient_funds")
    assert balance(api, "ann")["total"] == 99
    error(charge(api, "ann", "ann", "goal", "r2"), 403, "role_required")
    error(charge(api, service, "ann", "lookup", "r3"), 422, "no_price_in_force")  # no default
    error(charge(api, service, "nobody", "goal", "r4"), 404, "unknown_user")
    error(charge(api, service, "ann", "Goal!", "r5"), 400, "invalid_input")
    error(set_price(api, "ann", "goal", 1, datetime.now(timezone.utc)), 403, "role_required")
    now = datetime.now(timezone.utc)
    error(set_price(api, admin_uid, "goal", 1, now, now - timedelta(seconds=1)), 400, "invalid_window")
    assert balance(api, "ann")["total"] == 99
    assert reconcile(api, admin_uid)["ok"]


def reward(api, caller, reward_id, uid, amount, reason="streak bonus"):
    body = {"reward_id": reward_id, "uid": uid, "asset": "CHIP", "amount": amount, "reason": reason}
    return api.call("POST", "pay_reward", caller, json=body, idempotency_key=key())


def test_a_reward_is_paid_whenever_the_whole_pool_can_pay_it_once_per_reward_id(api, admin_uid,
                                                                               service):
    # given an empty pool, then 10,241 funded over the 1,024 shards (shard 0 holds 11)
    api.call("GET", "get_me", "ann")
    error(reward(api, service, "r-empty", "ann", 1), 422, "rewards_pool_empty")
    funded = ok(api.call("POST", "admin_fund_rewards", admin_uid, idempotency_key=key(),
                         json={"asset": "CHIP", "amount": 10_241, "reason": "season one"}))
    assert funded == {"asset": "CHIP", "amount": 10_241, "shards": 1_024}
    pool = ok(api.call("GET", "admin_rewards_pool", admin_uid, params={"asset": "CHIP"}))
    assert pool["total"] == 10_241
    shards, cursor = pool["shards"], pool["next_cursor"]
    while cursor:  # its shards, a page at a time
        pool = ok(api.call("GET", "admin_rewards_pool", admin_uid,
                           params={"asset": "CHIP", "limit": 100, "cursor": cursor}))
        shards, cursor = shards + pool["shards"], pool["next_cursor"]
        assert pool["total"] == 10_241
    assert len({s["account"] for s in shards}) == 1_024
    assert sorted(s["available"] for s in shards) == [10] * 1_023 + [11]
    # when a reward of 600 is paid: no shard holds it, so it is drawn from 60 of them
    paid = ok(reward(api, service, "daily-ann-1", "ann", 600, "7-day streak"))
    assert ok(reward(api, service, "daily-ann-1", "ann", 600, "7-day streak")) == paid
    error(reward(api, admin_uid, "daily-ann-1", "ann", 601), 409, "idempotency_conflict")
    assert balance(api, "ann")["total"] == 10_600
    # then a reward beyond what is left is refused, and one the other shards hold is paid
    error(reward(api, service, "r-too-much", "ann", 9_642), 422, "rewards_pool_empty")
    ok(reward(api, admin_uid, "r-rest", "ann", 900, "streak bonus"))
    error(reward(api, "ann", "r-self", "ann", 1), 403, "role_required")
    history, cursor = [], None
    while True:  # one entry per shard drawn from: 60 + 90 of them, over two pages
        params = {"type": "reward", "limit": 100, **({"cursor": cursor} if cursor else {})}
        page = ok(api.call("GET", "list_transactions", "ann", params=params))
        history += page["items"]
        if not (cursor := page.get("next_cursor")):
            break
    by_reward: dict[str, int] = {}
    for e in history:
        assert e["memo"] in ("7-day streak", "streak bonus")
        by_reward[e["reference"]] = by_reward.get(e["reference"], 0) + e["amount"]
    assert by_reward == {"daily-ann-1": 600, "r-rest": 900}
    assert balance(api, "ann")["total"] == 11_500
    assert ok(api.call("GET", "admin_rewards_pool", admin_uid,
                       params={"asset": "CHIP"}))["total"] == 10_241 - 1_500
    assert reconcile(api, admin_uid)["ok"]
