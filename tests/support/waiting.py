"""Polling for effects that arrive asynchronously (triggers, tasks), with a hard deadline."""
from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout_s: float = 10.0,
               interval_s: float = 0.05, what: str = "the expected effect") -> T:
    """The first truthy value `probe` returns; AssertionError once `timeout_s` has passed."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} did not happen within {timeout_s}s")
        time.sleep(interval_s)
