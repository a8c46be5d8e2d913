"""The sequencer against the emulator: racing, stale and killed sequencers never duplicate or
lose a fill. Orders are accepted through the service (funds held, command recorded) without
waking a sequencer, so each test decides who processes them."""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import pytest

from dev import killed_sequencer
from shared.domain.exchange.matching import Side, TimeInForce
from shared.domain.exchange.books import BookConfig, OrderRequest, OrderType
from tests.support.waiting import eventually

BOOK = "GOLD-CHIP"


@pytest.fixture
def book(ledger):
    from shared.domain.assets import Asset
    from shared.domain.idempotency import Operation
    from shared.services import assets, transfers, users
    from shared.services.exchange import orders
    from shared.store import exchange as store

    store.forget_cache()
    admin = users.ensure_user("demo-admin")
    gold = Asset("GOLD", "Gold", 0)
    assets.create_asset(Operation.of("t", "asset", "GOLD", {}), admin, gold)
    for n in range(6):
        uid = f"trader{n}"
        users.ensure_user(uid)
        for asset, amount in (("GOLD", 1_000), ("CHIP", 200_000)):
            transfers.adjust(Operation.of("t", "adj", f"{uid}{asset}", {}), admin, uid, asset,
                             amount, "test setup")
    orders.create_book(Operation.of("t", "book", BOOK, {}), admin,
                                BookConfig(BOOK, "GOLD", "CHIP"))
    return BOOK


def accept_flow(count: int) -> list[str]:
    """`count` crossing limit orders from six traders, accepted but not yet matched."""
    from shared.domain.idempotency import Operation
    from shared.services.exchange import orders
    from shared.store.users import get_user

    ids = []
    for n in range(count):
        user = get_user(f"trader{n % 6}")
        side = Side.BUY if n % 2 else Side.SELL
        price = 100 + (n * 7) % 9 - (2 if side is Side.SELL else 0)
        tif = TimeInForce.IOC if n % 5 == 4 else TimeInForce.GTC
        req = OrderRequest(BOOK, side, OrderType.LIMIT, 1 + n % 7, price, tif)
        ids.append(orders.accept(Operation.of(user.uid, "place_order", f"k{n}", {}),
                                          user, req))
    return ids


def pending() -> list[str]:
    from shared.store import exchange as store
    return store.pending_command_ids(BOOK, 1_000)


