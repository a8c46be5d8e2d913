"""Readiness: whether this instance reaches Firestore now (`health` is liveness and never does).

One document read (the platform asset's, which need not exist: any answer is an answer) with a
short deadline and no retries, at most once per CACHE_S per instance: a load balancer probing
every second, or anyone calling the public function in a loop, costs at most one read a second
per instance.
"""
from __future__ import annotations

import threading
import time

from google.api_core import exceptions

from shared.config import settings
from shared.domain.errors import Unavailable
from shared.store.assets import ASSETS
from shared.store.client import collection

CACHE_S = 1.0
DEADLINE_S = 3.0
_lock = threading.Lock()
_last: tuple[float, float | None] = (float("-inf"), None)  # (checked at, latency_ms or None)


def check() -> dict:
    """{"status": "ready", "firestore_ms": ...}, or Unavailable(not_ready)."""
    global _last
    with _lock:
        at, latency_ms = _last
        if time.monotonic() - at >= CACHE_S:
            latency_ms = _probe()
            _last = (time.monotonic(), latency_ms)
    if latency_ms is None:
        raise Unavailable("Firestore does not answer this instance", code="not_ready",
                          retry_after_s=5)
    return {"status": "ready", "firestore_ms": round(latency_ms, 1)}


def _probe() -> float | None:
    started = time.perf_counter()
    try:
        collection(ASSETS).document(settings().platform_asset).get(retry=None,
                                                                    timeout=DEADLINE_S)
    except (exceptions.GoogleAPIError, exceptions.RetryError):
        return None
    return (time.perf_counter() - started) * 1000
