"""One sequencer batch as one Firestore transaction (see exchange/sequencer.py for the protocol).

Each processed command gets `sequence`, its place in the book's one total order (1, 2, ...): the
order the sequencer applied it in, which is the order to replay it in. On Firestore that is
acceptance-commit order, because a query sees every commit up to its read time (external
consistency), so a command seen later always has a later commit timestamp. The emulator does
not promise this: it has made a commit visible ~2 s after a later-stamped one (lock waits after
the timestamp is chosen), so the recorded sequence, not `accepted_at`, is the order of record.

Reads, in two round trips: the lease, the book state and the commands; then the ledger accounts
(both escrows, each participant's accounts and receivables), the holds of every order touched,
and the candles the trades fall in. Writes everything the batch implies; the lease check makes a
stale holder's batch commit nothing. A batch writes at most MAX_WRITES documents (Firestore's
per-transaction limit is 500): past that it is halved, and the rest waits for the next batch.
"""
from __future__ import annotations

import time
from typing import NamedTuple

from google.cloud import firestore

from shared.domain.exchange.matching import Book, Side
from shared.domain.errors import Conflict
from shared.domain.exchange.books import BookConfig, CommandType, restore, snapshot
from shared.domain.exchange.batch import (MAX_WRITES, Command, Outcome, apply_commands,
                                          candle_starts, fold_candle, ledger_accounts, settle,
                                          write_count)
from shared.domain.ledger import LedgerBatch
from shared.store import exchange as store
from shared.store import ledger as ledger_store
from shared.store import wire
from shared.store.client import db
from shared.store.transactions import run_transaction

DEPTH_LEVELS = 20


class Processed(NamedTuple):
    commands: int                # how many commands the batch applied
    orders: tuple[str, ...]      # the orders whose documents it changed


def process(book_id: str, holder: str, epoch: int, command_ids: list[str]) -> Processed:
    config = store.get_book(book_id)

    def work(txn: firestore.Transaction) -> Processed:
        lease_ref, state_ref = store.ref(store.LEASES, book_id), store.ref(store.STATES, book_id)
        refs = [lease_ref, state_ref] + [store.ref(store.COMMANDS, i) for i in command_ids]
        found = wire.get_all(txn, refs)
        lease = found[lease_ref.path] or {}
        if lease.get("holder") != holder or lease.get("epoch") != epoch:
            raise Conflict("another sequencer holds this book", code="lease_lost")
        state = found[state_ref.path]
        stored = [(i, found[r.path]) for i, r in zip(command_ids, refs[2:])]
        commands = [_command(i, data) for i, data in stored
                    if data is not None and data.get("status") == "accepted"]
        book, out = _apply(config, state, commands)
        candle_paths = _candle_paths(config.id, int(time.time())) if out.fills else {}
        read = ledger_store.read(txn, ledger_accounts(config, _owners(out)),
                                 hold_ids=sorted(set(out.touched) | set(out.rejected)),
                                 other_paths=list(candle_paths.values()))
        batch = _settled(config, read, out)
        # A prefix of the commands touches a subset of what all of them touch, so the same read
        # serves every shorter attempt; one command always fits (MAX_FILLS_PER_ORDER).
        while write_count(out, batch.result) > MAX_WRITES and len(out.applied) > 1:
            book, out = _apply(config, state, out.applied[:len(out.applied) // 2])
            batch = _settled(config, read, out)
        sequenced = int((state or {}).get("sequenced", 0))
        _write(txn, config, book, out, batch, read, candle_paths, sequenced, holder)
        return Processed(len(out.applied), (*out.touched, *out.rejected))

    return run_transaction(work, serialize_on=[f"book:{book_id}"], deadline_s=20.0)


def _command(command_id: str, data: dict) -> Command:
    order = tuple(data["order"]) if data.get("order") else None
    return Command(command_id, CommandType(data["type"]), data["owner"], data.get("order_id"),
                   order)


def _apply(config: BookConfig, state: dict | None, commands: list[Command]) -> tuple[Book, Outcome]:
    book = restore(config, state)
    return book, apply_commands(book, commands)


def _owners(out: Outcome) -> set[str]:
    owners = {o.owner for o in out.touched.values()}
    return owners | {c.owner for c in out.applied if c.order and c.order[0] in out.rejected}


def _settled(config: BookConfig, read: ledger_store.LedgerRead, out: Outcome) -> LedgerBatch:
    batch = LedgerBatch(read.accounts, read.holds)
    settle(batch, config, out)
    return batch


def _write(txn: firestore.Transaction, config: BookConfig, book: Book, out: Outcome,
           batch: LedgerBatch, read: ledger_store.LedgerRead, candle_paths: dict[str, str],
           sequenced: int, holder: str) -> None:
    """Every write of the batch: exactly write_count(out, batch.result) documents."""
    wire.update(txn, store.ref(store.LEASES, config.id), {"expires": time.time() + store.LEASE_S})
    ledger_store.write(txn, batch.result)
    _write_orders(txn, out)
    for n, c in enumerate(out.applied, start=sequenced + 1):
        wire.update(txn, store.ref(store.COMMANDS, c.id), {
            "status": "processed", "sequence": n, "result": out.results.get(c.id, ""),
            "processed_by": holder, "processed_at": firestore.SERVER_TIMESTAMP})
    _write_trades(txn, config, out)
    for interval, path in candle_paths.items():
        candle = fold_candle(read.others[path], [(f.price, f.quantity) for f, _, _ in out.fills])
        wire.set(txn, db().document(path), candle | {"book": config.id, "interval": interval,
                                                      "start": int(path.rsplit(".", 1)[1])})
    wire.set(txn, store.ref(store.STATES, config.id),
             snapshot(book) | {"sequenced": sequenced + len(out.applied)})
    wire.merge(txn, store.ref(store.DEPTH, config.id), _depth(config, book, out))


def _candle_paths(book_id: str, now: int) -> dict[str, str]:
    return {name: f"{store.CANDLES}/{book_id}.{name}.{start}"
            for name, start in candle_starts(now).items()}


def _write_orders(txn: firestore.Transaction, out: Outcome) -> None:
    for oid, o in out.touched.items():
        wire.merge(txn, store.ref(store.ORDERS, oid), {
            "status": o.status.value, "reason": o.reason, "filled": o.filled,
            "notional": o.notional, "fees": o.fees, "updated_at": firestore.SERVER_TIMESTAMP})
    for oid, reason in out.rejected.items():
        wire.merge(txn, store.ref(store.ORDERS, oid), {"status": "rejected", "reason": reason,
                                                       "updated_at": firestore.SERVER_TIMESTAMP})


def _write_trades(txn: firestore.Transaction, config: BookConfig, out: Outcome) -> None:
    for fill, taker, maker in out.fills:
        trade_id = f"{config.id}.{fill.seq:012d}"
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
