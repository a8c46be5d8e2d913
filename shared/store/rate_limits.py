"""Rate-limit counters held in Firestore, so every function instance sees the same count.

One document per (bucket, caller, window), incremented blind: no transaction, so concurrent
calls never contend. The commit answers the counter's value after the increment (the write
result's transform result), so one round trip both counts and reads; each call sees the count
its own increment made, so the limit is exact. Counters carry `expires_at` for a Firestore TTL
policy to delete them. Before any write for an anonymous caller (counted by IP), this
instance's pre-limit (shared.domain.rate_limits.PreLimit) refuses one it already knows to be
past the limit, without writing: anyone can send those calls, as fast as they like. A signed-in
caller's calls each pass authentication (a verified token and their user document) first.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

from google.cloud import firestore

from shared.domain.idempotency import derive_id
from shared.domain.errors import RateLimited
from shared.domain.rate_limits import Limit, PreLimit

from shared.store.client import collection

RATE_LIMITS = "rate_limits"


_PRE_LIMIT = PreLimit()
_PRE_LIMIT_LOCK = threading.Lock()  # requests of one instance may run on several threads


def hit(bucket: str, caller: str, limit: Limit, pre_limit: bool = False) -> None:
    now = time.time()
    if pre_limit:
        with _PRE_LIMIT_LOCK:
            _PRE_LIMIT.admit(bucket, caller, limit, now)
    window = limit.window(now)
    ref = collection(RATE_LIMITS).document(derive_id(bucket, caller, str(window)))
    expires = datetime.fromtimestamp((window + 2) * limit.seconds, tz=timezone.utc)
    result = ref.set({"count": firestore.Increment(1), "bucket": bucket, "expires_at": expires},
                     merge=True)
    [count] = result.transform_results  # the one transform: the increment
    try:
        limit.check(bucket, int(count.integer_value), now)
    except RateLimited:
        if pre_limit:
            with _PRE_LIMIT_LOCK:
                _PRE_LIMIT.refused(bucket, caller, limit, now)
        raise
