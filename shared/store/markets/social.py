"""Documents of the markets' social side, and writes that happen at most once.

Guarantees:
- `create_once` never overwrites: a document whose deterministic id exists is left as it is (a
  redelivered trigger or a rerun job cannot reset a notification to unread).
- Writes in bulk go in batches of at most BATCH documents (Firestore's limit is 500 per commit).
"""
from __future__ import annotations

from google.api_core.exceptions import AlreadyExists, Conflict
from google.cloud import firestore

from shared.store.client import collection

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


def notification(uid: str, kind: str, **fields: object) -> dict:
    return {"owner": uid, "kind": kind, **fields, "read": False,
            "created_at": firestore.SERVER_TIMESTAMP}


def feed_entry(kind: str, uid: str, **fields: object) -> dict:
    return {"kind": kind, "uid": uid, **fields, "created_at": firestore.SERVER_TIMESTAMP}


def notifications() -> firestore.CollectionReference:
    return collection(NOTIFICATIONS)
