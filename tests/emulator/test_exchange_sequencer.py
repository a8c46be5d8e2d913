"""The sequencer against the emulator: racing, stale and killed sequencers never duplicate or
lose a fill. Orders are accepted through the service (funds held, command recorded) without
waking a sequencer, so each test decides who processes them."""
from __future__ import annotations

import itertools
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

# Each test trades a book no earlier test touched: a wipe of the emulator does not end what
# outlives it (a killed sequencer's open transaction keeps its locks for about a minute; a dev
# server's background sequencer can still hold a book's lease), and either would stall a test
# that reuses the book's documents.
_tests_run = itertools.count()
GOLD = "GOLD"
BOOK = "GOLD-CHIP"


def open_funded_book(base: str, name: str, traders: int) -> str:
    """A new asset `base` and its book `base`-CHIP, traders trader0.. each holding 1,000 of the
    asset and 200,000 CHIP more than before."""
    from shared.domain.assets import Asset
    from shared.domain.idempotency import Operation
    from shared.services import assets, transfers, users
    from shared.services.exchange import orders
    from shared.store import exchange as store

    book_id = f"{base}-CHIP"
    store.forget_cache()
    admin = users.ensure_user("demo-admin")
    assets.create_asset(Operation.of("t", "asset", base, {}), admin, Asset(base, name, 0))
    for n in range(traders):
        uid = f"trader{n}"
        users.ensure_user(uid)
        for asset, amount in ((base, 1_000), ("CHIP", 200_000)):
            transfers.adjust(Operation.of("t", "adj", f"{uid}{asset}", {}), admin, uid, asset,
                             amount, "test setup")
    orders.create_book(Operation.of("t", "book", book_id, {}), admin,
                       BookConfig(book_id, base, "CHIP"))
    return book_id


@pytest.fixture
def book(ledger):
    global GOLD, BOOK
    GOLD = f"GOLD{next(_tests_run)}"
    BOOK = open_funded_book(GOLD, "Gold", 6)
    return BOOK


def accept_flow(count: int, first: int = 0) -> list[str]:
    """`count` crossing limit orders from six traders, accepted but not yet matched (orders
    `first`.. of the flow)."""
    from shared.domain.idempotency import Operation
    from shared.services.exchange import orders
    from shared.store.users import get_user

    ids = []
    for n in range(first, first + count):
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
    out = apply_commands(book, [_command(s.id, s.to_dict()) for s in commands], budget=10**9)
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
        # Until the book is drained, not a number of tries: a try that finds the other holder
        # busy costs milliseconds, a run that holds the lease seconds (its writes are paced).
        deadline = time.monotonic() + 90
        try:
            while time.monotonic() < deadline:
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


