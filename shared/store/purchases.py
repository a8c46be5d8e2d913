"""Purchase documents: packages, purchases, processed Stripe events and failed deliveries.

Guarantees:
- packages/{id} and purchases/{id} round-trip their domain values; every write carries a
  `version` one higher than the one read.
- stripe_events/{event id} exists exactly when that event's effect committed (it is created in
  the same transaction as the ledger change), so a redelivery finds it and changes nothing.
- stripe_failures/{event id} keeps the raw payload and last error of a delivery that failed, for
  admins to list and replay; it is marked resolved when a later attempt succeeds.
- Every purchase write carries `status_shard` = "<status>.<crc32(id) % STATUS_SHARDS>". Lists by
  status and creation time (the admin monitor, the Stripe sync, the expiry of stale purchases)
  filter `status_shard in status_shards(...)` and order by `created_at` through the index
  (status_shard, created_at DESC): purchases being created land in STATUS_SHARDS key ranges
  instead of one, and `created_at` needs no single-field index (it is exempt).
- `sync_at` is when the Stripe sync checks the purchase next (domain SYNC_DELAYS) and
  `sync_checks` how often it has; the sync selects (status_shard in ..., sync_at <= now) through
  the index (status_shard, sync_at), and the field is deleted after the last check, so a purchase
  leaves that index for good.
"""
from __future__ import annotations

import zlib

from datetime import datetime, timezone

from google.cloud import firestore

from shared.domain.purchases import (DisputeStatus, Package, Purchase, PurchaseStatus,
                                     next_sync_delay)

from shared.store import wire
from shared.store.client import collection

PACKAGES, PURCHASES = "packages", "purchases"
STRIPE_EVENTS, STRIPE_FAILURES = "stripe_events", "stripe_failures"
# Every status's shards fit one `in` filter: Firestore takes at most 30 values (a unit test checks).
STATUS_SHARDS = 7


def purchase_path(purchase_id: str) -> str:
    return f"{PURCHASES}/{purchase_id}"


def event_path(event_id: str) -> str:
    return f"{STRIPE_EVENTS}/{event_id}"


def failure_path(event_id: str) -> str:
    return f"{STRIPE_FAILURES}/{event_id}"


def status_shard(purchase_id: str, status: PurchaseStatus) -> str:
    return f"{status.value}.{zlib.crc32(purchase_id.encode()) % STATUS_SHARDS}"


def status_shards(*statuses: PurchaseStatus) -> list[str]:
    """The `status_shard` values of `statuses` (of every status when none is given)."""
    return [f"{s.value}.{n}" for s in statuses or tuple(PurchaseStatus)
            for n in range(STATUS_SHARDS)]


def package_from(package_id: str, d: dict) -> Package:
    return Package(id=package_id, name=d["name"], tokens=int(d["tokens"]), price=int(d["price"]),
                   currency=d["currency"], bonus=int(d.get("bonus", 0)),
                   active=bool(d.get("active", True)), sort_order=int(d.get("sort_order", 0)),
                   popular=bool(d.get("popular", False)), version=int(d.get("version", 0)))


def package_doc(p: Package) -> dict:
    return {"name": p.name, "tokens": p.tokens, "bonus": p.bonus, "price": p.price,
            "currency": p.currency, "active": p.active, "sort_order": p.sort_order,
            "popular": p.popular, "version": p.version, "updated_at": firestore.SERVER_TIMESTAMP}


def package_view(p: Package) -> dict:
    return {"id": p.id, "name": p.name, "tokens": p.tokens, "bonus": p.bonus, "price": p.price,
            "currency": p.currency, "active": p.active, "sort_order": p.sort_order,
            "popular": p.popular, "version": p.version}


def purchase_from(purchase_id: str, d: dict) -> Purchase:
    return Purchase(id=purchase_id, uid=d["uid"], package_id=d["package_id"], asset=d["asset"],
                    tokens=int(d["tokens"]), bonus=int(d.get("bonus", 0)), amount=int(d["amount"]), currency=d["currency"],
                    status=PurchaseStatus(d["status"]), payment_intent_id=d.get("payment_intent_id"),
                    refunded=int(d.get("refunded", 0)), clawed_back=int(d.get("clawed_back", 0)),
                    dispute=DisputeStatus(d.get("dispute", "none")),
                    dispute_held=int(d.get("dispute_held", 0)), version=int(d.get("version", 0)))


def purchase_doc(p: Purchase) -> dict:
    """The mutable state; `owner` mirrors uid so the shared owner-field rules apply."""
    return {"uid": p.uid, "owner": p.uid, "package_id": p.package_id, "asset": p.asset,
            "tokens": p.tokens, "bonus": p.bonus, "amount": p.amount, "currency": p.currency,
            "status": p.status.value, "status_shard": status_shard(p.id, p.status),
            "payment_intent_id": p.payment_intent_id,
            "refunded": p.refunded, "clawed_back": p.clawed_back, "dispute": p.dispute.value,
            "dispute_held": p.dispute_held, "version": p.version,
            "updated_at": firestore.SERVER_TIMESTAMP}


def purchase_view(p: Purchase, data: dict | None = None) -> dict:
    data = data or {}
    return {"id": p.id, "uid": p.uid, "package_id": p.package_id, "asset": p.asset,
            "tokens": p.tokens, "bonus": p.bonus, "amount": p.amount, "currency": p.currency,
            "status": p.status.value, "payment_intent_id": p.payment_intent_id,
            "refunded": p.refunded, "clawed_back": p.clawed_back, "dispute": p.dispute.value,
            "created_at": data.get("created_at"), "updated_at": data.get("updated_at")}


def get_purchase(purchase_id: str) -> Purchase | None:
    snap = collection(PURCHASES).document(purchase_id).get()
    return purchase_from(snap.id, snap.to_dict()) if snap.exists else None


def find_by_payment_intent(payment_intent_id: str) -> str | None:
    """The purchase id of a PaymentIntent; the link is written once and never changes."""
    query = (collection(PURCHASES)
             .where(filter=firestore.FieldFilter("payment_intent_id", "==", payment_intent_id))
             .limit(1))
    return next((s.id for s in query.stream()), None)


def record_event(txn: firestore.Transaction, event_id: str, event_type: str, purchase_id: str | None,
                 outcome: str) -> None:
    wire.create(txn, collection(STRIPE_EVENTS).document(event_id),
                {"type": event_type, "purchase_id": purchase_id, "outcome": outcome,
                 "at": firestore.SERVER_TIMESTAMP})


def record_failure(event_id: str, event_type: str, payload: str, code: str, message: str) -> None:
    """Outside any transaction: the failed attempt wrote nothing else."""
    collection(STRIPE_FAILURES).document(event_id).set(
        {"event_id": event_id, "type": event_type, "payload": payload, "code": code,
         "error": message[:2000], "resolved": False, "attempts": firestore.Increment(1),
         "last_attempt_at": firestore.SERVER_TIMESTAMP}, merge=True)


def get_failure(event_id: str) -> dict | None:
    snap = collection(STRIPE_FAILURES).document(event_id).get()
    return snap.to_dict() if snap.exists else None


def first_sync_check() -> dict:
    """The sync fields of a new purchase: its first check SYNC_DELAYS[0] from now."""
    return sync_checked(0, datetime.now(timezone.utc))


def sync_checked(checks_done: int, at: datetime) -> dict:
    """The sync fields after `checks_done` checks, the last at `at`."""
    delay = next_sync_delay(checks_done)
    return {"sync_checks": checks_done,
            "sync_at": at + delay if delay is not None else firestore.DELETE_FIELD}

