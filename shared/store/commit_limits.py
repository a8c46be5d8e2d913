"""Firestore's limits on one commit, checked before the commit is sent.

Production refuses a commit of more than 500 writes, and a request past 10 MiB; the emulator
takes either. Work that can grow (settlement, plans, fan-outs) counts what it buffered in a
transaction or batch and raises `CommitTooLarge` before committing, so the caller retries it in
smaller pieces instead of learning the limit in production. MAX_BYTES is half of the request
limit: the margin keeps every commit well inside it.
"""
from __future__ import annotations

MAX_WRITES = 500
MAX_BYTES = 5 * 2**20


class CommitTooLarge(Exception):
    """The writes buffered for one commit exceed MAX_WRITES or MAX_BYTES."""

    def __init__(self, writes: int, size: int):
        super().__init__(f"one commit of {writes} writes and {size} bytes is past the limits "
                         f"({MAX_WRITES} writes, {MAX_BYTES} bytes)")
        self.writes, self.size = writes, size


def buffered(txn_or_batch: object) -> tuple[int, int]:
    """(writes, bytes) buffered so far in a transaction or a write batch."""
    writes = getattr(txn_or_batch, "_write_pbs")
    return len(writes), sum(w.ByteSize() for w in writes)


def require_within_limits(txn_or_batch: object) -> None:
    writes, size = buffered(txn_or_batch)
    if writes > MAX_WRITES or size > MAX_BYTES:
        raise CommitTooLarge(writes, size)
