"""Helpers for purchase tests: packages and pending purchases, and Stripe events signed with the
Stripe library exactly as Stripe (or localstripe) signs them."""
from __future__ import annotations

import json
import time
import uuid

import stripe

from dev.stack import LOCAL_STRIPE_WEBHOOK_SECRET

from .helpers import key, ok


def package(api, admin: str, *, tokens: int = 100, bonus: int = 0, price: int = 1_000,
            currency: str = "usd", **extra) -> dict:
    body = {"name": f"{tokens} chips", "tokens": tokens, "bonus": bonus, "price": price,
            "currency": currency, **extra}
    return ok(api.call("POST", "admin_create_package", admin, json=body, idempotency_key=key()))


def pending_purchase(uid: str, pkg: dict) -> dict:
    """A pending purchase linked to a made-up PaymentIntent id, as create_purchase leaves it
    once Stripe answered (for webhook tests that need no Stripe API)."""
    from shared.domain.idempotency import Operation
    from shared.services.purchases import checkout as service
    from shared.services.users import ensure_user
    from shared.store.client import collection
    from shared.store.purchases import PURCHASES

    user = ensure_user(uid)
    op = Operation.of(uid, "create_purchase", key(), {"package_id": pkg["id"]})
    purchase = service._record_pending(op, user, service.get_package(pkg["id"]))
    pi_id = f"pi_{uuid.uuid4().hex[:20]}"
    collection(PURCHASES).document(purchase.id).update({"payment_intent_id": pi_id})
    return {"id": purchase.id, "uid": uid, "payment_intent_id": pi_id, "amount": purchase.amount,
            "currency": purchase.currency}


def event(type_: str, obj: dict, event_id: str | None = None) -> dict:
    return {"id": event_id or f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "type": type_,
            "created": int(time.time()), "livemode": False, "api_version": "2024-06-20",
            "data": {"object": obj}}


def payment_event(kind: str, p: dict, *, amount: int | None = None, currency: str | None = None,
                  event_id: str | None = None) -> dict:
    amount = p["amount"] if amount is None else amount
    return event(f"payment_intent.{kind}", {
        "id": p["payment_intent_id"], "object": "payment_intent", "amount": amount,
        "amount_received": amount if kind == "succeeded" else 0,
        "currency": currency or p["currency"], "status": kind,
        "metadata": {"purchase_id": p["id"], "uid": p["uid"]}}, event_id)


def refund_event(p: dict, cumulative: int, event_id: str | None = None) -> dict:
    return event("charge.refunded", {
        "id": "ch_" + p["payment_intent_id"][3:], "object": "charge", "amount": p["amount"],
        "amount_refunded": cumulative, "currency": p["currency"],
        "payment_intent": p["payment_intent_id"], "refunded": cumulative >= p["amount"],
        "metadata": {}}, event_id)


def dispute_event(kind: str, p: dict, status: str = "needs_response") -> dict:
    return event(f"charge.dispute.{kind}", {
        "id": "dp_" + p["payment_intent_id"][3:], "object": "dispute", "amount": p["amount"],
        "currency": p["currency"], "payment_intent": p["payment_intent_id"], "status": status})


def sign(evt: dict, *, secret: str = LOCAL_STRIPE_WEBHOOK_SECRET,
         timestamp: int | None = None) -> tuple[bytes, dict]:
    payload = json.dumps(evt)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    return payload.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


def deliver(api, evt: dict, **signing):
    body, headers = sign(evt, **signing)
    return api.http.post(f"{api.base_url}/stripe_webhook", data=body, headers=headers, timeout=30)
