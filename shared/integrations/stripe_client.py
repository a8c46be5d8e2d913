"""Stripe, through Stripe's own library: one client per process, and webhook verification.

Configuration (environment, read at first use):
- STRIPE_SECRET_KEY: the API key (locally any "sk_test_..." value works against localstripe).
- MINTBOOK_STRIPE_API_BASE: where the API lives; unset in production (api.stripe.com), the
  localstripe address locally. Same code path either way: only the base address differs.
- MINTBOOK_STRIPE_WEBHOOK_SECRET: the endpoint's signing secret. There is no default and no
  "skip verification" mode: without it the webhook refuses to run (StripeNotConfigured).
The stripe package is imported inside the functions: cold starts of other functions skip it.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from typing import Any

from shared.domain.errors import Failed, InvalidInput

TOLERANCE_S = 300


class StripeNotConfigured(Failed):
    """A required Stripe setting is missing: the function must not run without it (HTTP 500)."""

    code = "not_configured"


def webhook_secret() -> str:
    secret = os.environ.get("MINTBOOK_STRIPE_WEBHOOK_SECRET", "")
    if not secret:
        raise StripeNotConfigured("MINTBOOK_STRIPE_WEBHOOK_SECRET is not set: the Stripe webhook "
                                  "refuses to run without its signing secret")
    return secret


@lru_cache(maxsize=1)
def client() -> Any:
    import stripe

    key = os.environ.get("STRIPE_SECRET_KEY") or ("sk_test_local" if _api_base() else "")
    if not key:
        raise StripeNotConfigured("STRIPE_SECRET_KEY is not set")
    base = _api_base()
    options: dict[str, Any] = {"max_network_retries": 2}
    if base:
        options["base_addresses"] = {"api": base}
    return stripe.StripeClient(key, **options)


def _api_base() -> str | None:
    return os.environ.get("MINTBOOK_STRIPE_API_BASE") or None


def verify(payload: bytes, signature: str | None) -> dict:
    """The event, if `payload` is signed with our secret within the tolerance; else 400."""
    import stripe

    secret = webhook_secret()
    try:
        # The library checks the signature on the raw bytes; the verified bytes are then parsed
        # as plain JSON (construct_event would build a StripeObject only for us to unwrap it).
        stripe.WebhookSignature.verify_header(payload, signature or "", secret,
                                              tolerance=TOLERANCE_S)
        event = json.loads(payload)
    except stripe.SignatureVerificationError:
        raise InvalidInput("the Stripe signature does not verify", field="Stripe-Signature",
                           code="invalid_signature") from None
    except ValueError:  # includes json.JSONDecodeError and undecodable bytes
        raise InvalidInput("the body is not a Stripe event", field="body",
                           code="invalid_payload") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise InvalidInput("the body is not a Stripe event", field="body", code="invalid_payload")
    return event


def create_payment_intent(*, amount: int, currency: str, purchase_id: str, uid: str) -> dict:
    intent = client().v1.payment_intents.create(
        {"amount": amount, "currency": currency,
         "metadata": {"purchase_id": purchase_id, "uid": uid}},
        {"idempotency_key": purchase_id})
    return intent.to_dict()


def retrieve_payment_intent(payment_intent_id: str) -> dict:
    return client().v1.payment_intents.retrieve(payment_intent_id).to_dict()


def cancel_payment_intent(payment_intent_id: str) -> dict:
    return client().v1.payment_intents.cancel(payment_intent_id).to_dict()


def refunded_total(payment_intent_id: str) -> int:
    """The cumulative amount refunded on a PaymentIntent, from its succeeded refunds."""
    refunds = client().v1.refunds.list({"payment_intent": payment_intent_id, "limit": 100})
    return sum(int(r.amount) for r in refunds.auto_paging_iter() if r.status == "succeeded")
