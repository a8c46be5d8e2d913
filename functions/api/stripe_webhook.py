"""The Stripe webhook endpoint: raw body in, signature checked, event applied once.

An endpoint like every other, with what makes it special: Stripe sends no Firebase token and no
Idempotency-Key (the event id de-duplicates), there is no rate limit, bodies up to 512 KiB are
accepted, and `fn` receives the exact bytes received so the signature is checked before any JSON
parsing. Answers: 200 when applied (or ignored, or a duplicate), 400 for a bad signature or
payload, 422 for a payment that does not match its purchase, 503 or 500 `processing_failed`
when processing failed (Stripe retries). Without MINTBOOK_STRIPE_WEBHOOK_SECRET it answers 500
`not_configured` and logs why: it never runs unverified.
"""
from __future__ import annotations

from shared.services.purchases import webhook
from shared.web.endpoint import Context, endpoint


@endpoint("stripe_webhook", method="POST", auth=None, rate_limit=None, idempotent=False,
          raw_body=True, max_body_bytes=512 * 1024,
          summary="Stripe webhook (signed by Stripe; verified on the raw body)",
          errors=("invalid_signature", "invalid_payload", "amount_mismatch", "currency_mismatch",
                  "payment_intent_mismatch", "uid_mismatch"))
def stripe_webhook(ctx: Context, payload: bytes) -> dict:
    return webhook.receive(payload, ctx.request.headers.get("Stripe-Signature"))
