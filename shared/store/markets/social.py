"""Documents of the markets' social side, and writes that happen at most once.

Guarantees:
- `create_once` and `create_many_once` never overwrite: a document whose deterministic id exists
  is left as it is (a redelivered trigger or a rerun job cannot reset a notification to unread).
- `create_many_once` writes in batches of at most BATCH documents (Firestore's limit is 500 per
  commit); a batch that hits an existing document is retried document by document.
"""
from __future__ import annotations

from typing import Iterable

from google.api_core.exceptions import AlreadyExists, Conflict
from google.cloud import firestore

from shared.store.client import collection, db

BADGES, FOLLOWS, FEED = "badges", "follows", "market_feed"
NOTIFICATIONS, FLAGS, REMINDERS = "notifications", "forecast_flags", "market_reminders"
LEADERBOARDS = "leaderboards"
BATCH = 400


def follow_id(uid: str, category: str) -> str:
    return f"{uid}_{category}"


def create_once(ref: firestore.DocumentReference, data: dict) -> bool:
    """Create `ref` unless it exists; True when this call created it."""
    try:
        ref.create(data)
        return True
    except (AlreadyExists, Conflict):
        return False


def create_many_once(docs: Iterable[tuple[firestore.DocumentReference, dict]]) -> int:
    """Create each document that does not exist yet; the number created."""
    created, chunk = 0, []
    for item in docs:
        chunk.append(item)
        if len(chunk) == BATCH:
            created += _create_chunk(chunk)
            chunk = []
    return created + (_create_chunk(chunk) if chunk else 0)


def _create_chunk(chunk: list[tuple[firestore.DocumentReference, dict]]) -> int:
    batch = db().batch()
    for ref, data in chunk:
        batch.create(ref, data)
    try:
        batch.commit()
        return len(chunk)
    except (AlreadyExists, Conflict):
        return sum(1 for ref, data in chunk if create_once(ref, data))


def notification(uid: str, kind: str, **fields: object) -> dict:
    return {"owner": uid, "kind": kind, **fields, "read": False,
            "created_at": firestore.SERVER_TIMESTAMP}


def feed_entry(kind: str, uid: str, **fields: object) -> dict:
    return {"kind": kind, "uid": uid, **fields, "created_at": firestore.SERVER_TIMESTAMP}


def notifications() -> firestore.CollectionReference:
    return collection(NOTIFICATIONS)
