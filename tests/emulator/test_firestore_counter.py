"""The Firestore counter (dev/firestore_counter.py) bills what production Firestore would.

Checked against operations counted by hand from their code: a user-to-user transfer
(shared/services/transfers.py `send`, which reads and writes through shared/store/ledger.py),
a query that finds nothing, and a transaction retried once. The test process's client is
pointed at the counter for each test, as any process of the stack would be.
"""
from __future__ import annotations

import threading

import pytest
from google.api_core import exceptions as gexc
from google.cloud.firestore_v1.base_query import FieldFilter

from dev.firestore_bill import UNTAGGED, Rpc, total
from dev.firestore_counter import FirestoreCounter
from dev.instrument import tagged


@pytest.fixture
def counter(ledger, emulator):
    from shared.store.client import db

    with FirestoreCounter(emulator.host_port) as proxy, pytest.MonkeyPatch.context() as env:
        env.setenv("FIRESTORE_EMULATOR_HOST", proxy.host_port)
        db.cache_clear()  # the next client is made against the counter
        try:
            yield proxy
        finally:
            db.cache_clear()


def short(path: str) -> str:
    return path.split("/documents/", 1)[1]


def read_paths(rpcs: list[Rpc]) -> list[str]:
    return sorted(short(p) for rpc in rpcs for p in rpc.read_paths)


def test_a_transfer_costs_the_documents_its_code_reads_and_writes(counter):
    # given ann (with her welcome bonus) and bob, and the asset cached as in a warm instance
    from shared.domain.accounts import SystemAccount, spread_account_id
    from shared.domain.idempotency import Operation
    from shared.services import transfers, users
    from shared.store.assets import get_asset

    from shared.domain.idempotency import derive_id
    from shared.domain.notices import TRANSFER_RECEIVED
    from shared.services import notices

    ann = users.ensure_user("ann")
    users.ensure_user("bob")
    get_asset("CHIP")
    notices.muted("bob")   # bob's notification settings, cached for 5 s as in a warm instance
    op = Operation.of("ann", "create_transfer", "count-1", {"to": "bob", "amount": 1_000})
    mark = counter.mark()

    # when ann sends bob 1,000 (a fee of ceil(0.1 %) = 1 goes to the fee account)
    with tagged("create_transfer http test-1"):
        transfers.send(op, ann, "bob", "CHIP", 1_000)

    # then: one transaction, its reads in one BatchGetDocuments, its writes in one Commit
    rpcs = counter.records(mark)
    bill = total(rpcs)
    assert [r.method for r in rpcs] == ["BeginTransaction", "BatchGetDocuments", "Commit"]
    assert {r.tag for r in rpcs} == {"create_transfer http test-1"}
    t = op.id
    fees = spread_account_id(SystemAccount.FEES, "ann", "CHIP")
    assert read_paths(rpcs) == sorted([  # one read each, found or missing (ledger.read)
        "accounts/ann:CHIP",             # the debited account: its funds are checked
        "accounts/bob:CHIP:receivable",  # the credited user's receivable: a credit repays debt
        f"transfers/{t}",                # the receipt a replay would answer from (missing)
        "users/bob",                     # the recipient must exist
    ])
    assert bill.reads == 4
    assert sorted(short(p) for p in bill.written) == sorted([  # one write each (ledger.write)
        "accounts/ann:CHIP",             # set: debited 1,001, version + 1
        "accounts/bob:CHIP",             # merge: credited blind, increments only
        f"accounts/{fees}",              # merge: the fee credited blind to ann's share
        f"transfers/{t}",                # create: the transfer, carrying the receipt
        f"transfers/{t}.fee",            # create: the fee transfer
        f"journal/{t}~ann:CHIP",         # create: ann's entry for the transfer
        f"journal/{t}~bob:CHIP",         # create: bob's entry for the transfer
        f"journal/{t}.fee~ann:CHIP",     # create: ann's entry for the fee
        f"journal/{t}.fee~{fees}",       # create: the fee share's entry
        f"notifications/{derive_id(TRANSFER_RECEIVED, t, 'bob')}",  # set, blind: bob is told
    ])                                   # the receivable was read, owed nothing: not written
    assert (bill.writes, bill.deletes, bill.max_writes_per_doc_per_s) == (10, 0, 1)
    assert bill.bytes_read > 0 and bill.bytes_written > 0


def test_a_query_that_finds_nothing_costs_one_read(counter):
    from shared.store.client import collection

    mark = counter.mark()
    query = collection("nothing_here").where(filter=FieldFilter("owner", "==", "nobody"))
    assert list(query.stream()) == []
    rpcs = counter.records(mark)
    bill = total(rpcs)
    assert (bill.reads, bill.bytes_read, dict(bill.rpcs)) == (1, 0, {"RunQuery": 1})
    assert [r.tag for r in rpcs] == [UNTAGGED]  # nothing named an operation


def test_every_attempt_of_a_retried_transaction_pays_its_reads(counter):
    from shared.store import wire
    from shared.store.client import doc
    from shared.store.transactions import run_transaction

    ref, attempts = doc("counter_probe/x"), []

    def work(txn) -> None:
        wire.get_all(txn, [ref])
        attempts.append(len(attempts) + 1)
        if len(attempts) == 1:  # what the emulator's lock timeout raises under contention
            raise gexc.Aborted("contention")
        wire.set(txn, ref, {"n": 1})

    mark = counter.mark()
    run_transaction(work)
    bill = total(counter.records(mark))
    assert attempts == [1, 2]
    assert dict(bill.rpcs) == {"BeginTransaction": 2, "BatchGetDocuments": 2, "Rollback": 1,
                               "Commit": 1}
    assert (bill.reads, bill.writes) == (2, 1)


def test_the_dev_server_bills_each_request_to_its_function_kind_and_id(counter):
    from werkzeug.test import Client

    from dev.server import Router
    from shared.store.client import collection

    seen_ids = []

    def probe(environ, start_response):
        seen_ids.append(environ.get("HTTP_X_REQUEST_ID"))
        list(collection("nothing_here").limit(1).stream())
        handed_off = threading.Thread(target=lambda: list(collection("nothing_here").stream()))
        handed_off.start()
        handed_off.join()
        start_response("200 OK", [])
        return [b"{}"]

    client = Client(Router({"probe": probe, "probe_task": probe},
                           {"probe": "http", "probe_task": "task"}))
    mark = counter.mark()
    client.get("/probe", headers={"X-Request-Id": "r-1"})
    client.post("/probe_task", headers={"X-CloudTasks-TaskName": "t-1"})
    client.get("/probe")
    tags = [r.tag for r in counter.records(mark)]
    made_up = seen_ids[2]
    assert made_up and seen_ids[0] == "r-1"  # an id is made up, and the function sees it
    assert tags == ["probe http r-1", UNTAGGED, "probe_task task t-1", UNTAGGED,
                    f"probe http {made_up}", UNTAGGED]  # another thread keeps its own tag
