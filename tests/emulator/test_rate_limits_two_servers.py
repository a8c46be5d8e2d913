"""A rate limit holds across function instances: calls of one caller spread alternately over two
dev-server processes are counted together, because the counters live in Firestore.

Calls are made one after another (not concurrently): the counter is incremented blind and read
back, so only sequential calls are counted exactly; concurrent ones could only be refused early.
A run that straddles a window boundary splits its count over two windows, so it is repeated
with a fresh caller instead of asserting on it (no timing assumption about a loaded machine).
"""
from __future__ import annotations

import time
import uuid
from typing import Callable

import pytest
import requests

from shared.domain.rate_limits import LIMITS

from .helpers import balance, error, key, ok
from .test_exchange_two_servers import second_server
from .test_markets_lifecycle import create_market

__all__ = ["second_server"]  # the fixture: a second dev-server process on the same emulator
pytestmark = pytest.mark.usefixtures("ledger")
ATTEMPTS = 4


def in_one_window(bucket: str, calls: Callable[[int], list[requests.Response]]
                  ) -> tuple[int, list[requests.Response]]:
    """calls(attempt) run inside a single window of `bucket`; returns (attempt, responses)."""
    limit = LIMITS[bucket]
    for attempt in range(ATTEMPTS):
        window = limit.window(time.time())
        responses = calls(attempt)
        if limit.window(time.time()) == window:
            return attempt, responses
    pytest.fail(f"every attempt straddled a {bucket} window boundary")


def test_forecast_limit_counts_calls_spread_over_two_server_processes(api, second_server,
                                                                       admin_uid):
    # given a market and a user with the welcome bonus
    limit, run = LIMITS["forecasts"], uuid.uuid4().hex[:8]
    market = create_market(api, admin_uid, "two-servers", closes_in_s=900)

    def commits(attempt: int) -> list[requests.Response]:
        uid = f"fan{attempt}-{run}"  # new names: no other test's calls count
        ok(api.call("GET", "get_me", uid))
        body = {"market_id": market["id"], "outcome": "yes", "amount": 1}
        # when the user commits 1 token 12 times, alternating between the two servers
        return [(api, second_server)[n % 2].call("POST", "commit_forecast", uid, json=body,
                                                 idempotency_key=key())
                for n in range(limit.calls + 2)]

    attempt, responses = in_one_window("forecasts", commits)
    # then exactly 10 are accepted in total, and both servers refuse the rest
    assert [r.status_code < 300 for r in responses] == [True] * 10 + [False] * 2
    for refused in responses[10:]:
        body = error(refused, 429, "rate_limited")
        assert body["details"] == {"bucket": "forecasts", "limit": 10, "window_s": 60,
                                   "retry_after_s": int(refused.headers["Retry-After"])}
        assert 1 <= int(refused.headers["Retry-After"]) <= 61
    # and only the accepted calls held tokens: 10 x 1 token committed
    assert balance(api, f"fan{attempt}-{run}")["committed"] == 10
    # and another user is unaffected, on either server
    for server in (api, second_server):
        ok(server.call("GET", "get_me", "other"))
        ok(server.call("POST", "commit_forecast", "other", idempotency_key=key(),
                       json={"market_id": market["id"], "outcome": "no", "amount": 1}))
    assert balance(api, "other")["committed"] == 2


def test_auth_limit_per_ip_counts_challenges_spread_over_two_server_processes(api,
                                                                              second_server):
    system_program = "11111111111111111111111111111111"  # a valid 32-byte Solana address

    def challenges(attempt: int) -> list[requests.Response]:
        # X-Forwarded-For's last hop is the client IP Google's front end reports
        # (192.0.2.x: the wallet tests pick 203.0.113.x at random, and an instance remembers
        # an address it refused for the rest of the window)
        headers = {"X-Forwarded-For": f"192.0.2.{attempt + 1}"}
        return [(api, second_server)[n % 2].call(
                    "POST", "wallet_challenge", headers=headers,
                    json={"chain": "solana", "address": system_program})
                for n in range(LIMITS["auth"].calls + 1)]

    # when one IP asks for 11 challenges, alternating between the two servers
    attempt, responses = in_one_window("auth", challenges)
    # then the first 10 get a challenge and the 11th is refused
    assert [r.status_code for r in responses] == [200] * 10 + [429]
    assert error(responses[10], 429, "rate_limited")["details"]["bucket"] == "auth"
    assert int(responses[10].headers["Retry-After"]) >= 1
    # and a caller from another IP is unaffected
    other = api.call("POST", "wallet_challenge", headers={"X-Forwarded-For": "198.51.100.7"},
                     json={"chain": "solana", "address": system_program})
    assert ok(other)["address"] == system_program
