"""Rate limits: how many calls a caller may make per window, per bucket.

Fixed windows: a call at time t counts in window floor(t / seconds). Buckets are named by what
they protect; users are counted by uid, anonymous callers by IP ("public", whose size is
configuration, and "auth").

`PreLimit` is what one instance remembers between calls: a caller it has already counted past
the limit in a window, or seen more often than the limit in it on its own, is refused without
writing the shared counter. Both conditions imply the shared count is past the limit too, so
the pre-limit never refuses a call the shared counter would accept; it only keeps a caller who
hammers one instance from turning their counter document into a hot document (at most
`calls + 1` writes per window from each instance).
"""
from __future__ import annotations

from typing import NamedTuple

from shared.domain.errors import RateLimited


class Limit(NamedTuple):
    calls: int
    seconds: int

    def window(self, now_s: float) -> int:
        return int(now_s // self.seconds)

    def check(self, bucket: str, count: int, now_s: float) -> None:
        """Raise RateLimited once `count` (this call included) exceeds the limit."""
        if count > self.calls:
            retry = int(self.seconds - now_s % self.seconds) + 1
            raise RateLimited(f"{bucket}: at most {self.calls} calls per {self.seconds} s",
                              code="rate_limited", details={"bucket": bucket, "limit": self.calls,
                                                            "window_s": self.seconds,
                                                            "retry_after_s": retry})


PUBLIC = "public"

LIMITS: dict[str, Limit] = {
    "general": Limit(100, 60),
    "auth": Limit(10, 60),        # per IP
    "forecasts": Limit(10, 60),
    "trading": Limit(100, 60),
    "purchases": Limit(5, 3600),
    PUBLIC: Limit(100, 60),       # per IP; the calls are shared.config's public_calls_per_minute
}


class PreLimit:
    """Per-instance counts of (bucket, caller) in the current window; memory stays bounded:
    past `max_keys` callers, counts of finished windows are dropped, then all of them (the
    shared counter stays exact without them)."""

    def __init__(self, max_keys: int = 50_000) -> None:
        self.max_keys = max_keys
        self._counts: dict[tuple[str, str, int], int] = {}
        self._ends: dict[tuple[str, str, int], float] = {}

    def __len__(self) -> int:
        """How many (bucket, caller, window) counts this instance holds."""
        return len(self._counts)

    def admit(self, bucket: str, caller: str, limit: Limit, now_s: float) -> None:
        """Count the call here; raise RateLimited if it is already known to be past the limit."""
        key = self._key(bucket, caller, limit, now_s)
        self._counts[key] = self._counts.get(key, 0) + 1
        limit.check(bucket, self._counts[key], now_s)

    def refused(self, bucket: str, caller: str, limit: Limit, now_s: float) -> None:
        """The shared counter refused the call: refuse the rest of the window here."""
        self._counts[self._key(bucket, caller, limit, now_s)] = limit.calls + 1

    def _key(self, bucket: str, caller: str, limit: Limit, now_s: float
             ) -> tuple[str, str, int]:
        window = limit.window(now_s)
        key = (bucket, caller, window)
        if key not in self._counts:
            if len(self._counts) >= self.max_keys:
                self._forget(now_s)
            self._ends[key] = (window + 1) * limit.seconds
        return key

    def _forget(self, now_s: float) -> None:
        live = [k for k, end in self._ends.items() if end > now_s]
        if len(live) >= self.max_keys:
            live = []
        self._counts = {k: self._counts[k] for k in live if k in self._counts}
        self._ends = {k: self._ends[k] for k in live}
