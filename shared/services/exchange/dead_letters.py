"""Poison commands: a batch that fails for an unexpected reason never blocks its book.

Guarantees:
- Contention, a lost lease or an unreachable Firestore are not a command's fault: they propagate
  (the sequencer's caller retries the whole batch later). Any other failure halves the batch,
  so the commands before the poison one commit; down to one command, that command is tried
  ATTEMPTS times in all, then rejected by `reject`.
- An AssertionError is an invariant the domain checks before commit (an escrow would go
  negative): the command is rejected at once, logged at CRITICAL with the book and command, and
  the book halted (book_status.halt), since the next command may meet the same bug.
- `reject` is one transaction under the lease: the command is processed with result `rejected`
  and the next sequence number, its order `rejected` with reason `internal` and a posting that
  releases what its hold has left once its earlier fills are posted (order_settlement.py, run
  right after), the head's `resume` cleared if it named it, and the command
  recorded in exchange_dead_letters/{command id}. Nothing else of the book changes, so every
  other command goes on as if the poison one had been refused at acceptance.
"""
from __future__ import annotations

import logging
import uuid

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.domain.errors import Conflict, Unavailable
from shared.domain.exchange.books import queue_key
from shared.domain.exchange.matching import Side
from shared.domain.exchange.postings import Posting
from shared.store import exchange as store
from shared.store import wire
from shared.store.client import collection
from shared.store.pages import page

from shared.services.exchange import batches, order_settlement

log = logging.getLogger(__name__)
ATTEMPTS = 3   # a single command is tried this many times before it is rejected
TRANSIENT = (Conflict, Unavailable, gexc.GoogleAPIError, ConnectionError, TimeoutError)


def process(book_id: str, holder: str, epoch: int, ids: list[str]) -> batches.Processed:
    """batches.process, isolating a command that makes it fail (see the module docstring).
    May apply fewer commands than `ids`: the sequencer's loop takes the rest next."""
    try:
        return batches.process(book_id, holder, epoch, ids)
    except TRANSIENT:
        raise
    except Exception as err:  # noqa: BLE001 - the point: an unexpected failure of one command
        suspect = _resume(book_id) or (ids[0] if len(ids) == 1 else None)
        if suspect is None:
            log.warning("batch failed; retrying it in halves", extra={
                "book": book_id, "commands": len(ids), "error": repr(err)})
            return process(book_id, holder, epoch, ids[:len(ids) // 2])
        return _single(book_id, holder, epoch, suspect, err)


def _resume(book_id: str) -> str | None:
    """The command a previous step left paused: every batch starts with it, so it is the one to
    try alone first."""
    head = store.ref(store.STATES, book_id).get().to_dict() or {}
    return head.get("resume")


def _single(book_id: str, holder: str, epoch: int, command_id: str,
            err: Exception) -> batches.Processed:
    attempts = 1
    while not isinstance(err, AssertionError) and attempts < ATTEMPTS:
        attempts += 1
        try:
            return batches.process(book_id, holder, epoch, [command_id])
        except TRANSIENT:
            raise
        except Exception as again:  # noqa: BLE001
            err = again
    kind = "invariant" if isinstance(err, AssertionError) else "poison"
    if kind == "invariant":
        log.critical("invariant violated: command rejected and book halted", extra={
            "book": book_id, "command": command_id, "error": repr(err)})
    else:
        log.error("poison command rejected", extra={
            "book": book_id, "command": command_id, "attempts": attempts, "error": repr(err)})
    order_id = reject(book_id, holder, epoch, command_id, kind, repr(err), attempts)
    if kind == "invariant":
        from shared.services.exchange import book_status  # it wakes the sequencer: no cycle
        book_status.halt(book_id, f"invariant violated by command {command_id}: {err}")
    return batches.Processed(1, (order_id,) if order_id else ())


def reject(book_id: str, holder: str, epoch: int, command_id: str, kind: str, error: str,
           attempts: int) -> str | None:
    """Reject one accepted command with `internal` (see the module docstring); its order id."""
    lease_ref, state_ref = store.ref(store.LEASES, book_id), store.ref(store.STATES, book_id)
    command_ref = store.ref(store.COMMANDS, command_id)
    posted: list[tuple[str, Posting]] = []

    def work(txn: firestore.Transaction) -> str | None:
        found = wire.get_all(txn, [lease_ref, state_ref, command_ref])
        lease = found[lease_ref.path] or {}
        if lease.get("holder") != holder or lease.get("epoch") != epoch:
            raise Conflict("another sequencer holds this book", code="lease_lost")
        head, command = found[state_ref.path] or {}, found[command_ref.path]
        if command is None or command.get("status") != "accepted":
            return None
        order_id = command["order"][0] if command.get("order") else None
        posted.clear()
        if order_id:
            posted.append(_release(txn, book_id, order_id))
            wire.merge(txn, store.ref(store.ORDERS, order_id), {
                "status": "rejected", "reason": "internal", "resting": False,
                "updated_at": firestore.SERVER_TIMESTAMP})
        sequence = int(head.get("sequenced", 0)) + 1
        wire.update(txn, command_ref, {
            "status": "processed", "queue": queue_key(book_id, command_id, done=True),
            "sequence": sequence, "result": "rejected", "processed_by": holder,
            "processed_at": firestore.SERVER_TIMESTAMP})
        # A new token: every process rebuilds its book from the documents. A book whose first
        # command this is has no head yet: it starts with empty counters.
        wire.set(txn, state_ref, {"order_seq": 0, "fill_seq": 0, "closed": False} | head | {
            "sequenced": sequence, "token": uuid.uuid4().hex,
            "resume": None if head.get("resume") == command_id else head.get("resume")})
        wire.create(txn, store.ref(store.DEAD_LETTERS, command_id), {
            "id": command_id, "book": book_id, "type": command["type"],
            "owner": command["owner"], "order_id": order_id, "kind": kind,
            "error": error[:1_000], "attempts": attempts, "at": firestore.SERVER_TIMESTAMP})
        return order_id

    order_id = batches.run_under_lease(book_id, holder, epoch, work)
    order_settlement.settle(posted, book_id)
    return order_id


def _release(txn: firestore.Transaction, book_id: str, order_id: str) -> tuple[str, Posting]:
    """The posting that releases the rejected order's hold once the fills it had are posted."""
    ref = store.ref(store.ORDERS, order_id)
    o = wire.get_all(txn, [ref])[ref.path] or {}
    side = Side(o["side"])
    expected = (int(o.get("notional", 0)) + int(o.get("fees", 0)) if side is Side.BUY
                else int(o.get("filled", 0)))
    posting = Posting(order_id, o["owner"], side, (), True, expected)
    posting_id = f"{order_id}.rejected"
    wire.create(txn, store.ref(store.POSTINGS, posting_id), posting.as_dict() | {
        "book": book_id, "at": firestore.SERVER_TIMESTAMP})
    return posting_id, posting


def listing(cursor: str | None, limit: int) -> dict:
    """Dead letters of every book, newest first (admin_list_dead_letters)."""
    query = (collection(store.DEAD_LETTERS).order_by("at", direction=firestore.Query.DESCENDING)
             .order_by("__name__", direction=firestore.Query.DESCENDING))
    docs, next_cursor = page(query, store.DEAD_LETTERS, cursor, limit)
    return {"items": [d.to_dict() for d in docs], "next_cursor": next_cursor}
