"""Stripe events as Stripe sends them, for the tests, the simulation and the benchmarks.

Guarantees:
- The builders return event dicts shaped as Stripe's (id, type, created, data.object) for the
  purchase `p` they are about: a dict with id, uid, payment_intent_id, amount and currency, as a
  pending purchase is. Each event gets a fresh id unless one is given.
- `sign` signs a payload with the Stripe library exactly as Stripe (or localstripe) signs it; by
  default with the secret this process's webhook verifies with (MINTBOOK_STRIPE_WEBHOOK_SECRET,
  else the local one the dev stack uses).
Nothing here is deployed: dev/ is for running and checking the code locally.
"""
from __future__ import annotations

import json
import os
import time
import uuid


def event(type_: str, obj: dict, event_id: str | None = None) -> dict:
    return {"id": event_id or f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "type": type_,
            "created": int(time.time()), "livemode": False, "api_version": "2024-06-20",
            "data": {"object": obj}}


def payment_event(kind: str, p: dict, *, amount: int | None = None, currency: str | None = None,
                  event_id: str | None = None) -> dict:
    """payment_intent.<kind> ("succeeded", "payment_failed", ...) for purchase `p`."""
    amount = p["amount"] if amount is None else amount
    return event(f"payment_intent.{kind}", {
        "id": p["payment_intent_id"], "object": "payment_intent", "amount": amount,
        "amount_received": amount if kind == "succeeded" else 0,
        "currency": currency or p["currency"], "status": kind,
        "metadata": {"purchase_id": p["id"], "uid": p["uid"]}}, event_id)


def refund_event(p: dict, cumulative: int, event_id: str | None = None) -> dict:
    """charge.refunded for purchase `p`, `cumulative` refunded so far (as Stripe reports it)."""
    return event("charge.refunded", {
        "id": "ch_" + p["payment_intent_id"][3:], "object": "charge", "amount": p["amount"],
        "amount_refunded": cumulative, "currency": p["currency"],
        "payment_intent": p["payment_intent_id"], "refunded": cumulative >= p["amount"],
        "metadata": {}}, event_id)


def dispute_event(kind: str, p: dict, status: str = "needs_response") -> dict:
    """charge.dispute.<kind> ("created", "closed", ...) for purchase `p`."""
    return event(f"charge.dispute.{kind}", {
        "id": "dp_" + p["payment_intent_id"][3:], "object": "dispute", "amount": p["amount"],
        "currency": p["currency"], "payment_intent": p["payment_intent_id"], "status": status})


def sign(evt: dict, *, secret: str | None = None,
         timestamp: int | None = None) -> tuple[bytes, dict]:
    """The body and headers of a delivery of `evt`, signed at `timestamp` (default: now)."""
    import stripe

    if secret is None:
        from dev.stack import LOCAL_STRIPE_WEBHOOK_SECRET

        secret = os.environ.get("MINTBOOK_STRIPE_WEBHOOK_SECRET", LOCAL_STRIPE_WEBHOOK_SECRET)
    payload = json.dumps(evt)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    # The Content-Type Stripe sends with every delivery.
    return payload.encode(), {"Stripe-Signature": header,
                              "Content-Type": "application/json; charset=utf-8"}
