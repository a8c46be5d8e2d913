"""Token packages and purchases: admin package management, creating a purchase, history.

Guarantees:
- Packages are edited with the version the admin read (VersionConflict, 409, when it moved).
- A purchase's price and tokens come from the package on the server, never from the client.
- Creating a purchase is idempotent per (user, Idempotency-Key): the purchase id IS the
  operation id, so a replay finds the same purchase and the same PaymentIntent (created with the
  purchase id as Stripe's idempotency key). The hourly limit counts the user's purchases of the
  last hour inside the creating transaction; Stripe is called only after it commits. The
  creating transaction records the new pending purchase for the statistics
  (store/purchase_stats.py); linking the PaymentIntent changes no statistic.
- The package document is read outside the transaction (like assets): many buyers of one
  package never lock it.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.config import settings
from shared.domain.errors import IdempotencyConflict, NotFound, VersionConflict
from shared.domain.idempotency import Operation
from shared.domain.purchases import (Package, Purchase, PurchaseStatus, check_limits,
                                     require_valid_package)
from shared.domain.purchase_stats import change
from shared.domain.users import User
from shared.integrations import stripe_client
from shared.store import purchase_stats as stats_store
from shared.store.client import collection
from shared.store.idempotency import run_idempotent
from shared.store.pages import page
from shared.store.purchases import (PACKAGES, PURCHASES, package_doc, package_from, package_view,
                                    first_sync_check, purchase_doc, purchase_from, purchase_view,
                                    status_shards)
from shared.store.transactions import run_transaction
from shared.store.users import record_audit



# -- packages --------------------------------------------------------------------------------

def create_package(op: Operation, admin: User, fields: dict) -> dict:
    package = require_valid_package(Package(id=op.id, **fields))
    ref = collection(PACKAGES).document(package.id)

    def work(txn: firestore.Transaction) -> dict:
        txn.create(ref, {**package_doc(package), "created_at": firestore.SERVER_TIMESTAMP})
        record_audit(txn, actor=admin.uid, action="create_package", target=package.id,
                     reason="package created", after=package_view(package))
        return package_view(package)

    return run_idempotent(op, work)


def update_package(op: Operation, admin: User, package_id: str, version: int, changes: dict) -> dict:
    ref = collection(PACKAGES).document(package_id)

    def work(txn: firestore.Transaction) -> dict:
        snap = ref.get(transaction=txn)
        if not snap.exists:
            raise NotFound(f"no package {package_id!r}", field="id", code="unknown_package")
        current = package_from(package_id, snap.to_dict())
        if current.version != version:
            raise VersionConflict("the package changed since you read it", field="version",
                                  details={"version": current.version})
        updated = require_valid_package(current._replace(**changes, version=current.version + 1))
        txn.set(ref, package_doc(updated), merge=True)
        record_audit(txn, actor=admin.uid, action="update_package", target=package_id,
                     reason="package edited", before=package_view(current),
                     after=package_view(updated))
        return package_view(updated)

    return run_idempotent(op, work)


def list_packages(cursor: str | None, limit: int, *,
                  include_inactive: bool = False) -> tuple[list[dict], str | None]:
    """A page of the packages in display order: sort order, then price, then id (Firestore ends
    every order with the document id, which is the package id). Only active ones unless asked:
    the shop must not page through retired packages it would hide."""
    query = collection(PACKAGES)
    if not include_inactive:
        query = query.where(filter=FieldFilter("active", "==", True))
    docs, next_cursor = page(query.order_by("sort_order").order_by("price"), PACKAGES, cursor,
                             limit)
    return [package_view(package_from(d.id, d.to_dict())) for d in docs], next_cursor


def get_package(package_id: str) -> Package:
    snap = collection(PACKAGES).document(package_id).get() if "/" not in package_id else None
    if snap is None or not snap.exists:
        raise NotFound(f"no package {package_id!r}", field="package_id", code="unknown_package")
    return package_from(snap.id, snap.to_dict())


# -- purchases -------------------------------------------------------------------------------

def create_purchase(op: Operation, user: User, package_id: str) -> dict:
    user.require_active()
    package = get_package(package_id)
    if not package.active:
        raise NotFound("this package is not on sale", field="package_id", code="package_inactive")
    purchase = _record_pending(op, user, package)
    intent = _payment_intent_for(purchase)
    return {"purchase_id": purchase.id, "payment_intent_id": intent["id"],
            "client_secret": intent["client_secret"], "amount": purchase.amount,
            "currency": purchase.currency, "tokens": purchase.tokens, "bonus": purchase.bonus,
            "status": purchase.status.value}


def _record_pending(op: Operation, user: User, package: Package) -> Purchase:
    ref = collection(PURCHASES).document(op.id)
    since = datetime.now(timezone.utc) - timedelta(hours=1)
    recent_query = (collection(PURCHASES).where(filter=FieldFilter("uid", "==", user.uid))
                    .where(filter=FieldFilter("created_at", ">=", since)).limit(5))

    def work(txn: firestore.Transaction) -> Purchase:
        snap = ref.get(transaction=txn)
        if snap.exists:
            if snap.get("fingerprint") != op.fingerprint:
                raise IdempotencyConflict("this Idempotency-Key was used for a different request",
                                          field="Idempotency-Key")
            return purchase_from(snap.id, snap.to_dict())
        recent = len(list(recent_query.stream(transaction=txn)))
        check_limits(package.price, recent, settings().max_purchase_amount)
        purchase = Purchase(id=op.id, uid=user.uid, package_id=package.id,
                            asset=settings().platform_asset, tokens=package.tokens,
                            bonus=package.bonus, amount=package.price, currency=package.currency)
        txn.create(ref, {**purchase_doc(purchase), "fingerprint": op.fingerprint,
                         "created_at": firestore.SERVER_TIMESTAMP, **first_sync_check()})
        stats_store.record(txn, stats_store.purchase_change_id(purchase.id, purchase.version),
                           change(None, purchase))
        return purchase

    return run_transaction(work, serialize_on=[f"purchases:{user.uid}"])


def _payment_intent_for(purchase: Purchase) -> dict:
    """Outside any transaction: Stripe's idempotency key (the purchase id) makes a retry safe."""
    if purchase.payment_intent_id:
        return stripe_client.retrieve_payment_intent(purchase.payment_intent_id)
    intent = stripe_client.create_payment_intent(amount=purchase.amount, currency=purchase.currency,
                                                 purchase_id=purchase.id, uid=purchase.uid)
    ref = collection(PURCHASES).document(purchase.id)

    def link(txn: firestore.Transaction) -> None:
        data = ref.get(transaction=txn).to_dict()
        if not data.get("payment_intent_id"):
            txn.update(ref, {"payment_intent_id": intent["id"],
                             "version": int(data.get("version", 0)) + 1,
                             "updated_at": firestore.SERVER_TIMESTAMP})

    run_transaction(link)
    return intent


