"""Functions anyone may call are limited per client IP, across instances.

A server of its own runs with a public limit of LIMIT calls a minute (the local stack's default
is high, since every local caller shares 127.0.0.1; production's is 100) and one trusted proxy
hop: tests write X-Forwarded-For as a client would plus the entry Google's front end appends.
A run that straddles a minute boundary splits its count over two windows, so it is repeated
with a fresh address instead of asserted on.
"""
from __future__ import annotations

import time

import pytest
import requests

from tests.support.api import Api
from tests.support.stack import env_for, extra_server

from .helpers import error, key, ok
from .purchases_helpers import event, sign

pytestmark = pytest.mark.usefixtures("ledger")
LIMIT = 5
ATTEMPTS = 4


@pytest.fixture
def limited(emulator, tmp_path):
    """An Api on a dev server whose public limit is LIMIT calls a minute per IP."""
    env = {**env_for(emulator), "MINTBOOK_PUBLIC_CALLS_PER_MIN": str(LIMIT),
           "MINTBOOK_TRUSTED_PROXY_HOPS": "1"}
    with extra_server(emulator, tmp_path / "limited-dev-server.log", env) as client:
        yield client


def in_one_minute(calls) -> list[requests.Response]:
    for attempt in range(ATTEMPTS):
        window = int(time.time() // 60)
        responses = calls(attempt)
        if int(time.time() // 60) == window:
            return responses
    pytest.fail("every attempt straddled a minute boundary")


def webhook(api: Api, evt: dict, headers: dict) -> requests.Response:
    body, signed = sign(evt)
    return api.http.post(f"{api.base_url}/stripe_webhook", data=body,
                         headers={**signed, **headers}, timeout=30)


def test_a_client_rewriting_x_forwarded_for_still_counts_in_its_own_bucket(limited, api):
    def calls(attempt: int) -> list[requests.Response]:
        # given one client (203.0.113.x as the front end saw it) that claims a new address
        # before it on every call, alternating between two server processes
        return [(limited, api)[n % 2 if n < LIMIT else 0].call(
                    "GET", "list_assets",
                    headers={"X-Forwarded-For": f"10.9.{n}.{n}, 203.0.113.{attempt + 1}"})
                for n in range(LIMIT + 1)]

    responses = in_one_minute(calls)
    # then it gets LIMIT answers and the next call is refused, wherever it went
    assert [r.status_code for r in responses] == [200] * LIMIT + [429]
    refused = error(responses[-1], 429, "rate_limited")
    assert refused["details"]["bucket"] == "public"
    assert 1 <= int(responses[-1].headers["Retry-After"]) <= 61
    # and another client of the same front end is unaffected
    other = limited.call("GET", "list_assets", headers={"X-Forwarded-For": "198.51.100.77"})
    assert other.status_code == 200


def test_the_stripe_webhook_and_a_service_identity_are_never_counted_per_ip(limited, api,
                                                                              admin_uid):
    # given the app's backend, a service identity
    ok(api.call("GET", "get_me", "svc-web"))
    ok(api.call("POST", "admin_set_role", admin_uid, idempotency_key=key(),
                json={"uid": "svc-web", "role": "service", "reason": "server-side rendering"}))
    address = {"X-Forwarded-For": "192.0.2.200"}
    # when it and Stripe each call twice the limit from one address
    service = [limited.call("GET", "list_assets", "svc-web", headers=address)
               for _ in range(2 * LIMIT)]
    webhooks = [webhook(limited, event("customer.created", {"id": f"cus_{n}"}), address)
                for n in range(2 * LIMIT)]
    # then none is refused
    assert {r.status_code for r in service} == {200}
    assert {r.status_code for r in webhooks} == {200}
    # while an anonymous caller from that address still has its own full allowance
    anonymous = [limited.call("GET", "list_assets", headers=address) for _ in range(LIMIT)]
    assert {r.status_code for r in anonymous} == {200}
