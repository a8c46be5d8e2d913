"""The Stripe webhook: verify, translate the event into a payment fact, apply it once.

Guarantees:
- Nothing is read or written before the signature on the raw body verifies (400 otherwise).
- Event types Mintbook has no use for, and payments that are not Mintbook purchases, answer 2xx
  so Stripe stops sending them.
- A fact that contradicts its purchase (PaymentIntent, amount, currency) is refused (422) and
  recorded in stripe_failures with its code; nothing else changes.
- Any other failure is recorded with its error and answers 5xx (503 for contention, else 500
  `processing_failed`), so Stripe retries; the retry (or an admin replay of the recorded
  payload) completes the effect and marks the failure resolved, in the same transaction.
"""
from __future__ import annotations

import json
import logging

from shared.config import settings
from shared.domain.errors import Failed, MintbookError, NotFound
from shared.integrations import stripe_client
from shared.store.purchases import find_by_payment_intent, get_failure, get_purchase, record_failure

from shared.services.purchases import effects
from shared.services.purchases.effects import PaymentFact, PurchaseRef

log = logging.getLogger("mintbook.stripe")

PAYMENT_KINDS = {"payment_intent.succeeded": effects.SUCCEEDED,
                 "payment_intent.payment_failed": effects.FAILED,
                 "payment_intent.canceled": effects.CANCELED}


def receive(payload: bytes, signature: str | None) -> dict:
    """The webhook: verify the raw body, then process; failures are recorded for replay."""
    event = stripe_client.verify(payload, signature)
    try:
        return process(event)
    except Exception as err:
        code = err.code if isinstance(err, MintbookError) else "processing_failed"
        record_failure(event["id"], event.get("type", ""), payload.decode("utf-8", "replace"),
                       code, str(err) or repr(err))
        log.warning("stripe event %s failed: %s", event["id"], code,
                    extra={"event_id": event["id"], "code": code})
        if isinstance(err, MintbookError):
            raise
        raise Failed(f"processing failed; recorded for replay as {event['id']}") from err


def replay(event_id: str) -> dict:
    """Admin: process a recorded failed delivery again (its signature verified on receipt)."""
    failure = get_failure(event_id)
    if failure is None:
        raise NotFound(f"no failed delivery {event_id!r}", field="event_id",
                       code="unknown_failed_delivery")
    event = json.loads(failure["payload"])
    try:
        return process(event)
    except Exception as err:
        code = err.code if isinstance(err, MintbookError) else "processing_failed"
        record_failure(event_id, event.get("type", ""), failure["payload"], code, str(err))
        raise


def process(event: dict) -> dict:
    event_id, event_type = event["id"], event.get("type", "")
    obj = (event.get("data") or {}).get("object") or {}
    fact = to_fact(event_type, obj)
    if fact is None:
        return {"event_id": event_id, "type": event_type, "outcome": "ignored"}
    purchase = purchase_for(obj, fact.payment_intent_id)
    if purchase is None:
        return {"event_id": event_id, "type": event_type, "outcome": "ignored: not a purchase"}
    outcome = effects.apply(event_id, event_type, purchase, fact)
    return {"event_id": event_id, "type": event_type, "purchase_id": purchase.id,
            "outcome": outcome}


def to_fact(event_type: str, obj: dict) -> PaymentFact | None:
    if event_type in PAYMENT_KINDS:
        amount = int(obj.get("amount_received") or obj.get("amount") or 0)
        return PaymentFact(PAYMENT_KINDS[event_type], obj["id"], amount, obj.get("currency", ""))
    if event_type == "charge.refunded":
        return PaymentFact(effects.REFUNDED, obj.get("payment_intent") or "",
                           refunded=int(obj.get("amount_refunded") or 0))
    if event_type == "charge.dispute.created":
        return PaymentFact(effects.DISPUTE_OPENED, obj.get("payment_intent") or "")
    if event_type == "charge.dispute.closed":
        won = obj.get("status") in ("won", "warning_closed")
        return PaymentFact(effects.DISPUTE_CLOSED, obj.get("payment_intent") or "", dispute_won=won)
    return None


def purchase_for(obj: dict, payment_intent_id: str) -> PurchaseRef | None:
    """The purchase named in PaymentIntent metadata (no read needed: the transaction checks
    it), else the one linked to the PaymentIntent."""
    metadata = obj.get("metadata") or {}
    if obj.get("object") == "payment_intent" and metadata.get("purchase_id") and metadata.get("uid"):
        purchase_id, uid = str(metadata["purchase_id"]), str(metadata["uid"])
        if "/" in purchase_id or ":" in uid or "/" in uid:
            return None
        return PurchaseRef(purchase_id, uid, settings().platform_asset)
    found = find_by_payment_intent(payment_intent_id) if payment_intent_id else None
    purchase = get_purchase(found) if found else None
    return PurchaseRef(purchase.id, purchase.uid, purchase.asset) if purchase else None
