"""schemathesis against the OpenAPI document the running dev server serves.

Every operation is called with generated input (positive and negative, a bounded number of
examples each: $MINTBOOK_FUZZ_EXAMPLES, default 12) as a real signed-in user, or as an admin when
the operation needs one (a service identity for service calls), after one valid call built from seeded state (a market, a book, a
package, a swap offer...). Then:
- no answer is a 5xx, and none breaks the schema the document declares for its status;
- every operation answered a 2xx at least once (a 429 is allowed but does not count);
- the ledger still reconciles.

Stateful testing: the document declares no OpenAPI links (each function is one path and ids
travel in bodies), so schemathesis has no state machine to run; the seeded valid calls chain the
state by hand instead.
"""
from __future__ import annotations

import os
import time
from datetime import datetime, timezone

import pytest
import requests

from shared.domain.markets.market import ARRIVAL_GRACE
from tests.support.api import Api
from tests.support.stack import wipe

from .fuzzing import (Fuzzer, Outcome, caller_for, identity_role, load, name_of, operations,
                      role_of)
from .fuzzing_world import make_admin, resolve_closing_market, seed, valid_calls

EXAMPLES = int(os.environ.get("MINTBOOK_FUZZ_EXAMPLES", "12"))


@pytest.fixture(scope="module")
def fuzzed(stack, emulator) -> tuple[Outcome, list[str], dict]:
    from shared.services.bootstrap import ensure_platform

    wipe(emulator, stack)
    ensure_platform()
    api = Api(stack.url, emulator.project)
    schema = load(stack.url)
    fuzzer = Fuzzer(stack.url, emulator.project)
    world = seed(api)
    valid = valid_calls(api, world)
    all_ops = operations(schema)
    callers = {}
    for op in all_ops:
        role = identity_role(role_of(op))
        callers[name_of(op)] = uid = caller_for(name_of(op), role_of(op))
        if role not in (None, "user"):
            make_admin(api, uid, role)
    for op in all_ops:
        if name_of(op) in valid:
            valid[name_of(op)](fuzzer, op, callers[name_of(op)])
    for op in all_ops:
        fuzzer.fuzz(op, callers[name_of(op)], EXAMPLES)
    resolve = next(op for op in all_ops if name_of(op) == "resolve_market")
    _wait_past_close(world.closing_market)
    resolve_closing_market(fuzzer, resolve, callers["resolve_market"], world)
    report = api.call("POST", "admin_reconcile", "demo-admin", json={},
                      idempotency_key=f"fuzz-reconcile-{time.time()}").json()["data"]
    api.close()
    return fuzzer.outcome, [name_of(op) for op in all_ops], report


def _wait_past_close(market: dict) -> None:
    closes = datetime.fromisoformat(market["closes_at"])
    pause = (closes + ARRIVAL_GRACE - datetime.now(timezone.utc)).total_seconds() + 0.5
    if pause > 0:
        time.sleep(pause)


def test_the_served_document_is_the_one_the_openapi_function_returns(server_url):
    served = requests.get(f"{server_url}/openapi.json", timeout=30).json()
    enveloped = requests.get(f"{server_url}/openapi", timeout=30).json()
    assert enveloped["success"] and enveloped["data"] == served
    assert len(served["paths"]) > 50


def test_no_operation_answers_a_5xx_or_breaks_its_own_schema(fuzzed):
    outcome, _, _ = fuzzed
    assert outcome.failures == [], "\n\n".join(outcome.failures)


def test_every_operation_reaches_a_2xx(fuzzed):
    outcome, names, _ = fuzzed
    missing = outcome.without_2xx(names)
    assert missing == [], {n: sorted(set(outcome.statuses[n])) for n in missing}


def test_the_ledger_reconciles_after_fuzzing(fuzzed):
    _, _, report = fuzzed
    assert report["ok"], report