def history(uid: str, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    query = (collection(PURCHASES).where(filter=FieldFilter("uid", "==", uid))
             .order_by("created_at", direction=firestore.Query.DESCENDING))
    docs, next_cursor = page(query, PURCHASES, cursor, limit)
    return [purchase_view(purchase_from(d.id, d.to_dict()), d.to_dict()) for d in docs], next_cursor


def monitor(*, status: str | None, uid: str | None, since: datetime | None,
            until: datetime | None, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    """Admin: purchases filtered by status, user and creation date, newest first. Without a
    user, the status (or every status) is a set of status shards (store/purchases.py)."""
    query = collection(PURCHASES)
    if uid is None:
        shards = status_shards(PurchaseStatus(status)) if status else status_shards()
        query = query.where(filter=FieldFilter("status_shard", "in", shards))
    else:  # one user's purchases: (status, uid, created_at) is per user, no hot range
        query = query.where(filter=FieldFilter("uid", "==", uid))
        if status:
            query = query.where(filter=FieldFilter("status", "==", status))
    for op, value in ((">=", since), ("<", until)):
        if value is not None:
            query = query.where(filter=FieldFilter("created_at", op, value))
    query = query.order_by("created_at", direction=firestore.Query.DESCENDING)
    docs, next_cursor = page(query, PURCHASES, cursor, limit)
    return [purchase_view(purchase_from(d.id, d.to_dict()), d.to_dict()) for d in docs], next_cursor
