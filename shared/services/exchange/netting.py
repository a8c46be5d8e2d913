"""Settlement: group a book's unsettled fills into batches and hand each to an adapter.

Guarantees:
- No fill is ever in two batches: one transaction re-reads the fills it groups, keeps only those
  still pending, creates the batch document and marks each fill with the batch id.
- The adapter runs after that commit, outside any transaction, for at most SUBMIT_TIMEOUT_S; the
  default one records the batch. Only a call that returned marks the batch `settled` (with the
  reference it returned, once: a transaction settles only a `submitted` batch). A call that
  raised or ran out of time leaves it `submitted`, and the one-minute sweep resubmits every
  batch submitted more than RESUBMIT_AFTER_S ago (`submitted_at`, set at each submission), with
  the same batch and so the same id: an external (chain) adapter must be idempotent on
  batch['id'], since a resubmission may follow a call that did settle but never answered.
- Wake-ups: the sequencer enqueues a named task per book per 10 s window after fills; the
  one-minute sweep settles every book with pending fills and resubmits stale batches.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone
from typing import Protocol

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.exchange.netting import FillLeg, batch_id, net_positions
from shared.store import exchange as store
from shared.store.client import collection, db
from shared.store.transactions import run_transaction

log = logging.getLogger(__name__)
BATCHES = "settlement_batches"
SUBMIT_TIMEOUT_S = 10.0    # an adapter call still running after this leaves the batch submitted
RESUBMIT_AFTER_S = 120.0   # the sweep resubmits a batch submitted longer ago than this
RESUBMIT_LIMIT = 50        # batches resubmitted per sweep
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
    batches, settled, fills = [], [], 0
    while True:
        created = _group(book_id)
        if created is None:
            break
        batches.append(created["id"])
        fills += created["fills"]
        if submit(adapter, created):
            settled.append(created["id"])
    # `changed`: the fills it grouped, what its reads grow with (each read by the page query
    # and again in its batch's transaction)
    return {"book": book_id, "batches": batches, "settled": settled, "changed": fills}


def submit(adapter: SettlementAdapter, batch: dict) -> bool:
    """Hand `batch` to the adapter; True when it answered and the batch is now settled."""
    try:
        reference = _within(SUBMIT_TIMEOUT_S, adapter.submit, batch)
    except Exception as err:  # noqa: BLE001 - any adapter failure: the batch waits for the sweep
        log.warning("settlement adapter failed; the batch stays submitted", extra={
            "batch": batch["id"], "error": repr(err)})
        return False
    ref = store.ref(BATCHES, batch["id"])

    def work(txn: firestore.Transaction) -> bool:
        snap = ref.get(transaction=txn)
        if not snap.exists or snap.get("status") != "submitted":
            return False   # another delivery settled it first
        txn.update(ref, {"status": "settled", "reference": reference,
                         "settled_at": firestore.SERVER_TIMESTAMP})
        return True

    return run_transaction(work, serialize_on=[f"settlement:{batch['id']}"])


def _within(timeout_s: float, call, *args):
    """call(*args), or TimeoutError once it has run `timeout_s` (it may still finish later: the
    adapter is idempotent on the batch id, so a late success and a resubmission agree)."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = call(*args)
        except BaseException as err:  # noqa: BLE001 - handed to the caller
            box["error"] = err

    worker = threading.Thread(target=run, daemon=True, name="settlement-adapter")
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise TimeoutError(f"the settlement adapter did not answer in {timeout_s} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def resubmit(adapter: SettlementAdapter | None = None,
             older_than_s: float = RESUBMIT_AFTER_S) -> dict:
    """Resubmit batches still `submitted` more than `older_than_s` after their last submission
    (index status + submitted_at), oldest first."""
    adapter = adapter or RecordingAdapter()
    cutoff = datetime.now(timezone.utc) - timedelta(seconds=older_than_s)
    query = (collection(BATCHES).where(filter=FieldFilter("status", "==", "submitted"))
             .where(filter=FieldFilter("submitted_at", "<", cutoff))
             .order_by("submitted_at").limit(RESUBMIT_LIMIT))
    resubmitted, settled = [], []
    for snap in query.stream():
        snap.reference.update({"submitted_at": firestore.SERVER_TIMESTAMP,
                               "attempts": firestore.Increment(1)})
        batch = {k: v for k, v in snap.to_dict().items()
                 if k not in ("created_at", "submitted_at", "attempts")}
        resubmitted.append(snap.id)
        if submit(adapter, batch):
            settled.append(snap.id)
    return {"resubmitted": resubmitted, "settled": settled}


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
        txn.create(store.ref(BATCHES, batch["id"]), batch | {
            "created_at": firestore.SERVER_TIMESTAMP,
            "submitted_at": firestore.SERVER_TIMESTAMP, "attempts": 1})
        for s in snaps:
            txn.update(s.reference, {"settlement": batch["id"]})
        return batch

    return run_transaction(work, serialize_on=[f"settle:{book_id}"])


def wake_later(book_id: str) -> bool:
    """One named task per book per 10 s window; the one-minute sweep settles what it misses."""
    from shared.integrations.tasks import wake_later as wake

    return wake(TASK, f"exsettle-{book_id}", {"book": book_id}, delay_s=10, window_s=10)


def sweep(adapter: SettlementAdapter | None = None) -> dict:
    """Settle every book with pending fills, then resubmit the batches left unconfirmed."""
    query = collection(store.FILLS).where(filter=FieldFilter("settlement", "==", "pending")).limit(500)
    books = sorted({s.get("book") for s in query.stream()})
    return {"books": [settle(b, adapter) for b in books], "resubmitted": resubmit(adapter)}
