"""Order settlement: the ledger effects of sequenced orders, one small transaction per posting.

A sequencer batch moves no money: it leaves, per order it filled or finished, a posting
(order_postings/{order}.{batch}, see domain/exchange/postings.py). This module applies them.
The marker is a document of its own, not a field on the order, because settlement must not
read or write what a batch writes: reading an open order's document would lock it against the
next batch (and a dead settler's locks would stall the book), and writing it blind could erase
the marker a later batch set.

Guarantees:
- Exactly once: a posting is read in the transaction that applies it, and that transaction
  deletes it; its transfer ids derive from its fills, so a second runner (the sweep racing the
  sequencer) finds it gone, and a replay of a committed one could not post twice anyway.
- Small and off the book: a transaction reads the posting, the order's hold, its owner's account
  and escrow in what the order pays, its owner's position when it has fills, and each
  counterparty's account and receivable in that asset; never a document a batch reads or
  writes (lease, head, commands, orders, depth), so a settlement that stalls or dies never
  blocks the book; its locks only delay its traders.
- The owner's position on the book (store/positions.py, the read model get_portfolio reads)
  counts the posting's fills in the transaction that applies it, so each fill is counted
  exactly once, with its ledger effects; the position document is the owner's own.
- A done order's release waits for its fills: `apply` refuses (NotReady) until the order's other
  postings are applied, and then `settle_order` applies them all, fills first.
- Who runs it: the sequencer, right after each batch commits and before it announces the
  batch's orders (so a placer waiting for its order sees settled balances); the one-minute
  sweep (`sweep`) for anything still left. A failure is logged and left for the sweep: it never
  stops the book.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

from google.cloud import firestore

from shared.domain.exchange.postings import NotReady, Posting, accounts_to_read, apply
from shared.domain.ledger import LedgerBatch
from shared.domain.portfolio import Fill
from shared.store import exchange as store
from shared.store import ledger as ledger_store
from shared.store import wire
from shared.store.positions import folded_doc, folded_from, position_ref
from shared.store.transactions import run_transaction

log = logging.getLogger(__name__)
SWEEP_LIMIT = 500   # postings the sweep looks at per run
# Postings of one batch applied at once: each is a few round trips, and a busy batch leaves one
# per order it touched, so one at a time would hold the book's next batch behind them.
WORKERS = 8


def settle(postings: Iterable[tuple[str, Posting]], book_id: str) -> int:
    """Apply a batch's postings, WORKERS at a time; how many this call applied. Never raises:
    what fails stays for the sweep. A batch has one posting per order, so they may run in any
    order; postings that share a trader's account take its process lock (serialize_on) in turn."""
    items = list(postings)
    if len(items) < 2:
        return sum(_settle_one(posting_id, p, book_id) for posting_id, p in items)
    with ThreadPoolExecutor(min(WORKERS, len(items))) as pool:
        return sum(pool.map(lambda item: _settle_one(*item, book_id), items))


def _settle_one(posting_id: str, p: Posting, book_id: str) -> int:
    try:
        return int(apply_one(posting_id, p, book_id))
    except NotReady:   # an earlier posting of the order was left: apply them all now
        return _safely(lambda: settle_order(p.order_id))
    except Exception as err:  # noqa: BLE001 - a failed settlement is the sweep's, not the book's
        _log_failure(posting_id, p, err)
        return 0


def apply_one(posting_id: str, p: Posting, book_id: str) -> bool:
    """Apply one posting in its own transaction; False if it was already applied."""
    config = store.get_book(book_id)
    posting_ref = store.ref(store.POSTINGS, posting_id)
    accounts = accounts_to_read(config, p)

    position = position_ref(p.owner, book_id)
    fills = [Fill(f.seq, p.side.value, f.price, f.quantity, f.fee) for f in p.fills]

    def work(txn: firestore.Transaction) -> bool:
        others = [posting_ref.path, *([position.path] if fills else [])]
        read = ledger_store.read(txn, accounts, hold_ids=[p.order_id], other_paths=others)
        if read.others[posting_ref.path] is None:
            return False
        batch = LedgerBatch(read.accounts, read.holds)
        apply(batch, config, p)
        ledger_store.write(txn, batch.result)
        txn.delete(posting_ref)
        if fills:
            folded = folded_from(read.others[position.path]).add(fills)
            wire.set(txn, position, folded_doc(p.owner, book_id, folded))
        return True

    users = [a for a in accounts if not a.startswith("sys.") and not a.endswith(":receivable")]
    return run_transaction(work, serialize_on=users)


def settle_order(order_id: str) -> int:
    """Apply every posting an order has left, fills first; how many this call applied."""
    left = sorted(store.postings_of_order(order_id), key=lambda item: item[1]["done"])
    applied = 0
    for posting_id, data in left:
        applied += apply_one(posting_id, Posting.from_dict(data), data["book"])
    return applied


def sweep(limit: int = SWEEP_LIMIT) -> dict:
    """Settle every order with a posting left (the one-minute safety net)."""
    orders = sorted({data["order_id"] for _, data in store.pending_postings(limit)})
    applied = sum(_safely(lambda order_id=o: settle_order(order_id)) for o in orders)
    return {"orders": len(orders), "applied": applied}


def _safely(run) -> int:
    try:
        return run()
    except Exception:  # noqa: BLE001 - logged; the next sweep tries again
        log.exception("order settlement failed")
        return 0


def _log_failure(posting_id: str, p: Posting, err: Exception) -> None:
    # An escrow that would go negative is a bug in the books, not a retryable failure.
    level = logging.CRITICAL if isinstance(err, AssertionError) else logging.ERROR
    log.log(level, "order settlement failed; the sweep will retry", exc_info=err, extra={
        "posting": posting_id, "order": p.order_id, "owner": p.owner})
