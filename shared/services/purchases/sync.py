"""Stripe sync, expiry of stale purchases, failed deliveries and the purchases reconciliation
check (the statistics are services/purchases/stats.py).

Guarantees:
- The scheduled sync asks Stripe about the purchases that are due (`sync_at` passed: a bounded
  schedule of checks per purchase, domain SYNC_DELAYS, so a run reads what is due rather than
  the window, and a purchase is checked at most len(SYNC_DELAYS) times); an admin's sync asks
  about every purchase created in the window that could still change (not canceled). Both
  apply what they find through
  effects.apply, the webhook's own code path: a fact already applied by a webhook changes
  nothing (by effect), and the sync's own event ids ("sync.<pi>.<fact>") dedupe repeated runs.
- Both jobs select purchases by status and creation time through the status shards
  (store/purchases.py), never through an index that puts every new purchase in one key range.
- Expiry cancels a stale pending purchase's PaymentIntent FIRST; if Stripe says it had in fact
  succeeded, the tokens are minted instead.
- purchase_drift: tokens minted for purchases (purchase + bonus transfers) minus tokens clawed
  back (clawback transfers, and posted dispute holds) equals, per purchase, the completed
  purchase's tokens + bonus minus its clawed_back; pending purchases have nothing minted.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.ledger import TransferType
from shared.domain.purchases import Purchase, PurchaseStatus
from shared.domain.reconciliation import Drift
from shared.integrations import stripe_client
from shared.store import wire
from shared.store.client import collection, db
from shared.store.ledger import TRANSFERS
from shared.store.purchases import PURCHASES, purchase_from, status_shards, sync_checked

from shared.services.purchases import effects
from shared.services.purchases.effects import PaymentFact

log = logging.getLogger("mintbook.stripe.sync")
SYNC_WINDOW = timedelta(days=3)
STALE_AFTER = timedelta(hours=1)
DUE_PER_RUN = 500   # a run checks at most this many; the rest are due at the next run


def sync(window: timedelta = SYNC_WINDOW) -> dict:
    """An admin's sync: every purchase of the window that could still change."""
    since = datetime.now(timezone.utc) - window
    return _check(_created(_could_change(), created_at=(">=", since)).stream())


def sync_due(now: datetime | None = None, limit: int = DUE_PER_RUN) -> dict:
    """The scheduled sync: purchases whose next check is due, each rescheduled (or retired)."""
    now = now or datetime.now(timezone.utc)
    due = list(collection(PURCHASES).where(filter=FieldFilter("status_shard", "in", _could_change()))
               .where(filter=FieldFilter("sync_at", "<=", now)).limit(limit).stream())
    result = _check(due)
    batch = db().batch()
    for snap in due:
        batch.update(snap.reference, sync_checked(int(snap.get("sync_checks") or 0) + 1, now))
    batch.commit()
    return result | {"due_left": len(due) == limit}


def _could_change() -> list[str]:
    return status_shards(PurchaseStatus.PENDING, PurchaseStatus.COMPLETED,
                         PurchaseStatus.FAILED)  # a canceled PaymentIntent is final


def _check(snaps) -> dict:
    checked, applied = 0, []
    for snap in snaps:
        purchase = purchase_from(snap.id, snap.to_dict())
        if not purchase.payment_intent_id:
            continue
        checked += 1
        try:
            applied += sync_purchase(purchase)
        except Exception as err:  # one bad purchase must not stop the others; it is logged
            log.error("sync of purchase %s failed: %r", purchase.id, err,
                      extra={"purchase_id": purchase.id})
            applied.append({"event_id": f"sync.{purchase.payment_intent_id}", "type": "sync",
                            "purchase_id": purchase.id,
                            "outcome": f"failed: {getattr(err, 'code', type(err).__name__)}"})
    return {"checked": checked, "applied": applied}