def test_batches_started_early_under_a_steady_flow_still_commit_a_pacing_gap_apart(book):
    """Orders keep arriving while the sequencer runs: each batch reads its commands about its
    own time before the last one's gap ends (so it takes what arrived meanwhile), yet batches
    commit at least pacing.GAP_S apart, so the book's head, depth and candles take at most two
    writes in any second; every order is sequenced exactly once."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared.services.exchange import sequencer
    from shared.services.markets.pacing import GAP_S
    from shared.store import exchange as store
    from shared.store.client import collection

    stop, accepted = threading.Event(), []

    def flow() -> None:
        while not stop.is_set():
            accepted.extend(accept_flow(2, first=len(accepted)))
            time.sleep(0.05)

    placer = threading.Thread(target=flow)
    placer.start()
    try:
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            sequencer.run(BOOK, max_s=1.0)
    finally:
        stop.set()
        placer.join()
    sequencer.run(BOOK)
    commits = sorted({s.get("processed_at") for s in collection(store.COMMANDS)
                      .where(filter=FieldFilter("book", "==", BOOK)).stream()})
    gaps = [(b - a).total_seconds() for a, b in zip(commits, commits[1:])]
    assert len(accepted) > 20 and len(commits) >= 5
    # a commit is sent GAP_S after the last one returned, so the stamps are at least that apart
    assert min(gaps) >= GAP_S - 0.01, gaps
    check_exactly_once_in_recorded_order(accepted_one_by_one=False)


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


def test_a_run_that_stops_for_time_keeps_the_lease_for_the_next_run_or_releases_it(
        book, monkeypatch):
    from shared.services.exchange import sequencer
    from shared.store import exchange as store

    def lease() -> dict:
        return store.ref(store.LEASES, BOOK).get().to_dict() or {}

    accept_flow(12)
    monkeypatch.setattr(sequencer, "BATCH_SIZE", 2)
    monkeypatch.setattr(sequencer, "KEEP_S", 0.5)
    assert sequencer.run(BOOK, max_s=2.0)["status"] == "more"   # 6 paced batches: > 3 s
    kept = lease()
    assert kept["holder"] is not None and pending()
    # The next run goes on under the kept lease: same holder and epoch (an acquire bumps it).
    monkeypatch.setattr(sequencer, "BATCH_SIZE", 200)
    assert sequencer.run(BOOK)["status"] == "idle" and not pending()
    assert lease()["epoch"] == kept["epoch"] and lease()["holder"] is None  # released when idle

    accept_flow(12, first=12)
    monkeypatch.setattr(sequencer, "BATCH_SIZE", 2)
    assert sequencer.run(BOOK, max_s=2.0)["status"] == "more"   # 6 paced batches: > 3 s
    kept = lease()
    assert kept["holder"] is not None
    # Nobody takes it over: released after KEEP_S, so any process may acquire it.
    eventually(lambda: lease()["holder"] is None, timeout_s=5, interval_s=0.1,
               what="the unclaimed lease released")
    monkeypatch.setattr(sequencer, "BATCH_SIZE", 200)
    assert sequencer.run(BOOK, holder="another")["status"] == "idle" and not pending()
    assert lease()["epoch"] == kept["epoch"] + 1
    check_exactly_once_in_recorded_order()


@pytest.mark.parametrize("where", [
    "between_batches",
    # Killed inside its batch's transaction, the holder leaves it open with its locks (the
    # emulator, like Firestore, would end it only after about 60 s): the successor rolls it back
    # once the lease has expired, so the book recovers within the lease plus 15 s (README).
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
    killed = time.monotonic()
    assert len(pending()) == (8 if where == "between_batches" else 12)
    monkeypatch.setattr(store, "LEASE_S", 1.0)
    outcomes: list[str] = []

    def successor_left_nothing() -> bool:
        outcomes.append(sequencer.run(BOOK, holder="successor")["status"])
        return not pending()

    eventually(successor_left_nothing, timeout_s=60, interval_s=0.2, what="the successor")
    assert outcomes[0] == "busy" and outcomes[-1] == "idle"  # it waited for the lease
    assert time.monotonic() - killed <= store.LEASE_S + 15   # the stated recovery bound
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
        for asset in (GOLD, "CHIP"):
            assert sum(n.get(asset, 0) for n in b["net"].values()) == 0
    assert settlement.settle(BOOK)["batches"] == []


def counted_commits(monkeypatch) -> list[tuple[int, int]]:
    """(writes the transaction really committed, write_count's prediction) per batch commit."""
    from shared.domain.exchange.batch import write_count
    from shared.services.exchange import batches

    commits: list[tuple[int, int]] = []
    real_write = batches._write

    def counting_write(txn, config, book_, out, *rest):
        real_write(txn, config, book_, out, *rest)
        commits.append((len(txn._write_pbs), write_count(out, lease=rest[-1])))

    monkeypatch.setattr(batches, "_write", counting_write)
    return commits


def accept(key: str, uid: str, side: Side, quantity: int, price: int,
           tif: TimeInForce = TimeInForce.GTC) -> str:
    from shared.domain.idempotency import Operation
    from shared.services.exchange import orders
    from shared.store.users import get_user

    req = OrderRequest(BOOK, side, OrderType.LIMIT, quantity, price, tif)
    return orders.accept(Operation.of(uid, "place_order", key, {}), get_user(uid), req)


# A production step takes up to 93 fills; these tests take 14 a step to see several steps.
SMALL_STEP = 73


def test_a_sweep_past_one_transaction_resumes_in_a_new_sequencer_and_stops_at_the_fill_cap(
        book, monkeypatch):
    """Given 50 one-unit asks and a fill cap of 30 (1,000 in production), a buy for 60 fills 30
    makers over three transactions (14 fills each at most: a step budget of 73), the second by a
    sequencer that never saw the book: between them the depth still shows the book before the
    buy and the head names the command to resume. The buy ends cancelled with reason max_fills, every commit
    within MAX_WRITES, and replaying the commands at once gives the same trades."""
    from shared.domain.exchange import matching
    from shared.domain.exchange.batch import MAX_WRITES
    from shared.services.exchange import batches, sequencer
    from shared.store import exchange as store

    monkeypatch.setattr(matching, "MAX_FILLS_PER_ORDER", 30)
    monkeypatch.setattr(batches, "STEP_BUDGET", SMALL_STEP)
    for n in range(50):
        accept(f"ask{n}", f"trader{n % 5}", Side.SELL, 1, 100 + n % 10)
    sequencer.run(BOOK, holder="resting")
    before = store.ref(store.DEPTH, BOOK).get().to_dict()["asks"]
    commits = counted_commits(monkeypatch)
    sweep = accept("sweep", "trader5", Side.BUY, 60, 200)
    sequencer.run(BOOK, holder="first", max_batches=1)
    head = store.ref(store.STATES, BOOK).get().to_dict()
    assert head["resume"] == sweep and pending() == [sweep]
    assert store.ref(store.DEPTH, BOOK).get().to_dict()["asks"] == before
    batches.forget_books()   # the next step runs in a sequencer that never saw the book
    sequencer.run(BOOK, holder="second")
    taken = store.ref(store.ORDERS, sweep).get().to_dict()
    assert (taken["status"], taken["reason"], taken["filled"]) == ("cancelled", "max_fills", 30)
    assert store.ref(store.STATES, BOOK).get().get("resume") is None
    assert len(commits) == 3 and all(real == predicted <= MAX_WRITES for real, predicted in commits)
    check_exactly_once_in_recorded_order()


def test_a_cancel_all_and_a_self_trading_sweep_larger_than_a_transaction_complete_in_steps(
        book, monkeypatch):
    """Given 130 resting asks of trader5 and 30 of others among them, a buy by trader5
    self-trade-cancels every ask of its own it meets and fills the others, then trader5's
    cancel_all cancels what is left of its asks: both take several transactions (at most 35
    cancels or 14 fills each: a step budget of 73), each within MAX_WRITES, and every hold is
    released."""
    from shared.domain.accounts import user_account_id
    from shared.domain.exchange.batch import MAX_WRITES
    from shared.domain.idempotency import Operation
    from shared.services.exchange import batches, orders, sequencer
    from shared.store import ledger as ledger_store
    from shared.store import exchange as store
    from shared.store.users import get_user

    monkeypatch.setattr(batches, "STEP_BUDGET", SMALL_STEP)
    asks = [("trader5" if n % 16 < 13 else f"trader{n % 5}", 100 + n % 4) for n in range(160)]
    for n, (uid, price) in enumerate(asks):
        accept(f"ask{n}", uid, Side.SELL, 1, price)
    others = [price for uid, price in asks if uid != "trader5"]
    sequencer.run(BOOK, holder="resting")
    commits = counted_commits(monkeypatch)
    sweep = accept("sweep", "trader5", Side.BUY, 20, 101, TimeInForce.IOC)
    orders.cancel_all(Operation.of("trader5", "cancel_all_orders", "all", {}), get_user("trader5"),
                      BOOK)
    sequencer.run(BOOK, holder="steps")
    taken = store.ref(store.ORDERS, sweep).get().to_dict()
    reachable = sum(1 for price in others if price <= 101)
    assert (taken["status"], taken["filled"]) == ("cancelled", reachable)
    assert all(o["owner"] != "trader5" for o in store.resting_orders(BOOK, 1_000))
    assert len(store.resting_orders(BOOK, 1_000)) == len(others) - reachable
    assert len(commits) >= 3
    assert all(real == predicted <= MAX_WRITES for real, predicted in commits)
    accounts = [user_account_id("trader5", asset) for asset in (GOLD, "CHIP")]
    held = ledger_store.read(None, accounts).accounts
    assert [held[a].counters.debits_pending for a in accounts] == [0, 0]
    check_exactly_once_in_recorded_order(accepted_one_by_one=False)


def test_a_book_of_500_resting_orders_grows_no_document_and_a_new_sequencer_rebuilds_it(book, monkeypatch):
    """Given 500 resting asks over 5 price levels, sequenced in batches at least 0.5 s apart, the
    book's own documents (its head and depth) are as small as with 10; when a sequencer that never saw the book (its state rebuilt from
    the resting order documents, 40 per page) takes a sweeping buy, the buy fills in
    price-time priority: exactly what replaying every command on a pure book gives."""
    from shared.domain.idempotency import Operation
    from shared.services.exchange import batches, orders, sequencer
    from shared.store import exchange as store
    from shared.store.client import collection
    from shared.store.users import get_user

    monkeypatch.setattr(batches, "REBUILD_PAGE", 40)

    def rest_asks(first: int, count: int) -> None:
        for n in range(first, first + count):
            req = OrderRequest(BOOK, Side.SELL, OrderType.LIMIT, 1, 100 + n % 5, TimeInForce.GTC)
            orders.accept(Operation.of("t", "place_order", f"ask{n}", {}),
                          get_user(f"trader{n % 5}"), req)
        sequencer.run(BOOK, holder="resting", max_batches=100)

    def own_documents() -> int:
        return max(len(repr(store.ref(name, BOOK).get().to_dict()))
                   for name in (store.STATES, store.DEPTH))

    rest_asks(0, 10)
    small = own_documents()
    rest_asks(10, 490)
    assert own_documents() <= small + 16   # a few more digits in the counters, nothing per order
    resting = store.resting_orders(BOOK, 1_000)
    assert len(resting) == 500
    commits = sorted({s.get("processed_at") for s in collection(store.COMMANDS).stream()})
    assert len(commits) >= 3   # batches, paced: the book's documents take <= 2 writes a second
    assert all((b - a).total_seconds() >= 0.5 for a, b in zip(commits, commits[1:])), commits

    batches.forget_books()   # as a new process would start
    req = OrderRequest(BOOK, Side.BUY, OrderType.LIMIT, 12, 101, TimeInForce.GTC)
    sweep = orders.accept(Operation.of("trader5", "place_order", "sweep", {}),
                          get_user("trader5"), req)
    sequencer.run(BOOK, holder="fresh")
    taken = store.ref(store.ORDERS, sweep).get().to_dict()
    assert (taken["status"], taken["filled"], taken["notional"]) == ("filled", 12, 100 * 12)
    check_exactly_once_in_recorded_order()


def run_batches_without_settling(holder: str) -> list:
    """Sequence every pending command of the book, batch by batch, as a sequencer would up to
    the point where it settles: the postings each batch left, in order."""
    from shared.services.exchange import batches, sequencer
    from shared.store import exchange as store

    epoch = sequencer.acquire(BOOK, holder)
    left = []
    try:
        while ids := store.pending_command_ids(BOOK, 200):
            left += batches.process(BOOK, holder, epoch, ids).postings
    finally:
        sequencer.release(BOOK, holder, epoch)
    return left


def balances(uid: str) -> tuple[int, int]:
    from shared.domain.accounts import user_account_id
    from shared.store import ledger as ledger_store

    ids = [user_account_id(uid, GOLD), user_account_id(uid, "CHIP")]
    accounts = ledger_store.read(None, ids).accounts
    return accounts[ids[0]].balance, accounts[ids[1]].balance


def traded(uid: str) -> tuple[int, int]:
    """What the committed fills say `uid`'s balances moved by: (base, quote)."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared.store import exchange as store
    from shared.store.client import collection

    base = quote = 0
    for f in collection(store.FILLS).where(filter=FieldFilter("book", "==", BOOK)).stream():
        f = f.to_dict()
        if f["owner"] == uid:
            sign = 1 if f["side"] == "buy" else -1
            base += sign * f["quantity"]
            quote += -sign * f["price"] * f["quantity"] - f["fee"]
    return base, quote


def test_a_batch_commits_while_a_participants_accounts_and_holds_are_locked(book):
    """Given crossing orders from six traders and another transaction that has read (so locks on
    the emulator) trader0's accounts, escrows and order holds and stays open, when the book's
    batches run, then they commit every command, and the other transaction still commits after
    them: the batch read none of those documents. Its postings, applied afterwards, leave every
    balance exactly as the fills say, and the ledger reconciles."""
    from shared.domain.accounts import user_account_id
    from shared.domain.exchange.books import escrow_account_id
    from shared.services.exchange import order_settlement
    from shared.store import exchange as store
    from shared.store import wire
    from shared.store.client import collection, db
    from shared.store.ledger import ACCOUNTS, HOLDS

    ids = accept_flow(18)
    before = {f"trader{n}": balances(f"trader{n}") for n in range(6)}
    mine = [i for n, i in enumerate(ids) if n % 6 == 0]
    locked = ([collection(ACCOUNTS).document(a) for asset in (GOLD, "CHIP") for a in (
        user_account_id("trader0", asset), escrow_account_id(BOOK, "trader0", asset))]
        + [collection(HOLDS).document(i) for i in mine])
    other = db().transaction()
    other._begin()
    seen = wire.get_all(other, locked)

    left = run_batches_without_settling("unblocked")

    assert pending() == [] and left
    assert any(store.ref(store.ORDERS, i).get().get("filled") for i in mine)  # trader0 traded
    account = locked[0]
    other.set(account, seen[account.path])   # the same data back: its locks were never taken
    other._commit()
    order_settlement.settle(left, BOOK)
    assert list(collection(store.POSTINGS).stream()) == []
    for uid, (gold, chips) in before.items():
        moved = traded(uid)
        assert balances(uid) == (gold + moved[0], chips + moved[1]), uid
    check_exactly_once_in_recorded_order()


def test_postings_a_sequencer_left_unapplied_are_applied_exactly_once_by_the_sweep(book):
    """Given batches that committed but whose sequencer died before settling (their postings
    left), traders' balances have not moved yet though their orders show fills; when two
    sweeps race and a third follows, then every posting is applied once: each balance moved
    exactly as its fills say, every done order's hold released, nothing left, and the ledger
    reconciles."""
    from concurrent.futures import ThreadPoolExecutor

    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared.services.exchange import order_settlement
    from shared.store import exchange as store
    from shared.store.client import collection
    from shared.store.ledger import HOLDS

    accept_flow(24)
    before = {f"trader{n}": balances(f"trader{n}") for n in range(6)}
    left = run_batches_without_settling("dies-before-settling")
    assert len(list(collection(store.POSTINGS).stream())) == len(left) > 0
    assert {uid: balances(uid) for uid in before} == before   # nothing moved yet

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(lambda _: order_settlement.sweep(), range(2)))
    assert sum(r["applied"] for r in runs) == len(left)   # each posting once, by one sweep
    assert order_settlement.sweep() == {"orders": 0, "applied": 0}
    for uid, (gold, chips) in before.items():
        moved = traded(uid)
        assert moved != (0, 0) and balances(uid) == (gold + moved[0], chips + moved[1]), uid
    holds = {s.id: s.get("status") for s in collection(HOLDS).stream()}
    for o in collection(store.ORDERS).where(filter=FieldFilter("book", "==", BOOK)).stream():
        if o.get("status") in ("filled", "cancelled", "rejected"):
            assert holds[o.id] != "pending", o.id
    check_exactly_once_in_recorded_order()
