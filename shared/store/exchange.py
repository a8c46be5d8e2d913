"""Exchange documents: books, their private state and lease, orders, commands, trades, fills.

Collections (public read in firestore.rules: books, book_depth, trades, candles; owner read:
orders, fills; server only: book_states, book_leases, order_commands):
- books/{id}            the book's configuration and status (admin-written, cached per process)
- book_states/{id}      the sequencer's counters (order_seq, fill_seq, sequenced): a few fields
                        whatever the book holds; the resting orders are the book's order
                        documents with `resting` true, each carrying its own matching state
- book_leases/{id}      which sequencer may write the book, and its epoch
- book_transactions/{id}  the transaction id of the holder's batch in progress, written before
                        the batch reads anything, so a successor can roll back a dead holder's
                        transaction and its locks (roll_back_abandoned)
- book_depth/{id}       aggregated levels and the last price, rewritten by every batch
- orders/{order_id}     one per order; created when accepted, then written only by the sequencer
- order_commands/{id}   accepted place/cancel commands, taken in (accepted_at, id) order from
                        the book's QUEUE_LANES lanes (`queue`); each processed one leaves its
                        lane and records its `sequence` in the book's total order
- exchange_dead_letters/{command id}  commands the sequencer rejected with `internal`
                        (a poison command, or an invariant violation that halted the book)
- order_postings/{order}.{batch}  an order's ledger effects a batch left (postings.py), until a
                        settlement transaction applies them and deletes it (server only)
- trades/{key}          public prints; fills/{key}.{buy|sell}: each side's own view; the key is
                        fill_key(book, seq), led by a hash so the ids spread
Book configuration is read outside transactions: an order's transaction never reads (and so
never locks) the book document.
"""
from __future__ import annotations

import logging
import os
import time

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.errors import NotFound
from shared.domain.exchange.books import BookConfig, queue_keys

from shared.store import wire
from shared.store.client import collection, db
from shared.store.pages import page

log = logging.getLogger(__name__)

BOOKS, STATES, LEASES, DEPTH = "books", "book_states", "book_leases", "book_depth"
ORDERS, COMMANDS, TRADES, FILLS, CANDLES = "orders", "order_commands", "trades", "fills", "candles"
DEAD_LETTERS = "exchange_dead_letters"
TRANSACTIONS = "book_transactions"
POSTINGS = "order_postings"
TTL_S = 30.0
# A killed sequencer blocks its book at most this long; tests shorten it.
LEASE_S = float(os.environ.get("MINTBOOK_EXCHANGE_LEASE_S", "15"))
_cache: dict[str, tuple[float, BookConfig]] = {}


def ref(name: str, doc_id: str) -> firestore.DocumentReference:
    return collection(name).document(doc_id)


def config_from(data: dict) -> BookConfig:
    fields = BookConfig.__dataclass_fields__
    return BookConfig(**{k: v for k, v in data.items() if k in fields})


def get_book(book_id: str, fresh: bool = False) -> BookConfig:
    """The book's configuration, cached TTL_S per process unless `fresh` (its status decides
    whether an order is accepted, so acceptance reads it fresh)."""
    hit = _cache.get(book_id)
    if hit and not fresh and time.monotonic() - hit[0] < TTL_S:
        return hit[1]
    snap = ref(BOOKS, book_id).get() if book_id and "/" not in book_id else None
    if snap is None or not snap.exists:
        raise NotFound(f"no book {book_id!r}", field="book", code="unknown_book")
    config = config_from(snap.to_dict())
    _cache[book_id] = (time.monotonic(), config)
    return config


def books_page(cursor: str | None, limit: int) -> tuple[list[BookConfig], str | None]:
    """A page of the books by id."""
    docs, next_cursor = page(collection(BOOKS).order_by("id"), BOOKS, cursor, limit)
    return [config_from(s.to_dict()) for s in docs], next_cursor


def forget_cache() -> None:
    _cache.clear()


