"""The Stripe webhook endpoint: raw body in, signature checked, event applied once.

Not an @endpoint: Stripe sends no Firebase token and no Idempotency-Key, and the signature must
be checked on the exact bytes received, before any JSON parsing. Answers: 200 when applied (or
ignored, or a duplicate), 400 for a bad signature or payload, 422 for a payment that does not
match its purchase, 503/500 when processing failed (Stripe retries). Without
MINTBOOK_STRIPE_WEBHOOK_SECRET it answers 500 to everything and logs why: it never runs
unverified.
"""
from __future__ import annotations

import logging
import time
import uuid

from flask import Request, Response

from shared.domain.errors import MintbookError, Unavailable
from shared.web import logs
from shared.web.endpoint import endpoint
from shared.web.envelope import respond
from shared.web.errors import describe, status_for

log = logging.getLogger("mintbook.stripe")
MAX_BODY_BYTES = 512 * 1024


def stripe_webhook(request: Request) -> Response:
    from shared.integrations.stripe_client import StripeNotConfigured, webhook_secret
    from shared.services.purchases import webhook as service

    logs.configure()
    rid = request.headers.get("X-Request-Id") or uuid.uuid4().hex
    token = logs.request_id.set(rid)
    started = time.perf_counter()
    outcome: dict = {}
    try:
        webhook_secret()  # refuse to run at all without the secret, before reading anything
        if request.method != "POST":
            return respond(405, errors=[{"code": "method_not_allowed", "field": "method",
                                         "message": "stripe_webhook accepts POST"}])
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return respond(413, errors=[{"code": "payload_too_large", "field": "body",
                                         "message": "body too large"}])
        result = service.receive(request.get_data(cache=False),
                                 request.headers.get("Stripe-Signature"))
        outcome = result
        return respond(200, data=result)
    except StripeNotConfigured as err:
        log.critical("stripe webhook not configured: %s", err)
        return respond(500, errors=[{"code": "not_configured", "field": None,
                                     "message": "the webhook is not configured"}])
    except MintbookError as err:
        headers = {"Retry-After": str(err.retry_after_s)} if isinstance(err, Unavailable) else {}
        return respond(status_for(err), errors=[describe(err)], headers=headers)
    except Exception:
        log.exception("stripe webhook processing failed")
        return respond(500, errors=[{"code": "processing_failed", "field": None,
                                     "message": f"processing failed; request id {rid}"}])
    finally:
        log.info("stripe_webhook %s %s", outcome.get("type"), outcome.get("outcome"),
                 extra={"function": "stripe_webhook", "request_id": rid, **outcome,
                        "latency_ms": round((time.perf_counter() - started) * 1000, 1)})
        logs.request_id.reset(token)


def _describe(ctx: object, body: object) -> None:
    """Never called: only its spec is used, so the OpenAPI document describes the webhook."""


# Built by the decorator (not Spec(...) directly) so this stays in step with the endpoint specs.
stripe_webhook.spec = endpoint(  # type: ignore[attr-defined]
    "stripe_webhook", method="POST", auth=None, rate_limit=None, idempotent=False,
    summary="Stripe webhook (signed by Stripe; verified on the raw body)",
    errors=("invalid_signature", "invalid_payload", "amount_mismatch", "currency_mismatch",
            "payment_intent_mismatch", "uid_mismatch"))(_describe).spec