def sync_purchase(purchase: Purchase) -> list[dict]:
    """Apply what Stripe knows about one purchase's PaymentIntent and refunds."""
    pi_id = purchase.payment_intent_id or ""
    intent = stripe_client.retrieve_payment_intent(pi_id)
    facts: list[tuple[str, PaymentFact]] = []
    amount = int(intent.get("amount_received") or intent.get("amount") or 0)
    if intent["status"] == "succeeded":
        facts.append((f"sync.{pi_id}.succeeded", PaymentFact(
            effects.SUCCEEDED, pi_id, amount, intent.get("currency", ""))))
        refunded = stripe_client.refunded_total(pi_id)
        if refunded > purchase.refunded:
            facts.append((f"sync.{pi_id}.refunded.{refunded}",
                          PaymentFact(effects.REFUNDED, pi_id, refunded=refunded)))
    elif intent["status"] == "canceled" and purchase.status is PurchaseStatus.PENDING:
        facts.append((f"sync.{pi_id}.canceled", PaymentFact(effects.CANCELED, pi_id)))
    out = []
    for event_id, fact in facts:
        if fact.kind == effects.SUCCEEDED and purchase.minted:
            continue
        outcome = effects.apply(event_id, f"sync.{fact.kind}", purchase, fact)
        out.append({"event_id": event_id, "type": f"sync.{fact.kind}", "purchase_id": purchase.id,
                    "outcome": outcome})
    return out


def expire(stale_after: timedelta = STALE_AFTER) -> dict:
    """Cancel pending purchases older than `stale_after`; mint those that in fact succeeded."""
    before = datetime.now(timezone.utc) - stale_after
    expired = 0
    for snap in _created(status_shards(PurchaseStatus.PENDING), created_at=("<", before)).stream():
        purchase = purchase_from(snap.id, snap.to_dict())
        pi_id = purchase.payment_intent_id or ""
        if pi_id:
            intent = stripe_client.retrieve_payment_intent(pi_id)
            if intent["status"] not in ("succeeded", "canceled", "processing"):
                intent = stripe_client.cancel_payment_intent(pi_id)
            if intent["status"] != "canceled":
                sync_purchase(purchase)  # it succeeded (or is still processing): not ours to cancel
                continue
        effects.apply(f"expire.{purchase.id}", "expire", purchase,
                      PaymentFact(effects.CANCELED, pi_id))
        expired += 1
    return {"expired": expired}


def _created(shards: list[str], created_at: tuple[str, datetime]) -> firestore.Query:
    """Purchases in `shards` (store/purchases.py) by creation time, through the one index
    (status_shard, created_at DESC) that the admin monitor uses too."""
    return (collection(PURCHASES).where(filter=FieldFilter("status_shard", "in", shards))
            .where(filter=FieldFilter("created_at", *created_at))
            .order_by("created_at", direction=firestore.Query.DESCENDING))


def purchase_drift(txn: wire.Reads = None) -> list[Drift]:
    """The purchases check of reconciliation (see the module guarantees); pass reconciliation's
    read time (wire.ReadTime) to read at it."""
    net: dict[str, int] = defaultdict(int)
    for kind, sign in ((TransferType.PURCHASE, 1), (TransferType.BONUS, 1),
                       (TransferType.CLAWBACK, -1)):
        query = collection(TRANSFERS).where(filter=FieldFilter("type", "==", kind.value))
        for snap in wire.stream(query.select(["reference", "amount", "pending"]), txn):
            d = snap.to_dict()
            if not d.get("pending"):
                net[d.get("reference", "")] += sign * int(d["amount"])
    out = []
    for snap in wire.stream(collection(PURCHASES), txn):
        p = purchase_from(snap.id, snap.to_dict())
        expected = p.net_minted
        if net.get(p.id, 0) != expected:
            out.append(Drift("purchases", p.id, "minted", expected, net.get(p.id, 0)))
    return out


def failures(include_resolved: bool, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    from shared.store.pages import page
    from shared.store.purchases import STRIPE_FAILURES

    query = collection(STRIPE_FAILURES)
    if not include_resolved:
        query = query.where(filter=FieldFilter("resolved", "==", False))
    query = query.order_by("last_attempt_at", direction=firestore.Query.DESCENDING)
    docs, next_cursor = page(query, STRIPE_FAILURES, cursor, limit)
    keys = ("event_id", "type", "code", "error", "attempts", "resolved", "last_attempt_at")
    return [{k: d.to_dict().get(k) for k in keys} for d in docs], next_cursor
