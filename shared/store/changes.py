"""Change feeds: how a job finds what changed in a collection written at high rate.

A document on a feed carries, on every write, `feed` = "<feed name>.<bucket>" (the bucket a
stable hash of its id, one of BUCKETS) and `changed_at` = the commit's server timestamp. The
composite index (feed, changed_at) serves the job's query; it splits the sequential timestamp
over BUCKETS key ranges, so no index range takes more than 1/BUCKETS of the collection's write
rate, and the single-field index on `changed_at` is exempt (firestore.indexes.json).

A job follows each bucket from its checkpoint (change_feeds/{feed}.{bucket}): it reads the
documents changed at or after `since`, page by page, and moves the checkpoint to the newest
`changed_at` it handled. Commits can become visible slightly out of timestamp order (the
emulator does so; a commit in flight has a timestamp from before it is visible), so `since` is
the checkpoint minus LAG_S, re-reading the last seconds, unless a run started more than LAG_S
after the checkpoint (the checkpoint keeps `ran_at`): everything up to it was visible to that
run, so the next one reads only what is newer, and a quiet feed costs a query per bucket. A job
that follows a feed must still treat a document it has already handled as a no-op (read it, act
on what it holds), and calls `finish` after each bucket so a run with nothing new is recorded.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.store.client import collection

BUCKETS = 32
LAG_S = 30
LAG = timedelta(seconds=LAG_S)
CHECKPOINTS = "change_feeds"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def bucket(key: str) -> int:
    """The bucket of `key`: a stable hash, so a key always lands in the same one."""
    return zlib.crc32(key.encode()) % BUCKETS


def feed_fields(feed: str, doc_id: str) -> dict:
    """The fields every write of a document on `feed` carries."""
    return {"feed": f"{feed}.{bucket(doc_id)}", "changed_at": firestore.SERVER_TIMESTAMP}


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


@dataclass
class Checkpoint:
    """Where a job resumes one bucket of a feed, read when the job started on it."""

    feed: str
    bucket: int
    changed_at: datetime | None   # the newest change handled
    ran_at: datetime | None       # when the run that last wrote the checkpoint started
    started: datetime             # when this run started on the bucket

    @property
    def since(self) -> datetime:
        if self.changed_at is None:
            return EPOCH
        if self.ran_at is not None and self.ran_at - LAG > self.changed_at:
            return self.changed_at + timedelta(microseconds=1)   # all of it was visible then
        return self.changed_at - LAG

    def advance(self, changed_at: datetime) -> None:
        """Past a handled page whose newest change is `changed_at`."""
        self.changed_at, self.ran_at = changed_at, self.started
        self._write()

    def finish(self) -> None:
        """After the bucket: a run that started LAG_S after the newest change is recorded, so
        the next run reads nothing older (one write after each burst, none on a quiet feed)."""
        if (self.changed_at is not None and self.started - LAG > self.changed_at
                and (self.ran_at is None or self.ran_at - LAG <= self.changed_at)):
            self.ran_at = self.started
            self._write()

    def _write(self) -> None:
        collection(CHECKPOINTS).document(f"{self.feed}.{self.bucket}").set(
            {"changed_at": self.changed_at, "ran_at": self.ran_at,
             "updated_at": firestore.SERVER_TIMESTAMP})


def checkpoint(feed: str, bucket: int) -> Checkpoint:
    snap = collection(CHECKPOINTS).document(f"{feed}.{bucket}").get()
    data = (snap.to_dict() or {}) if snap.exists else {}
    return Checkpoint(feed, bucket, data.get("changed_at"), data.get("ran_at"),
                      datetime.now(timezone.utc))
