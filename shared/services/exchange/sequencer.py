"""The sequencer: the single writer of one order book.

Guarantees:
- One holder at a time: a sequencer first takes the book's lease (book_leases/{id}), which bumps
  its epoch; every batch transaction re-reads the lease and refuses to commit unless it still
  holds that holder and epoch. A second sequencer, or one that was killed and comes back after
  its lease was taken, therefore commits nothing.
- Exactly once: a batch reads its commands in the same transaction that marks them processed,
  and skips any already processed, so even two holders racing on one epoch could not apply a
  command twice (the losing transaction aborts and re-reads). The book state, fills, trades,
  order statuses, candles, depth and the batch's postings commit together or not at all.
- A batch locks no user account: it reads no ledger document. Its postings (each order's
  ledger effects) are applied right after it commits, before its orders are announced, by
  order_settlement.py, one small transaction per posting, and by the one-minute sweep if that
  failed; a settlement failure never stops the book.
- No command is lost: commands stay `accepted` until a committed batch processes them; a holder
  re-checks for pending commands after releasing the lease, a busy wake-up becomes a named task,
  and the one-minute sweep wakes every book with pending commands.
- No command blocks its book: one that makes its batch fail for an unexpected reason is
  isolated by halving and, after three failures alone, rejected and dead-lettered
  (dead_letters.py); an invariant violation also halts the book.
- Cloud Tasks only wakes a sequencer; order comes from the commands' commit timestamps.
- Bounded shared writes: batches of one book commit at least pacing.GAP_S apart (so its head,
  depth and candles take at most two writes in any second; under load a
  batch takes everything that arrived meanwhile, up to BATCH_SIZE and the step budget). A batch
  reads its commands the time the last one took to get ready to commit (its query, reads and
  matching) before the gap ends, so that its own wait for the gap is short: a command that
  commits while a batch waits misses it and waits a whole gap more. The lease
  is written on acquire, on release and by a batch only in the second half of its term, each
  write paced the same way (across processes by the `written_at` it records). A run that stops
  for time (RUN_S) with commands left keeps the lease for KEEP_S, and the next run in the same
  process continues under it with no lease write; unclaimed, it is released.

- Bounded recovery: each attempt of a holder's transaction first records its id
  (book_transactions/{book}). A holder killed inside a batch leaves that transaction open, with
  locks on the lease, head and commands it read, for about 60 s; a successor that finds the
  lease expired rolls the recorded transaction back before taking the lease, so the book runs
  again within the lease plus a wake-up (README: the measured bound).

Race timeline (two sequencers, S1 holding epoch 3):
  S2 acquire: lease held and not expired -> busy, S2 leaves (a task retries after the lease TTL)
  S1 is killed mid-batch: its transaction never commits; its commands stay accepted
  lease expires; S2 rolls back S1's recorded transaction, acquires epoch 4 and processes them
  S1 (if only paused) resumes: its commit fails (rolled back) or its next batch reads
  epoch 4 != 3 -> lease_lost, nothing written
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from datetime import datetime, timezone
from typing import Iterable

from google.cloud import firestore

from shared.domain.errors import Conflict, Unavailable
from shared.store import exchange as store
from shared.store.transactions import run_transaction

from shared.services.exchange import dead_letters

from shared.services.exchange import netting, order_settlement
from shared.services.markets import pacing

log = logging.getLogger(__name__)
BATCH_SIZE = 200   # commands read per batch; the step budget (domain/exchange/batch.py) may take fewer
TASK = "task_exchange_sequence"
# A wake-up runs the book in the calling request's thread for about this long, then leaves the
# rest to a task: batches are paced, so an unbounded run would hold one placer's answer.
RUN_S = 3.0
# A run that stops for time with commands left keeps the lease this long for the next run in
# this process (under load the next placer's wake-up, moments later): it goes on at once, where
# a release and a new acquire would be two lease writes paced apart. Unclaimed, it is released.
KEEP_S = 1.0


def new_holder() -> str:
    return f"{os.getpid()}-{uuid.uuid4().hex[:12]}"


def acquire(book_id: str, holder: str) -> int | None:
    """The new epoch if this holder now holds the book; None if another live holder does."""
    lease_ref = store.ref(store.LEASES, book_id)

    def held_by_another(data: dict) -> bool:
        return data.get("holder") not in (None, holder) and data.get("expires", 0) > time.time()

    # A plain read first: a transaction would lock the lease, which the holder's every batch
    # reads and renews, so a busy book's wake-ups would stall its sequencer. If this read is
    # stale and the holder has just released, the holder's own last look after releasing
    # (run) still finds what this caller accepted.
    seen = lease_ref.get().to_dict() or {}
    if held_by_another(seen):
        return None
    if seen.get("holder") not in (None, holder):   # expired: its holder may have died mid-batch
        store.roll_back_abandoned(book_id, seen)
    pacing.pace(lease_ref.path, _written_at(seen))

    def work(txn: firestore.Transaction) -> int | None:
        snap = lease_ref.get(transaction=txn)
        data = snap.to_dict() if snap.exists else {}
        now = time.time()
        if held_by_another(data):
            return None
        epoch = int(data.get("epoch", 0)) + 1
        txn.set(lease_ref, {"holder": holder, "epoch": epoch, "expires": now + store.LEASE_S,
                            "written_at": now, "acquired_at": firestore.SERVER_TIMESTAMP})
        return epoch

    try:
        epoch = run_transaction(work, serialize_on=[f"lease:{book_id}"], deadline_s=5.0)
    except Unavailable:  # the lease is locked by a live (or dying) holder's batch: it is busy
        return None
    if epoch is not None:
        pacing.wrote(lease_ref.path)
    return epoch


def _written_at(lease: dict) -> datetime | None:
    at = lease.get("written_at")
    return datetime.fromtimestamp(at, timezone.utc) if at else None


def release(book_id: str, holder: str, epoch: int) -> None:
    lease_ref = store.ref(store.LEASES, book_id)
    pacing.pace(lease_ref.path, None)

    def work(txn: firestore.Transaction) -> None:
        snap = lease_ref.get(transaction=txn)
        if snap.exists and snap.get("holder") == holder and snap.get("epoch") == epoch:
            txn.update(lease_ref, {"holder": None, "expires": 0, "written_at": time.time()})

    run_transaction(work, serialize_on=[f"lease:{book_id}"])
    pacing.wrote(lease_ref.path)


def run(book_id: str, holder: str | None = None, max_batches: int = 40,
        max_s: float | None = None) -> dict:
    """Process pending commands of a book until none are left (or `max_batches`, or about
    `max_s` seconds: then a task goes on)."""
    holder = holder or new_holder()
    processed = batch_count = 0
    deadline = time.monotonic() + max_s if max_s is not None else float("inf")
    book_path = store.ref(store.STATES, book_id).path
    while batch_count < max_batches and time.monotonic() < deadline:
        kept = _claim_kept(book_id)
        if kept is not None:
            holder, epoch = kept
        else:
            epoch = acquire(book_id, holder)
        if epoch is None:
            return {"book": book_id, "status": "busy", "processed": processed}
        keep, ids = False, []
        try:
            lingered, lead = False, 0.0
            while batch_count < max_batches and time.monotonic() < deadline:
                pacing.pace(book_path, None, lead_s=lead)
                began = time.monotonic()
                ids = store.pending_command_ids(book_id, BATCH_SIZE)
                if not ids and processed and not lingered:
                    # Under a steady flow the next command is less than a batch gap away:
                    # waiting that long once keeps the lease (its acquire and release are
                    # paced writes too) instead of releasing and taking it again.
                    lingered = True
                    pacing.pace(book_path, None)
                    continue
                if not ids:
                    break
                lingered = False
                # Every batch rewrites the book's shared documents (head, depth, candles): under
                # load batches coalesce in time instead, each taking what arrived while the last
                # one was paced (its commit is paced: batches.run_under_lease).
                done = dead_letters.process(book_id, holder, epoch, ids)
                lead = min(max(done.ready_at - began, 0.0), pacing.GAP_S)
                processed += done.commands
                batch_count += 1
                # Its orders' ledger effects, before a waiting placer is told: it then sees
                # settled balances. A settlement that fails is the sweep's; the book goes on.
                order_settlement.settle(done.postings, book_id)
                progress.announce(done.orders)
            keep = max_s is not None and time.monotonic() >= deadline and bool(ids)
        except Conflict as err:
            if err.code == "lease_lost":
                return {"book": book_id, "status": "lease_lost", "processed": processed}
            raise
        finally:
            if keep:
                _keep(book_id, holder, epoch)
            else:
                release(book_id, holder, epoch)
        if keep:
            wake_later(book_id, delay_s=int(KEEP_S) + 1)   # after an unclaimed release
            return {"book": book_id, "status": "more", "processed": processed}
        # A command committed after our last query but before the release would otherwise wait
        # for the sweep: look once more now that anyone may take the lease.
        if not store.pending_command_ids(book_id, 1):
            if processed:
                netting.wake_later(book_id)
            return {"book": book_id, "status": "idle", "processed": processed}
    wake_later(book_id, delay_s=0)
    return {"book": book_id, "status": "more", "processed": processed}


_kept: dict[str, tuple[str, int]] = {}   # book -> (holder, epoch) a run kept the lease as
_kept_lock = threading.Lock()


def _keep(book_id: str, holder: str, epoch: int) -> None:
    with _kept_lock:
        _kept[book_id] = (holder, epoch)
    timer = threading.Timer(KEEP_S, _release_unclaimed, (book_id, holder, epoch))
    timer.daemon = True
    timer.start()


def _claim_kept(book_id: str) -> tuple[str, int] | None:
    with _kept_lock:
        return _kept.pop(book_id, None)


def _release_unclaimed(book_id: str, holder: str, epoch: int) -> None:
    with _kept_lock:
        if _kept.get(book_id) != (holder, epoch):
            return   # a later run took it over
        del _kept[book_id]
    try:
        release(book_id, holder, epoch)
    except Exception:  # noqa: BLE001 - the lease then expires; the task or sweep goes on
        log.exception("could not release a kept lease", extra={"book": book_id})


class _Local:
    """This process's runner of one book: concurrent wake-ups here coalesce into one loop."""

    def __init__(self) -> None:
        self.running = threading.Lock()
        self.counting = threading.Lock()
        self.wanted = 0

    def want(self) -> int:
        with self.counting:
            self.wanted += 1
            return self.wanted


