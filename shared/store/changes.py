"""Change feeds: how a job finds what changed in a collection written at high rate.

A document on a feed carries, on every write, `feed` = "<feed name>.<bucket>" (the bucket a
stable hash of its id, one of BUCKETS) and `changed_at` = the commit's server timestamp. The
composite index (feed, changed_at) serves the job's query; it splits the sequential timestamp
over BUCKETS key ranges, so no index range takes more than 1/BUCKETS of the collection's write
rate, and the single-field index on `changed_at` is exempt (firestore.indexes.json).

A job follows each bucket from its checkpoint (change_feeds/{feed}.{bucket}): it reads the
documents changed at or after the checkpoint minus LAG_S, page by page, and moves the
checkpoint to the newest `changed_at` it handled. Commits can become visible slightly out of
timestamp order (the emulator does so; a commit in flight has a timestamp from before it is
visible), so the lag re-reads the last seconds on every run: a job that follows a feed must
therefore treat a document it has already handled as a no-op (read it, act on what it holds).
"""
from __future__ import annotations

import zlib
from datetime import datetime, timedelta, timezone
from typing import Iterator

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.store.client import collection

BUCKETS = 32
LAG_S = 30
CHECKPOINTS = "change_feeds"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def feed_fields(feed: str, doc_id: str) -> dict:
    """The fields every write of a document on `feed` carries."""
    return {"feed": f"{feed}.{zlib.crc32(doc_id.encode()) % BUCKETS}",
            "changed_at": firestore.SERVER_TIMESTAMP}


def changed(feed: str, collection_name: str, bucket: int, since: datetime,
            page_size: int) -> Iterator[list[firestore.DocumentSnapshot]]:
    """Pages of the bucket's documents changed at or after `since`, oldest first."""
    query = (collection(collection_name)
             .where(filter=FieldFilter("feed", "==", f"{feed}.{bucket}"))
             .where(filter=FieldFilter("changed_at", ">=", since))
             .order_by("changed_at").limit(page_size))
    after = None
    while True:
        page = list((query.start_after(after) if after is not None else query).stream())
        if not page:
            return
        yield page
        if len(page) < page_size:
            return
        after = page[-1]


def checkpoint(feed: str, bucket: int) -> datetime:
    """Where a job resumes the bucket: its last checkpoint minus the lag (see the module)."""
    snap = collection(CHECKPOINTS).document(f"{feed}.{bucket}").get()
    at = (snap.to_dict() or {}).get("changed_at") if snap.exists else None
    return (at - timedelta(seconds=LAG_S)) if at else EPOCH


def advance(feed: str, bucket: int, changed_at: datetime) -> None:
    collection(CHECKPOINTS).document(f"{feed}.{bucket}").set(
        {"changed_at": changed_at, "updated_at": firestore.SERVER_TIMESTAMP})
