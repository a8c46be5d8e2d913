"""Purchase statistics for admins, read from a read model instead of every purchase.

Guarantees:
- Every purchase write and every posting to a receivable creates its change in the same
  transaction (store/purchase_stats.py). `fold`, a scheduled job, adds waiting changes to
  purchase_stats/totals and deletes them in one transaction per page, re-reading each change
  in it: a change another fold already took is gone and adds nothing. So at any read time
  totals + the waiting changes = the sum over every committed write, which is the statistics
  of all purchases (domain/purchase_stats.py); the emulator test compares them with the
  purchases and balances the API lists.
- `stats` reads the totals and at most WAITING + 1 waiting changes in one read-only
  transaction (one snapshot: a concurrent fold cannot make a change count twice or not at
  all). With no more than WAITING waiting it is exact (`complete`); otherwise it answers the
  totals as of `folded_at` plus the changes it read and says it is not complete.
- `rebuild` recomputes the totals from every purchase and receivable, once, when the read
  model is deployed over existing data (`python -m dev.backfill_purchase_stats`).
- A fold run reads each change twice (its query row and inside the folding transaction) and
  writes the totals once per page of PAGE changes, paced (services/markets/pacing.py): the
  totals document takes at most two writes in any second, never one per purchase; a run folds
  at most MAX_PAGES x PAGE changes (10,000 a minute), the rest wait for the next.
"""
from __future__ import annotations

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.field_path import FieldPath

from shared.domain import purchase_stats as model
from shared.domain.accounts import AccountKind
from shared.domain.reconciliation import Drift
from shared.services.markets import pacing
from shared.store import purchase_stats as store
from shared.store import wire
from shared.store.client import collection
from shared.store.ledger import ACCOUNTS
from shared.store.purchases import PURCHASES, purchase_from
from shared.store.transactions import run_transaction

WAITING = 7   # changes a read adds to the totals: 1 + 8 reads within the budget of 10
PAGE = 400    # changes per folding transaction: with the totals, within 500 writes
MAX_PAGES = 25


def stats() -> dict:
    """The statistics of all purchases (see the module guarantees)."""
    def read(txn: firestore.Transaction) -> dict:
        totals = store.totals_ref().get(transaction=txn)
        waiting = list(_waiting(WAITING + 1).stream(transaction=txn))
        data = (totals.to_dict() or {}) if totals.exists else {}
        summed = dict(data.get("totals") or {})
        for snap in waiting[:WAITING]:
            summed = model.add(summed, snap.get("delta") or {})
        return model.view(summed) | {"complete": len(waiting) <= WAITING,
                                     "folded_at": data.get("folded_at")}

    return run_transaction(read, read_only=True)


def fold(page: int = PAGE, max_pages: int = MAX_PAGES) -> dict:
    """Add waiting changes to the totals, a page per transaction; returns how many (`folded`,
    and as `changed`: the changes this run found waiting, what its read budget grows with)."""
    folded, totals = 0, store.totals_ref().path
    for _ in range(max_pages):
        ids = [s.id for s in _waiting(page).select([]).stream()]
        if not ids:
            break
        # the totals take at most two writes a second, even when a backlog takes many pages
        pacing.pace(totals, None)
        folded += run_transaction(lambda txn, ids=ids: _fold(txn, ids))
        pacing.wrote(totals)
        if len(ids) < page:
            break
    return {"folded": folded, "changed": folded}


def _fold(txn: firestore.Transaction, ids: list[str]) -> int:
    refs = [store.totals_ref(), *(collection(store.CHANGES).document(i) for i in ids)]
    found = wire.get_all(txn, refs)
    totals = dict((found[refs[0].path] or {}).get("totals") or {})
    taken = [ref for ref in refs[1:] if found[ref.path] is not None]
    for ref in taken:
        totals = model.add(totals, found[ref.path].get("delta") or {})
        txn.delete(ref)
    if taken:
        txn.set(refs[0], {"totals": totals, "folded_at": firestore.SERVER_TIMESTAMP})
    return len(taken)


def rebuild(max_waiting: int = PAGE) -> dict:
    """Once, when the read model is deployed over existing purchases: the totals recomputed
    from every purchase and receivable, in one transaction that also deletes the waiting
    changes. Exact: each change commits with the state it describes, so the states read
    already hold every change read, and a write after the transaction adds its change on top.
    It reads (and locks) every purchase and receivable, so it refuses a backlog of more than
    `max_waiting` changes (fold first) and is meant for a deployment, not a schedule."""
    def work(txn: firestore.Transaction) -> dict:
        waiting = list(_waiting(max_waiting + 1).select([]).stream(transaction=txn))
        if len(waiting) > max_waiting:
            # an operator's one-off, never an HTTP answer: no error code of the API
            raise RuntimeError("more changes wait than one rebuild deletes: fold them first")
        totals, purchases = _recomputed(txn)
        for snap in waiting:
            txn.delete(snap.reference)
        txn.set(store.totals_ref(), {"totals": totals, "folded_at": firestore.SERVER_TIMESTAMP})
        return {"purchases": purchases, "discarded": len(waiting)}

    return run_transaction(work, deadline_s=60)


def drift(txn: wire.Reads) -> list[Drift]:
    """Reconciliation's check of the read model, for a ledger small enough to read whole at one
    time (reconciliation's whole-ledger step): the totals plus every waiting change equal the
    totals recomputed from every purchase and receivable, counter by counter."""
    data = wire.get_all(txn, [store.totals_ref()])[store.totals_ref().path] or {}
    kept = dict(data.get("totals") or {})
    for snap in wire.stream(collection(store.CHANGES), txn):
        kept = model.add(kept, snap.get("delta") or {})
    expected, _ = _recomputed(txn)
    return [Drift("purchase_stats", store.TOTALS, name, expected.get(name, 0), kept.get(name, 0))
            for name in sorted(set(expected) | set(kept))
            if expected.get(name, 0) != kept.get(name, 0)]


def _recomputed(txn: wire.Reads) -> tuple[dict[str, int], int]:
    """The totals from every purchase and receivable read in `txn`, and how many purchases."""
    receivables = collection(ACCOUNTS).where(
        filter=FieldFilter("kind", "==", AccountKind.RECEIVABLE.value))
    totals: dict[str, int] = {}
    purchases = 0
    for snap in wire.stream(collection(PURCHASES), txn):
        totals = model.add(totals, model.contribution(purchase_from(snap.id, snap.to_dict())))
        purchases += 1
    for snap in wire.stream(receivables.select(["debits_posted", "credits_posted"]), txn):
        owed = int(snap.get("debits_posted") or 0) - int(snap.get("credits_posted") or 0)
        totals = model.add(totals, {model.OWED: owed})
    return totals, purchases


def _waiting(limit: int) -> firestore.Query:
    return collection(store.CHANGES).order_by(FieldPath.document_id()).limit(limit)

