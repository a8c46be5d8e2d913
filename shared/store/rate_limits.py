"""Rate-limit counters held in Firestore, so every function instance sees the same count.

One document per (bucket, caller, window), incremented blind and then read back: no
transaction, so concurrent calls never contend; under a race the count can only be higher than
exact, which errs on the side of the limit. Counters carry `expires_at` for a Firestore TTL
policy to delete them.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from google.cloud import firestore

from shared.domain.idempotency import derive_id
from shared.domain.rate_limits import LIMITS

from .client import collection

RATE_LIMITS = "rate_limits"


def hit(bucket: str, caller: str) -> None:
    limit = LIMITS[bucket]
    now = time.time()
    window = limit.window(now)
    ref = collection(RATE_LIMITS).document(derive_id(bucket, caller, str(window)))
    expires = datetime.fromtimestamp((window + 2) * limit.seconds, tz=timezone.utc)
    ref.set({"count": firestore.Increment(1), "bucket": bucket, "expires_at": expires}, merge=True)
    limit.check(bucket, int(ref.get(["count"]).get("count")), now)
