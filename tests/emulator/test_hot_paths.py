"""Hot paths write only their actors' own documents, counted at the Firestore RPC boundary.

A second dev server, whose Firestore traffic passes the counter (dev/firestore_counter.py),
serves OPS operations of each hot path, each operation by actors of its own; the Router tags
every RPC with the call it serves. A document that two of those operations wrote is one that
every operation of the path would write: production sustains about one write a second per
document, so a hot path must write none (../shared/design/ARCHITECTURE.md, "Production scale").
Setup goes through the stack's own dev server, which the counter does not see.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest

from dev.firestore_counter import FirestoreCounter
from tests.support.stack import env_for, extra_server

from .helpers import key, ok, reconcile
from .purchases_helpers import deliver, package, payment_event, pending_purchase

pytestmark = pytest.mark.usefixtures("ledger")
OPS = 6
SERVICE = "svc-app"


@pytest.fixture
def counted(emulator, tmp_path):
    """(an Api on the counted dev server, the counter)."""
    with FirestoreCounter(emulator.host_port) as counter:
        env = {**env_for(emulator), "FIRESTORE_EMULATOR_HOST": counter.host_port}
        with extra_server(emulator, tmp_path / "counted-dev-server.log", env) as client:
            yield client, counter


def shared_writes(counter: FirestoreCounter, mark: int, function: str) -> dict[str, int]:
    """Documents that more than one call of `function` since `mark` wrote, and how many did."""
    writers: dict[str, set[str]] = defaultdict(set)
    for rpc in counter.records(mark):
        if rpc.tag.startswith(f"{function} http "):
            for path in rpc.writes:
                writers[path.split("/documents/", 1)[1]].add(rpc.tag)
    assert writers, f"no write of {function} was counted"
    return {path: len(tags) for path, tags in writers.items() if len(tags) > 1}


def run(counter: FirestoreCounter, calls) -> int:
    mark = counter.mark()
    for call in calls:
        ok(call())
    counter.mark()  # every RPC of the calls recorded
    return mark


def test_transfers_and_sign_ups_write_no_document_they_share(api, admin_uid, counted):
    client, counter = counted
    for n in range(OPS):
        api.call("GET", "get_me", f"payer{n}")
    mark = run(counter, [lambda n=n: client.call(
        "POST", "create_transfer", f"payer{n}", idempotency_key=key(),
        json={"to": f"payer{(n + 1) % OPS}", "asset": "CHIP", "amount": 100})
        for n in range(OPS)])
    assert shared_writes(counter, mark, "create_transfer") == {
        # each payer is also the next one's payee: those accounts are parties of both calls
        **{f"accounts/payer{n}:CHIP": 2 for n in range(OPS)}}
    mark = run(counter, [lambda n=n: client.call("GET", "get_me", f"newcomer{n}")
                         for n in range(OPS)])
    assert shared_writes(counter, mark, "get_me") == {}
    assert reconcile(api, admin_uid)["ok"]


def test_purchase_credits_fees_and_rewards_write_no_document_they_share(api, admin_uid,
                                                                        counted):
    client, counter = counted
    pkg = package(api, admin_uid, tokens=500, bonus=50, price=700)
    bought = [pending_purchase(f"buyer{n}", pkg) for n in range(OPS)]
    mark = counter.mark()
    for p in bought:
        assert deliver(client, payment_event("succeeded", p)).status_code == 200
    counter.mark()
    assert shared_writes(counter, mark, "stripe_webhook") == {}

    api.call("GET", "get_me", SERVICE)
    ok(api.call("POST", "admin_set_role", admin_uid, idempotency_key=key(),
                json={"uid": SERVICE, "role": "service", "reason": "the app's backend"}))
    ok(api.call("POST", "admin_set_service_price", admin_uid, idempotency_key=key(), json={
        "service_type": "search", "asset": "CHIP", "amount": 10, "reason": "pricing",
        "valid_from": (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()}))
    mark = run(counter, [lambda n=n: client.call(
        "POST", "service_charge_fee", SERVICE, idempotency_key=f"search-{n}",
        json={"uid": f"buyer{n}", "service_type": "search", "request_id": f"search-{n}"})
        for n in range(OPS)])
    assert shared_writes(counter, mark, "service_charge_fee") == {}

    ok(api.call("POST", "admin_fund_rewards", admin_uid, idempotency_key=key(),
                json={"asset": "CHIP", "amount": 1_024 * 50, "reason": "season one"}))
    # the server's rewards take the shards in turn: six rewards, six shards
    rewards = [f"streak-{n}" for n in range(OPS)]
    mark = run(counter, [lambda n=n, r=r: client.call(
        "POST", "pay_reward", SERVICE, idempotency_key=r,
        json={"reward_id": r, "uid": f"buyer{n}", "asset": "CHIP", "amount": 30,
              "reason": "streak"}) for n, r in enumerate(rewards)])
    assert shared_writes(counter, mark, "pay_reward") == {}
    assert reconcile(api, admin_uid)["ok"]


def test_placing_orders_writes_no_document_the_book_shares(api, admin_uid, counted):
    """Six traders each place a resting order on one book. The accepting transaction of each
    (every place_order commit that writes neither the book's head nor its lease: those are the
    sequencer's, run in the same request) writes only documents of its own placer: account, hold,
    journal, order, command, idempotent answer and the placer's own escrow in the book."""
    client, counter = counted
    ok(api.call("POST", "admin_create_asset", admin_uid, idempotency_key=key(),
                json={"code": "GOLD", "name": "Gold creator", "decimals": 0, "kind": "creator"}))
    for n in range(OPS):
        api.call("GET", "get_me", f"trader{n}")
        ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                    json={"uid": f"trader{n}", "asset": "GOLD", "amount": 10,
                          "reason": "listing"}))
    ok(api.call("POST", "admin_create_book", admin_uid, idempotency_key=key(),
                json={"base": "GOLD", "tick_size": 1, "min_quantity": 1, "max_quantity": 500}))
    mark = run(counter, [lambda n=n: client.call(
        "POST", "place_order", f"trader{n}", idempotency_key=key(),
        json={"book": "GOLD-CHIP", "side": "sell", "quantity": 1, "price": 100 + n})
        for n in range(OPS)])
    writers: dict[str, set[str]] = defaultdict(set)
    accepts = 0
    for rpc in counter.records(mark):
        paths = [p.split("/documents/", 1)[1] for p in rpc.writes]
        sequencing = any(p.startswith(("book_states/", "book_leases/", "book_transactions/"))
                         for p in paths)
        if rpc.tag.startswith("place_order http ") and rpc.method == "Commit" and paths \
                and not sequencing:
            accepts += 1
            for path in paths:
                writers[path].add(rpc.tag)
    assert accepts >= OPS
    assert {path for path, tags in writers.items() if len(tags) > 1} == set()
    assert any(p.startswith("accounts/sys.escrow.book.GOLD-CHIP.") for p in writers)
