"""Rate limits: how many calls a caller may make per window, per bucket.

Fixed windows: a call at time t counts in window floor(t / seconds). Buckets are named by what
they protect; users are counted by uid, anonymous callers by IP.
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


LIMITS: dict[str, Limit] = {
    "general": Limit(100, 60),
    "auth": Limit(10, 60),        # per IP
    "forecasts": Limit(10, 60),
    "trading": Limit(100, 60),
    "purchases": Limit(5, 3600),
}
