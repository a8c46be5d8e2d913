"""Pacing: how work that writes one document again and again stays under two writes a second.

Production Firestore sustains about one write a second per document. A settlement's progress
documents and pools, and a fan-out's progress, are rewritten by every step of their work, so
each writer waits before writing such a document again:
- GAP_S after the moment the last commit from this process that wrote it returned (`wrote`),
  so two of its commits end at least GAP_S apart at Firestore, whatever a commit's latency;
- REMOTE_GAP_S after the time a document records for its last write (taken before that
  commit, maybe by another process), when this process did not make that write: the margin
  covers the other commit's latency.
Either way no such document takes more than two writes in any second.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

GAP_S = 0.6
REMOTE_GAP_S = 1.2
_done: dict[str, datetime] = {}  # document path -> when a commit of this process writing it ended
_lock = threading.Lock()


def pace(path: str, written_at: datetime | None, lead_s: float = 0.0) -> None:
    """Sleep until the document at `path` may be written again, or `lead_s` before that (a
    writer whose own work takes that long before it writes); `written_at`: the time it records
    for its last write, if any."""
    ours = _done.get(path)
    if ours is not None and (written_at is None or ours >= written_at):
        ready, gap = ours, GAP_S
    elif written_at is not None:
        ready, gap = written_at, REMOTE_GAP_S
    else:
        return
    wait = gap - lead_s - (datetime.now(timezone.utc) - ready).total_seconds()
    if wait > 0:
        time.sleep(min(wait, gap))


def wrote(*paths: str) -> None:
    """Record that a commit writing these documents has just returned."""
    now = datetime.now(timezone.utc)
    with _lock:
        if len(_done) > 10_000:  # forget documents not written for a minute
            for path, at in list(_done.items()):
                if (now - at).total_seconds() > 60:
                    del _done[path]
        for path in paths:
            _done[path] = now