def check_exactly_once_in_recorded_order(accepted_one_by_one: bool = True) -> None:
    """Replaying the commands, in the order the sequencers recorded, on a fresh pure book gives
    exactly the trades they committed: none twice, none missing, none reordered; the recorded
    sequence is 1..n without gaps. (It is the order of record rather than `accepted_at` because
    the emulator can make a commit visible after a later-stamped one: see batches.)
    Commands accepted one after another must be recorded in acceptance-commit order."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared.domain.exchange.books import restore
    from shared.domain.exchange.batch import apply_commands
    from shared.services.exchange.batches import _command
    from shared.services.reconciliation import run as reconcile
    from shared.store import exchange as store
    from shared.store.client import collection

    assert pending() == []
    commands = sorted(collection(store.COMMANDS).where(filter=FieldFilter("book", "==", BOOK))
                      .stream(), key=lambda s: s.get("sequence"))
    assert [s.get("sequence") for s in commands] == list(range(1, len(commands) + 1))
    if accepted_one_by_one:
        assert commands == sorted(commands, key=lambda s: (s.get("accepted_at"), s.id))
    book = restore(store.get_book(BOOK), None)
    out = apply_commands(book, [_command(s.id, s.to_dict()) for s in commands], max_fills=10**9)
    expected = [(f.seq, f.price, f.quantity, t.id, m.id) for f, t, m in out.fills]
    trades = (collection(store.TRADES).where(filter=FieldFilter("book", "==", BOOK))
              .order_by("seq").stream())
    fills = {s.id: s.to_dict() for s in collection(store.FILLS).stream()}
    actual = []
    for t in trades:
        d = t.to_dict()
        taker = next(f for f in fills.values() if f["seq"] == d["seq"] and f["role"] == "taker")
        maker = next(f for f in fills.values() if f["seq"] == d["seq"] and f["role"] == "maker")
        actual.append((d["seq"], d["price"], d["quantity"], taker["order_id"], maker["order_id"]))
    assert expected and actual == expected
    for oid, order in out.touched.items():
        doc = store.ref(store.ORDERS, oid).get().to_dict()
        assert (doc["filled"], doc["fees"], doc["status"]) == \
            (order.filled, order.fees, order.status.value)
    report = reconcile()
    assert report["ok"], report["drift"]


def test_two_sequencers_racing_on_one_book_fill_every_order_exactly_once(book, monkeypatch):
    from shared.services.exchange import sequencer

    monkeypatch.setattr(sequencer, "BATCH_SIZE", 4)
    accept_flow(40)
    errors: list[BaseException] = []

    def race(holder: str) -> None:
        try:
            for _ in range(30):
                sequencer.run(BOOK, holder=holder, max_batches=2)
                if not pending():
                    return
                time.sleep(0.01)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=race, args=(h,)) for h in ("left", "right")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    check_exactly_once_in_recorded_order()


def test_a_stale_sequencer_commits_nothing_once_its_lease_is_taken(book, monkeypatch):
    from shared.domain.errors import Conflict
    from shared.services.exchange import batches
    from shared.services.exchange import sequencer
    from shared.store import exchange as store

    accept_flow(6)
    monkeypatch.setattr(store, "LEASE_S", 0.2)
    old_epoch = sequencer.acquire(BOOK, "old")
    stuck = pending()
    time.sleep(0.3)
    assert sequencer.run(BOOK, holder="new")["status"] == "idle"
    with pytest.raises(Conflict) as lost:
        batches.process(BOOK, "old", old_epoch, stuck)
    assert lost.value.code == "lease_lost"
    check_exactly_once_in_recorded_order()


@pytest.mark.parametrize("where", [
    "between_batches",
    # The emulator frees an abandoned transaction's locks only after about 60 s, so this case
    # takes about a minute; it runs anyway, because a kill mid-commit is the case that matters.
    "mid_transaction",
])
def test_a_killed_sequencer_is_replaced_and_every_order_matches_once(book, monkeypatch, where):
    from shared.services.exchange import sequencer
    from shared.store import exchange as store

    accept_flow(12)
    proc = killed_sequencer.spawn(BOOK, where, batch_size=4, stderr=subprocess.PIPE,
                                  env={"MINTBOOK_EXCHANGE_LEASE_S": "1"})
    try:
        said = [proc.stdout.readline().strip() for _ in range(2)]
        assert said == ["running", "stalled"], proc.stderr.read()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert len(pending()) == (8 if where == "between_batches" else 12)
    monkeypatch.setattr(store, "LEASE_S", 1.0)
    outcomes: list[str] = []

    def successor_left_nothing() -> bool:
        outcomes.append(sequencer.run(BOOK, holder="successor")["status"])
        return not pending()

    eventually(successor_left_nothing, timeout_s=120, interval_s=0.2, what="the successor")
    assert outcomes[0] == "busy" and outcomes[-1] == "idle"  # it waited for the lease
    check_exactly_once_in_recorded_order()


def test_settlement_puts_every_fill_in_exactly_one_netted_batch(book):
    from concurrent.futures import ThreadPoolExecutor

    from shared.services.exchange import sequencer
    from shared.services.exchange import netting as settlement
    from shared.store import exchange as store
    from shared.store.client import collection

    accept_flow(30)
    sequencer.run(BOOK, holder="solo")
    with ThreadPoolExecutor(max_workers=2) as pool:   # two wake-ups racing
        list(pool.map(settlement.settle, [BOOK, BOOK]))
    fills = [s.to_dict() for s in collection(store.FILLS).stream()]
    batches = {s.id: s.to_dict() for s in collection(settlement.BATCHES).stream()}
    assert fills and all(f["settlement"] in batches for f in fills)
    assert sum(b["fills"] for b in batches.values()) == len(fills)   # none twice, none lost
    for b in batches.values():
        assert b["status"] == "settled"
        for asset in ("GOLD", "CHIP"):
            assert sum(n.get(asset, 0) for n in b["net"].values()) == 0
    assert settlement.settle(BOOK)["batches"] == []


def test_sweeping_orders_are_split_so_no_batch_exceeds_firestores_write_limit(book, monkeypatch):
    """Two buys that each sweep MAX_FILLS_PER_ORDER one-unit asks would need ~650 writes in one
    batch; the sequencer halves the batch instead, and each commit's real write count (taken
    from the transaction as it commits) is what write_count predicted and within MAX_WRITES."""
    from shared.domain.exchange.matching import MAX_FILLS_PER_ORDER
    from shared.domain.exchange.batch import MAX_WRITES, write_count
    from shared.domain.idempotency import Operation
    from shared.services.exchange import batches
    from shared.services.exchange import orders
    from shared.services.exchange import sequencer
    from shared.store.users import get_user

    commits: list[tuple[int, int]] = []
    real_write = batches._write

    def counting_write(txn, config, book_, out, batch, *rest):
        real_write(txn, config, book_, out, batch, *rest)
        commits.append((len(txn._write_pbs), write_count(out, batch.result)))

    monkeypatch.setattr(batches, "_write", counting_write)

    def accept(n: int, uid: str, side: Side, quantity: int, price: int) -> None:
        req = OrderRequest(BOOK, side, OrderType.LIMIT, quantity, price, TimeInForce.GTC)
        orders.accept(Operation.of(uid, "place_order", f"w{n}", {}), get_user(uid), req)

    for n in range(2 * MAX_FILLS_PER_ORDER):
        accept(n, f"trader{n % 5}", Side.SELL, 1, 100 + n)
    sequencer.run(BOOK, holder="resting")
    commits.clear()
    accept(100, "trader5", Side.BUY, MAX_FILLS_PER_ORDER, 200)
    accept(101, "trader5", Side.BUY, MAX_FILLS_PER_ORDER, 200)
    sequencer.run(BOOK, holder="sweeps")
    assert len(commits) == 2  # one sweep per batch
    assert all(actual == predicted <= MAX_WRITES for actual, predicted in commits), commits
    check_exactly_once_in_recorded_order()
