"""Run work in one Firestore transaction, retried with jittered backoff, or not at all.

Guarantees:
- `work(txn)` is the whole effect: it may run several times (contention), so it performs no side
  effects besides reads and buffered writes on `txn`.
- Contention (ABORTED, the emulator's lock timeout, deadlines) is retried until `deadline_s`;
  after that `Unavailable` (HTTP 503 with a retry hint) is raised and nothing was written.
- Domain errors raised by `work` propagate at once: they are answers, not contention.

Race timeline this guards against (two spends on one account):
  A reads acct (locks) ... B reads acct (waits on A's lock)
  A commits            ... B's read resumes with A's write, or aborts after the lock timeout
  B retries after a jittered pause, reads the new balance, and decides again.
"""
from __future__ import annotations

import logging
import random
import threading
import time
import zlib
from contextlib import ExitStack, contextmanager
from typing import Callable, Iterable, Iterator, TypeVar

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.domain.errors import Unavailable

from shared.store.client import db

T = TypeVar("T")
log = logging.getLogger(__name__)

# AlreadyExists counts as contention: work only creates documents it read as absent, so a create
# that collides means another transaction won the race; the retry re-reads and sees it.
CONTENTION = (gexc.Aborted, gexc.DeadlineExceeded, gexc.ServiceUnavailable, gexc.InternalServerError,
              gexc.TooManyRequests, gexc.ResourceExhausted, gexc.AlreadyExists)


def _is_contention(exc: BaseException) -> bool:
    if isinstance(exc, CONTENTION):
        return True
    # The client wraps a commit that kept aborting in a ValueError whose cause is Aborted.
    return isinstance(exc, ValueError) and isinstance(exc.__cause__, CONTENTION)


def is_closed_transaction(err: BaseException) -> bool:
    """Firestore ended the transaction before its commit: it ran too long (270 s, or 60 s idle),
    or another process rolled it back (store/exchange.roll_back_abandoned)."""
    text = str(err).lower()
    return isinstance(err, gexc.InvalidArgument) and "transaction" in text and (
        "invalid or closed" in text or "expired" in text or "no longer valid" in text)


_STRIPES = [threading.RLock() for _ in range(256)]


@contextmanager
def _serialized(keys: Iterable[str]) -> Iterator[None]:
    """Hold this process's lock stripes for `keys`, in a fixed order so two holders never wait
    on each other. Firestore's transactions stay the guarantee across processes; the stripes only
    stop one instance's concurrent requests from fighting over the same document (on the
    emulator, two read-then-write transactions on one document deadlock until a 2 s timeout)."""
    stripes = sorted({zlib.crc32(k.encode()) % len(_STRIPES) for k in keys})
    with ExitStack() as stack:
        for index in stripes:
            stack.enter_context(_STRIPES[index])
        yield


_KEYED: dict[str, list] = {}  # key -> [its lock, how many callers hold or wait for it]
_KEYED_GUARD = threading.Lock()


@contextmanager
def exclusive(keys: Iterable[str]) -> Iterator[None]:
    """Hold this process's own lock for each key (exact, where `serialize_on` shares 256 lock
    stripes among all keys), taken in sorted order. For work that touches many documents other
    work of this process may touch too (a settlement step: dozens of users' documents): without
    false sharing, unrelated steps still run in parallel, while steps on the same users take
    turns instead of deadlocking in the emulator until its lock timeout."""
    ordered = sorted(set(keys))
    with _KEYED_GUARD:
        entries = [_KEYED.setdefault(k, [threading.Lock(), 0]) for k in ordered]
        for entry in entries:
            entry[1] += 1
    held = []
    try:
        for entry in entries:
            entry[0].acquire()
            held.append(entry)
        yield
    finally:
        for entry in reversed(held):
            entry[0].release()
        with _KEYED_GUARD:
            for key, entry in zip(ordered, entries):
                entry[1] -= 1
                if entry[1] == 0:
                    del _KEYED[key]


def run_transaction(work: Callable[[firestore.Transaction], T], *, deadline_s: float = 10.0,
                    read_only: bool = False, serialize_on: Iterable[str] = ()) -> T:
    """Commit `work` once, retrying contention with full-jitter backoff until the deadline.

    `serialize_on` names the contended documents (usually the debited accounts) whose
    transactions this process runs one at a time.
    """
    with _serialized(serialize_on):
        return _run(work, deadline_s, read_only)


def _run(work: Callable[[firestore.Transaction], T], deadline_s: float, read_only: bool) -> T:
    started = time.monotonic()
    pause = 0.02
    attempt = 0
    while True:
        attempt += 1
        txn = db().transaction(max_attempts=3, read_only=read_only)
        try:
            return firestore.transactional(work)(txn)
        except Exception as exc:
            if read_only and is_closed_transaction(exc):
                # Reads that outlast a transaction's life: a retry would read as long again.
                log.error("read-only transaction closed", extra={"error": repr(exc)})
                raise Unavailable("the read took too long; retry shortly", retry_after_s=5) from exc
            if not _is_contention(exc):
                raise
            elapsed = time.monotonic() - started
            if elapsed + pause > deadline_s:
                log.warning("transaction gave up", extra={"attempts": attempt, "error": repr(exc)})
                raise Unavailable("the ledger is busy; retry shortly", retry_after_s=1) from exc
            time.sleep(random.uniform(0, pause))
            pause = min(pause * 2, 0.5)