def record_transaction(book_id: str, holder: str, epoch: int, transaction_id: bytes) -> None:
    """Say which transaction the holder's batch runs in, before it reads (and so locks) the
    lease, head and commands."""
    ref(TRANSACTIONS, book_id).set({"holder": holder, "epoch": epoch,
                                    "transaction": transaction_id, "at": time.time()})


def roll_back_abandoned(book_id: str, lease: dict) -> bool:
    """Roll back the batch transaction of the lease's (expired) holder, if it recorded one.

    A holder killed inside a batch leaves its transaction open, and with it the locks on what it
    read, until Firestore ends it (about 60 s idle, on the emulator too): the successor could not
    even take the lease. Rolling it back frees them at once. Harmless to a holder that is alive
    after all: its commit fails, it reads a lease it no longer holds and commits nothing (and
    one already committed or ended is not found, which is fine too)."""
    snap = ref(TRANSACTIONS, book_id).get()
    seen = snap.to_dict() if snap.exists else {}
    if seen.get("holder") != lease.get("holder") or seen.get("epoch") != lease.get("epoch"):
        return False
    client = db()
    try:  # the client has no public call to end a transaction it did not begin
        client._firestore_api.rollback(request={"database": client._database_string,
                                                "transaction": seen["transaction"]})
    except gexc.GoogleAPICallError as err:
        log.info("no batch transaction to roll back", extra={"book": book_id, "error": repr(err)})
        return False
    log.warning("rolled back an expired holder's batch transaction",
                extra={"book": book_id, "holder": seen["holder"], "epoch": seen["epoch"]})
    return True


def pending_command_ids(book_id: str, limit: int) -> list[str]:
    """Accepted commands in acceptance-commit order (server commit timestamp, then id), merged
    by the query from the book's queue lanes (`queue in [...]`, index queue + accepted_at)."""
    query = (collection(COMMANDS).where(filter=FieldFilter("queue", "in", queue_keys(book_id)))
             .order_by("accepted_at").order_by("__name__").limit(limit))
    return [snap.id for snap in query.stream()]


def resting_orders(book_id: str, page_size: int) -> list[dict]:
    """Every resting order of a book (its matching state), read `page_size` at a time: an
    equality-only query, so it needs no composite index; the caller orders them by `seq`."""
    query = (collection(ORDERS).where(filter=FieldFilter("book", "==", book_id))
             .where(filter=FieldFilter("resting", "==", True)).order_by("__name__"))
    rows: list[dict] = []
    last = None
    while True:
        page = (query.start_after(last) if last else query).limit(page_size).get()
        rows += [snap.to_dict() for snap in page]
        if len(page) < page_size:
            return rows
        last = page[-1]


def books_with_pending(limit: int = 500) -> list[str]:
    query = collection(COMMANDS).where(filter=FieldFilter("status", "==", "accepted")).limit(limit)
    return sorted({snap.get("book") for snap in query.stream()})


def postings_of_order(order_id: str) -> list[tuple[str, dict]]:
    """An order's unapplied postings (at most a few: each is deleted once applied)."""
    query = collection(POSTINGS).where(filter=FieldFilter("order_id", "==", order_id))
    return [(snap.id, snap.to_dict()) for snap in query.stream()]


def unapplied_fills_of(txn: wire.Reads, owner: str) -> set[tuple[str, int]]:
    """(order id, seq) of every fill the owner's unapplied postings carry (a posting is deleted
    once applied, so these are few; single-field index on owner)."""
    query = collection(POSTINGS).where(filter=FieldFilter("owner", "==", owner))
    return {(snap.get("order_id"), int(f["seq"])) for snap in wire.stream(query, txn)
            for f in snap.get("fills") or ()}


def pending_postings(limit: int) -> list[tuple[str, dict]]:
    """Up to `limit` postings left unapplied (their settlement failed or its process died): a
    plain scan in name order, which needs no index, since applied ones are deleted."""
    return [(snap.id, snap.to_dict()) for snap in collection(POSTINGS).limit(limit).stream()]
