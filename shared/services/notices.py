"""Writing a user's notifications beside what they are about, and their mute settings.

Decision: a notification of a money movement is written inside the transaction that moves the
money (transfer, purchase effect, swap, reward), as one blind `set` of a new document whose id
derives from the operation. So it exists exactly when the money moved, costs one write per
notified user and no read inside the transaction (nothing is locked for it), and cannot fail on
its own: a set has no precondition, and a retried transaction writes the same id again. Order
fills and system cancellations come from the on_order_written trigger instead, since the
sequencer's batches are write-budgeted to the document (services/exchange/batches.py); the
trigger creates each once by an id derived from (order, filled quantity).

Guarantees:
- Muted kinds (notification_settings/{uid}.muted) are not written. Settings are read outside
  any transaction, at most once every SETTINGS_TTL_S per user and process (a mute takes effect
  within that time); a failed read counts as nothing muted, so reading settings can never fail
  or block the operation that notifies.
- Every notification carries `message` (shared/domain/notices.py) and the ids a client links
  to (transfer, purchase, offer, reward, order and book, market).
"""
from __future__ import annotations

import logging
import time

from google.cloud import firestore

from shared.domain import notices
from shared.domain.idempotency import derive_id
from shared.store import wire
from shared.store.client import collection, db
from shared.store.markets import social as social_store

log = logging.getLogger("mintbook.notices")
SETTINGS = "notification_settings"
SETTINGS_TTL_S = 5.0
_cache: dict[str, tuple[float, frozenset[str]]] = {}


def muted(uid: str) -> frozenset[str]:
    hit = _cache.get(uid)
    if hit and time.monotonic() - hit[0] < SETTINGS_TTL_S:
        return hit[1]
    try:
        snap = collection(SETTINGS).document(uid).get()
        kinds = frozenset((snap.to_dict() or {}).get("muted", [])) if snap.exists else frozenset()
    except Exception:  # noqa: BLE001 - a notification must never fail the money movement
        log.warning("notification settings of %s unreadable; nothing muted", uid, exc_info=True)
        return frozenset()
    _cache[uid] = (time.monotonic(), kinds)
    return kinds


def muted_many(uids: list[str]) -> dict[str, frozenset[str]]:
    """Settings of a fan-out page in one get_all (not cached: a page is read once)."""
    refs = [collection(SETTINGS).document(u) for u in uids]
    return {s.id: frozenset((s.to_dict() or {}).get("muted", []))
            for s in db().get_all(refs) if s.exists}


def doc(uid: str, kind: str, **fields: object) -> dict:
    return social_store.notification(uid, kind, message=notices.message(kind, fields), **fields)


def write(txn: firestore.Transaction, uid: str, kind: str, about: str, **fields: object) -> bool:
    """Set the notification `kind` about `about` (an operation or object id) for `uid` in
    `txn`, unless muted; True when written."""
    if kind in muted(uid):
        return False
    wire.set(txn, social_store.notifications().document(derive_id(kind, about, uid)),
             doc(uid, kind, **fields))
    return True


def settings(uid: str) -> dict:
    snap = collection(SETTINGS).document(uid).get()
    muted_kinds = (snap.to_dict() or {}).get("muted", []) if snap.exists else []
    return {"muted": sorted(muted_kinds), "mutable": list(notices.MUTABLE)}


def update_settings(uid: str, muted_kinds: list[str]) -> dict:
    kinds = sorted(set(muted_kinds))
    collection(SETTINGS).document(uid).set({"owner": uid, "muted": kinds,
                                            "updated_at": firestore.SERVER_TIMESTAMP})
    _cache[uid] = (time.monotonic(), frozenset(kinds))
    return {"muted": kinds, "mutable": list(notices.MUTABLE)}


def create(uid: str, kind: str, about: str, **fields: object) -> bool:
    """Create the notification once, outside any transaction (a trigger's: a redelivery finds
    it there and leaves it, read or not), unless muted; True when this call created it."""
    if kind in muted(uid):
        return False
    return social_store.create_once(
        social_store.notifications().document(derive_id(kind, about, uid)),
        doc(uid, kind, **fields))
