"""Helpers for purchase tests: packages, pending purchases, and delivering Stripe events (built
and signed by dev/stripe_events.py, re-exported here for the tests)."""
from __future__ import annotations

import uuid

from dev.stripe_events import dispute_event, event, payment_event, refund_event, sign

from .helpers import key, ok

__all__ = ["deliver", "dispute_event", "event", "package", "payment_event", "pending_purchase",
           "refund_event", "sign"]


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


def deliver(api, evt: dict, **signing):
    body, headers = sign(evt, **signing)
    return api.http.post(f"{api.base_url}/stripe_webhook", data=body, headers=headers, timeout=30)