class _Progress:
    """The orders whose results this process's batches committed, so that a waiting placer reads
    its order once, when it changed, instead of at every batch; an order another process
    sequences is still seen by the waiter's slow poll. Remembers the latest MAX orders."""

    MAX = 10_000

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._orders: OrderedDict[str, None] = OrderedDict()

    def announce(self, order_ids: Iterable[str]) -> None:
        with self._changed:
            for order_id in order_ids:
                self._orders[order_id] = None
            while len(self._orders) > self.MAX:
                self._orders.popitem(last=False)
            self._changed.notify_all()

    def wait(self, order_id: str, timeout: float) -> bool:
        """True once a local batch committed a result for `order_id`; False after `timeout`."""
        with self._changed:
            return self._changed.wait_for(lambda: order_id in self._orders, timeout)


_local: dict[str, _Local] = {}
progress = _Progress()
_local_guard = threading.Lock()


def wake(book_id: str) -> dict:
    """Make sure the book's sequencer runs after this call's commit.

    Timeline (A runs the book here, B's order commits meanwhile):
      A: seen = wanted; run() ...            B: commit; want() -> wanted += 1; lock busy: return
      A: run() returns; wanted != seen -> A runs again and finds B's command.
    If B's want() came before A read `seen`, B's commit came before A's run() queried. Across
    processes the lease decides; a busy lease leaves a task for when it may have expired.
    """
    with _local_guard:
        local = _local.setdefault(book_id, _Local())
    local.want()
    outcome = {"book": book_id, "status": "running_here", "processed": 0}
    while local.running.acquire(blocking=False):
        try:
            seen = local.wanted
            outcome = _run_safely(book_id)
        finally:
            local.running.release()
        if local.wanted == seen or outcome["status"] != "idle":
            break
    if outcome["status"] in ("busy", "lease_lost"):
        wake_later(book_id, delay_s=max(int(store.LEASE_S), 1))
    return outcome


def _run_safely(book_id: str) -> dict:
    try:
        return run(book_id, max_s=RUN_S)
    except Exception:  # the commands are safe (accepted); the task and sweep will process them
        log.exception("sequencer run failed", extra={"book": book_id})
        wake_later(book_id, delay_s=1)
        return {"book": book_id, "status": "failed"}


def wake_later(book_id: str, delay_s: int) -> bool:
    """A named task per book per window coalesces wake-ups; the sweep catches a lost one."""
    from shared.integrations.tasks import wake_later as wake

    return wake(TASK, f"exseq-{book_id}-{delay_s}", {"book": book_id}, delay_s=delay_s,
                window_s=delay_s)


def sweep() -> dict:
    """Wake every book that has accepted commands (the one-minute safety net)."""
    books = store.books_with_pending()
    return {"books": [wake(book_id) for book_id in books]}

