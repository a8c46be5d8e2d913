"""Reads per call stay within the manifest's budget at 50 and at 500 units of data.

The small version of `python -m bench.scale` that `make test` runs, for the functions whose
reads grew with the data before their read models (issue 19): a dev server whose Firestore
traffic passes the counter serves the counted calls; seeding goes through the stack's own
server, which the counter does not see. The budget is functions/manifest.py READS, evaluated
by bench/budgets.py; a flat budget's reads must also be the same at both sizes.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.budgets import DEFAULT_LIMIT, evaluate, is_flat
from bench.scale_seed import seed_reputation
from dev.firestore_bill import total

from .helpers import balance, key, ok
from .test_hot_paths import counted

__all__ = ["counted"]  # the fixture: (an Api on the counted dev server, the counter)
pytestmark = pytest.mark.usefixtures("ledger")
SIZES = (50, 500)


def reads_of(client, counter, function: str, params: dict) -> int:
    mark = counter.mark()
    ok(client.call("GET", function, params=params))
    counter.mark()  # every RPC of the call recorded
    return total(r for r in counter.records(mark) if r.tag.startswith(f"{function} http ")).reads


def test_holders_and_reputation_read_the_same_at_50_and_500(api, admin_uid, counted):
    from functions.manifest import READS

    client, counter = counted
    # given a creator token, whose creator (a service identity, so that seeding is not rate
    # limited) hands it out, and who forecasts
    ok(api.call("GET", "get_me", "dana"))
    ok(api.call("POST", "admin_list_creator", admin_uid, idempotency_key=key(), json={
        "uid": "dana", "symbol": "DANA", "name": "Dana", "initial_supply": 100_000}))
    ok(api.call("POST", "admin_set_role", admin_uid, idempotency_key=key(),
                json={"uid": "dana", "role": "service", "reason": "seeding"}))
    holders, reads = 0, {"list_holders": [], "get_reputation": []}
    for size in SIZES:
        # when the token has `size` holders and the forecaster `size` settled forecasts
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda n: (ok(api.call("GET", "get_me", f"holder{n}")), ok(api.call(
                "POST", "create_transfer", "dana", idempotency_key=f"h{n}",
                json={"to": f"holder{n}", "asset": "DANA", "amount": 1 + n % 7}))),
                range(holders, size)))
        seed_reputation("dana", size - holders)
        holders = size
        reads["list_holders"].append(reads_of(client, counter, "list_holders",
                                              {"symbol": "DANA"}))
        reads["get_reputation"].append(reads_of(client, counter, "get_reputation",
                                                {"uid": "dana"}))
    # then each call reads within its budget, the same at both sizes
    for function, (small, large) in reads.items():
        budget = READS[function]
        assert is_flat(budget), function
        assert large == small <= evaluate(budget, {"limit": DEFAULT_LIMIT}), (function, reads)
    # and the answers are the top of the real ledger
    top = ok(api.call("GET", "list_holders", params={"symbol": "DANA", "limit": 3}))
    assert [(h["uid"], h["balance"]) for h in top["items"]] == [
        ("dana", balance(api, "dana", "DANA")["total"]), ("holder97", 7), ("holder90", 7)]
    assert ok(api.call("GET", "get_reputation", params={"uid": "dana"}))["resolved"] == 500
