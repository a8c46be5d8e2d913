"""One sequencer batch as one Firestore transaction (see exchange/sequencer.py for the protocol).

Each processed command gets `sequence`, its place in the book's one total order (1, 2, ...): the
order the sequencer applied it in, which is the order to replay it in. On Firestore that is
acceptance-commit order, because a query sees every commit up to its read time (external
consistency), so a command seen later always has a later commit timestamp. The emulator does
not promise this: it has made a commit visible ~2 s after a later-stamped one (lock waits after
the timestamp is chosen), so the recorded sequence, not `accepted_at`, is the order of record.

The book: its head (`book_states/{id}`: counters only) is read in the batch transaction; the
resting orders are the sequencer's in-memory book, which it keeps between batches and rebuilds
from the resting order documents (which every batch updates with each touched order's matching
state) when it has none or another process moved the head. So no document grows with the book.

Reads, in two round trips: the lease, the book's head and the commands; then the candles the
trades fall in. No ledger document: no account, escrow or hold, so a batch locks no user's
document and a placer never waits for a batch (nor for a dead one's locks). Writes the head,
the commands (processed, sequence, result), the orders (status, fills, reason, resting), trades,
fills, candles, depth, and one posting per order it filled or finished (order_postings: that
order's ledger effects, applied after the commit by order_settlement.py); the lease check makes
a stale holder's batch commit nothing. A batch writes at most MAX_WRITES documents (Firestore's
per-transaction limit is 500): past that it is halved, and the rest waits for the next batch.
"""
from __future__ import annotations

import time
import uuid
from typing import Callable, NamedTuple, TypeVar

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.domain.exchange.matching import Book, Order, Side
from shared.domain.errors import Conflict
from shared.domain.exchange.books import (BookConfig, CommandType, counters, fill_key,
                                          order_from_state, order_state, queue_key, restore)
from shared.domain.exchange.batch import (MAX_WRITES, STEP_BUDGET, Command, Outcome,
                                          apply_commands, candle_starts, fold_candle, postings,
                                          write_count)
from shared.domain.exchange.postings import Posting
from shared.store import exchange as store
from shared.store import wire
from shared.store.client import db
from shared.store.transactions import is_closed_transaction, run_transaction

from shared.services.markets import pacing

T = TypeVar("T")

# The levels per side a batch publishes: as many as get_depth accepts (DepthQuery.levels).
DEPTH_LEVELS = 50


class Processed(NamedTuple):
    commands: int                # how many commands the batch applied
    orders: tuple[str, ...]      # the orders whose documents it changed
    postings: tuple[tuple[str, Posting], ...] = ()   # what it left the ledger, by posting id
    ready_at: float = 0.0   # time.monotonic() its commit was ready, before its pacing wait


REBUILD_PAGE = 1_000   # order documents per page when a sequencer rebuilds its book; tests shrink it


class _Held(NamedTuple):
    token: str   # the head's `token` when this in-memory book was committed: a new one per batch
    book: Book


# The book as this process last committed it, per book: matching a batch then costs what the
# batch does, not what the book holds. It is taken out before a batch mutates it and put back
# only once the batch committed, so a failed or retried attempt rebuilds from the documents.
_held: dict[str, _Held] = {}


