"""Concurrency on the emulator: many clients at once, no failures, no drift, no overdraft."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.api import Api

from .helpers import balance, key, reconcile, set_chips

pytestmark = pytest.mark.usefixtures("ledger")


def call_until_answered(api: Api, uid: str, body: dict, idem: str) -> requests.Response:
    """A client that retries a 503 with the same key, as the retry hint asks."""
    for _ in range(10):
        response = api.call("POST", "create_transfer", uid, json=body, idempotency_key=idem)
        if response.status_code != 503:
            return response
    return response


def test_32_clients_paying_fees_into_one_account_all_succeed_without_drift(api, admin_uid):
    senders = [f"s{i}" for i in range(32)]
    with ThreadPoolExecutor(32) as pool:
        list(pool.map(lambda uid: api.call("GET", "get_me", uid), senders + ["sink"]))

        def spend(uid: str) -> list[int]:
            # a transaction that cannot commit under this contention answers 503 with a retry
            # hint (on a loaded machine it happens); the client retries it with the same key
            client = Api(api.base_url, api.project)
            body = {"to": "sink", "asset": "CHIP", "amount": 100}
            return [call_until_answered(client, uid, body, key()).status_code for _ in range(3)]

        statuses = [s for batch in pool.map(spend, senders) for s in batch]
    assert statuses == [200] * 96
    assert balance(api, "sink")["total"] == 10_000 + 96 * 100
    report = reconcile(api, admin_uid)
    assert report["ok"], report["drift"]


def test_eight_spends_of_100_from_500_leave_exactly_five_paid(api, admin_uid):
    api.call("GET", "get_me", "sink")
    set_chips(api, admin_uid, "ann", 500)
    body = {"to": "sink", "asset": "CHIP", "amount": 99}  # 99 + 1 fee = a spend of 100
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda n: call_until_answered(api, "ann", body, f"spend-{n}"),
                                  range(8)))
    codes = sorted(r.json()["errors"][0]["code"] if r.status_code != 200 else "ok" for r in responses)
    assert codes == ["insufficient_funds"] * 3 + ["ok"] * 5
    assert balance(api, "ann") == {"asset": "CHIP", "available": 0, "committed": 0, "total": 0,
                                   "owed": 0}
    assert reconcile(api, admin_uid)["ok"]
