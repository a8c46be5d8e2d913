"""Settlement: group a book's unsettled fills into batches and hand each to an adapter.

Guarantees:
- No fill is ever in two batches: one transaction re-reads the fills it groups, keeps only those
  still pending, creates the batch document and marks each fill with the batch id.
- The adapter runs after that commit, outside any transaction; the default one records the batch
  and marks it settled. An external (chain) adapter must be idempotent on the batch id, because
  a task may deliver twice; a batch it has not confirmed stays `submitted` for the sweep.
- Wake-ups: the sequencer enqueues a named task per book per 10 s window after fills; the
  one-minute sweep settles every book with pending fills.
"""
from __future__ import annotations

from typing import Protocol

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.exchange.netting import FillLeg, batch_id, net_positions
from shared.store import exchange as store
from shared.store.client import collection, db
from shared.store.transactions import run_transaction

BATCHES = "settlement_batches"
MAX_FILLS = 400  # two fills per trade; well under Firestore's 500 writes per transaction
TASK = "task_exchange_settle"


class SettlementAdapter(Protocol):
    def submit(self, batch: dict) -> str:
        """Settle `batch` externally; return a reference. Must be idempotent on batch['id']."""


class RecordingAdapter:
    """The default: the ledger already moved the tokens, so recording the batch settles it."""

    def submit(self, batch: dict) -> str:
        return f"recorded:{batch['id']}"


def settle(book_id: str, adapter: SettlementAdapter | None = None) -> dict:
    adapter = adapter or RecordingAdapter()
    batches = []
    while True:
        created = _group(book_id)
        if created is None:
            break
        batches.append(created["id"])
        reference = adapter.submit(created)
        store.ref(BATCHES, created["id"]).update({"status": "settled", "reference": reference,
                                                  "settled_at": firestore.SERVER_TIMESTAMP})
    return {"book": book_id, "batches": batches}


def _group(book_id: str) -> dict | None:
    config = store.get_book(book_id)
    query = (collection(store.FILLS).where(filter=FieldFilter("book", "==", book_id))
             .where(filter=FieldFilter("settlement", "==", "pending"))
             .order_by("seq").limit(MAX_FILLS))
    ids = [s.id for s in query.stream()]
    if not ids:
        return None

    def work(txn: firestore.Transaction) -> dict | None:
        refs = [store.ref(store.FILLS, i) for i in ids]
        snaps = [s for s in db().get_all(refs, transaction=txn)
                 if s.exists and s.get("settlement") == "pending"]
        if not snaps:
            return None
        fills = sorted((s.to_dict() | {"id": s.id} for s in snaps), key=lambda f: f["seq"])
        legs = [FillLeg(f["owner"], f["side"], f["price"], f["quantity"], f["fee"]) for f in fills]
        batch = {"id": batch_id(book_id, fills[0]["seq"], fills[-1]["seq"]), "book": book_id,
                 "first_seq": fills[0]["seq"], "last_seq": fills[-1]["seq"],
                 "fills": len(fills), "trades": len({f["seq"] for f in fills}),
                 "net": net_positions(legs, config.base, config.quote), "status": "submitted"}
        txn.create(store.ref(BATCHES, batch["id"]), batch | {"created_at": firestore.SERVER_TIMESTAMP})
        for s in snaps:
            txn.update(s.reference, {"settlement": batch["id"]})
        return batch

    return run_transaction(work, serialize_on=[f"settle:{book_id}"])


def wake_later(book_id: str) -> bool:
    """One named task per book per 10 s window; the one-minute sweep settles what it misses."""
    from shared.integrations.tasks import wake_later as wake

    return wake(TASK, f"exsettle-{book_id}", {"book": book_id}, delay_s=10, window_s=10)


def sweep() -> dict:
    query = collection(store.FILLS).where(filter=FieldFilter("settlement", "==", "pending")).limit(500)
    books = sorted({s.get("book") for s in query.stream()})
    return {"books": [settle(b) for b in books]}