def process(book_id: str, holder: str, epoch: int, command_ids: list[str]) -> Processed:
    config = store.get_book(book_id)
    committed: list[_Held] = []

    def work(txn: firestore.Transaction) -> Processed:
        committed.clear()
        lease_ref, state_ref = store.ref(store.LEASES, book_id), store.ref(store.STATES, book_id)
        refs = [lease_ref, state_ref] + [store.ref(store.COMMANDS, i) for i in command_ids]
        found = wire.get_all(txn, refs)
        lease = found[lease_ref.path] or {}
        if lease.get("holder") != holder or lease.get("epoch") != epoch:
            raise Conflict("another sequencer holds this book", code="lease_lost")
        head = found[state_ref.path]
        sequenced = int((head or {}).get("sequenced", 0))
        commands, resume = _commands(txn, head, command_ids, found)
        book = _take(config, head)
        budget = STEP_BUDGET
        out = apply_commands(book, commands, budget, resume())
        # A smaller attempt starts again from the documents: the book was changed in place.
        while write_count(out) > MAX_WRITES and (len(out.applied) > 1 or budget > 1):
            if len(out.applied) > 1:
                commands = out.applied[:len(out.applied) // 2]
            else:
                budget //= 2
            book = _rebuild(config, head)
            out = apply_commands(book, commands, budget, resume())
        candle_paths = _candle_paths(config.id, int(time.time())) if out.fills else {}
        candles = wire.get_all(txn, [db().document(p) for p in candle_paths.values()])
        token = uuid.uuid4().hex
        renew = float(lease.get("expires", 0)) - time.time() < store.LEASE_S / 2
        posted = [(f"{p.order_id}.{token[:12]}.{n}", p) for n, p in enumerate(postings(out))]
        _write(txn, config, book, out, posted, candles, candle_paths, sequenced, holder, token,
               renew)
        committed.append(_Held(token, book))
        return Processed(len(out.applied), (*out.touched, *out.rejected), tuple(posted),
                         time.monotonic())

    done = run_under_lease(book_id, holder, epoch, work)
    _held[book_id] = committed[0]
    return done


def run_under_lease(book_id: str, holder: str, epoch: int,
                    work: Callable[[firestore.Transaction], T]) -> T:
    """Run a transaction of the lease's holder that writes the book's shared documents (head,
    depth, candles).

    - Each attempt first records its transaction id (book_transactions, paced like the book's
      other shared documents), so that if this process dies inside it a successor rolls it back
      instead of waiting out its locks; an attempt rolled back that way has lost the lease.
    - Its commit is sent at least pacing.GAP_S after the book's last one returned, so those
      documents take at most two writes in any second. The wait comes after the reads and the
      matching, not before them: a busy book's batches then follow each other every GAP_S, not
      every GAP_S plus a batch's own time (and the sequencer starts a batch about its own time
      before the gap ends, so the wait is short). Meanwhile the transaction holds its read locks
      on the lease, head and commands, which no placer writes (a new command is a new
      document)."""
    record = store.ref(store.TRANSACTIONS, book_id).path
    head = store.ref(store.STATES, book_id).path

    def recorded(txn: firestore.Transaction) -> T:
        pacing.pace(record, None)
        store.record_transaction(book_id, holder, epoch, txn.id)
        pacing.wrote(record)
        result = work(txn)
        pacing.pace(head, None)
        return result

    try:
        result = run_transaction(recorded, serialize_on=[f"book:{book_id}"], deadline_s=20.0)
    except gexc.InvalidArgument as err:
        if is_closed_transaction(err):
            raise Conflict("a successor rolled back this batch", code="lease_lost") from err
        raise
    pacing.wrote(head)
    return result


def _take(config: BookConfig, head: dict | None) -> Book:
    """The book at `head`: this process's own if it is current, else rebuilt. Read outside the
    transaction, the order documents still match `head`: every batch writes the head, which
    this transaction has read (and so locked), so no batch commits in between."""
    held = _held.pop(config.id, None)
    if held is not None and head and held.token == head.get("token"):
        return held.book
    return _rebuild(config, head)


def _rebuild(config: BookConfig, head: dict | None) -> Book:
    return restore(config, head, store.resting_orders(config.id, REBUILD_PAGE) if head else [])


def _commands(txn: firestore.Transaction, head: dict | None, command_ids: list[str],
              found: dict) -> tuple[list[Command], Callable[[], Order | None]]:
    """The batch's accepted commands, the one a previous step paused (head `resume`) first, and
    a function giving that command's order as the step left it (a fresh copy per call, because
    an attempt mutates it)."""
    paused = (head or {}).get("resume")
    if paused and store.ref(store.COMMANDS, paused).path not in found:
        found |= wire.get_all(txn, [store.ref(store.COMMANDS, paused)])
    ids = ([paused] if paused else []) + [i for i in command_ids if i != paused]
    stored = [(i, found[store.ref(store.COMMANDS, i).path]) for i in ids]
    commands = [_command(i, data) for i, data in stored
                if data is not None and data.get("status") == "accepted"]
    order_ref = None
    if paused and commands and commands[0].id == paused and commands[0].order:
        order_ref = store.ref(store.ORDERS, commands[0].order[0])
    state = wire.get_all(txn, [order_ref])[order_ref.path] if order_ref else None
    return commands, lambda: order_from_state(state) if state else None


def _command(command_id: str, data: dict) -> Command:
    order = tuple(data["order"]) if data.get("order") else None
    return Command(command_id, CommandType(data["type"]), data["owner"], data.get("order_id"),
                   order)


def forget_books() -> None:
    """Drop this process's books (tests: a fresh process)."""
    _held.clear()


def _write(txn: firestore.Transaction, config: BookConfig, book: Book, out: Outcome,
           posted: list[tuple[str, Posting]], candles: dict[str, dict | None],
           candle_paths: dict[str, str], sequenced: int, holder: str, token: str,
           renew: bool) -> None:
    """Every write of the batch: exactly write_count(out, renew) documents. The
    lease is renewed only when half its term is gone, so a busy book's lease is not rewritten
    by every batch."""
    if renew:
        wire.update(txn, store.ref(store.LEASES, config.id), {
            "expires": time.time() + store.LEASE_S, "written_at": time.time()})
    for posting_id, p in posted:
        wire.create(txn, store.ref(store.POSTINGS, posting_id), p.as_dict() | {
            "book": config.id, "at": firestore.SERVER_TIMESTAMP})
    _write_orders(txn, book, out)
    finished = [c for c in out.applied if c is not out.paused]
    for n, c in enumerate(finished, start=sequenced + 1):
        wire.update(txn, store.ref(store.COMMANDS, c.id), {
            "status": "processed", "queue": queue_key(config.id, c.id, done=True),
            "sequence": n, "result": out.results.get(c.id, ""),
            "processed_by": holder, "processed_at": firestore.SERVER_TIMESTAMP})
    _write_trades(txn, config, out)
    for interval, path in candle_paths.items():
        candle = fold_candle(candles.get(path), [(f.price, f.quantity, f.taker_side)
                                                   for f, _, _ in out.fills])
        wire.set(txn, db().document(path), candle | {"book": config.id, "interval": interval,
                                                      "start": int(path.rsplit(".", 1)[1])})
    wire.set(txn, store.ref(store.STATES, config.id), counters(book) | {
        "sequenced": sequenced + len(finished), "token": token,
        "resume": out.paused.id if out.paused else None})
    if out.paused is None:  # readers see depth at command boundaries only
        wire.merge(txn, store.ref(store.DEPTH, config.id), _depth(config, book, out))


def _candle_paths(book_id: str, now: int) -> dict[str, str]:
    return {name: f"{store.CANDLES}/{book_id}.{name}.{start}"
            for name, start in candle_starts(now).items()}


def _write_orders(txn: firestore.Transaction, book: Book, out: Outcome) -> None:
    for oid, o in out.touched.items():
        wire.merge(txn, store.ref(store.ORDERS, oid), order_state(o) | {
            "reason": o.reason, "resting": oid in book.orders,
            "updated_at": firestore.SERVER_TIMESTAMP})
    for oid, reason in out.rejected.items():
        wire.merge(txn, store.ref(store.ORDERS, oid), {"status": "rejected", "reason": reason,
                                                       "resting": False,
                                                       "updated_at": firestore.SERVER_TIMESTAMP})


def _write_trades(txn: firestore.Transaction, config: BookConfig, out: Outcome) -> None:
    for fill, taker, maker in out.fills:
        trade_id = fill_key(config.id, fill.seq)
        wire.create(txn, store.ref(store.TRADES, trade_id), {
            "book": config.id, "seq": fill.seq, "price": fill.price, "quantity": fill.quantity,
            "taker_side": fill.taker_side.value, "at": firestore.SERVER_TIMESTAMP})
        for order, role, fee in ((taker, "taker", fill.taker_fee), (maker, "maker", fill.maker_fee)):
            wire.create(txn, store.ref(store.FILLS, f"{trade_id}.{order.side.value}"), {
                "owner": order.owner, "order_id": order.id, "book": config.id, "seq": fill.seq,
                "side": order.side.value, "role": role, "price": fill.price,
                "quantity": fill.quantity, "fee": fee, "fee_asset": config.quote,
                "settlement": "pending", "at": firestore.SERVER_TIMESTAMP})


def _depth(config: BookConfig, book: Book, out: Outcome) -> dict:
    levels = lambda side: [{"price": p, "quantity": q}  # noqa: E731
                           for p, q in book.depth(side, DEPTH_LEVELS)]
    doc = {"book": config.id, "bids": levels(Side.BUY), "asks": levels(Side.SELL),
           "updated_at": firestore.SERVER_TIMESTAMP}
    if out.fills:
        doc["last_price"] = out.fills[-1][0].price
    return doc
