"""Rate limits are counted in Firestore, per user, across every function.

Each test's callers are new names, so that no other test's calls in the same window count."""
from __future__ import annotations

import time
import uuid

import pytest

from .helpers import error

pytestmark = pytest.mark.usefixtures("ledger")


def test_the_101st_call_in_a_minute_is_refused_with_a_retry_hint(api):
    from shared.domain.rate_limits import LIMITS

    general = LIMITS["general"]
    if general.seconds - time.time() % general.seconds < 30:  # start in a fresh window
        time.sleep(general.seconds - time.time() % general.seconds + 0.5)
    ann, ben = f"ann-{uuid.uuid4().hex[:8]}", f"ben-{uuid.uuid4().hex[:8]}"
    statuses = [api.call("GET", "get_balances" if n % 2 else "get_me", ann).status_code
                for n in range(general.calls)]
    refused = api.call("GET", "get_balances", ann)
    assert set(statuses) == {200}
    body = error(refused, 429, "rate_limited")
    assert body["details"]["bucket"] == "general"
    assert 1 <= int(refused.headers["Retry-After"]) <= general.seconds + 1
    assert api.call("GET", "get_me", ben).status_code == 200  # other users are unaffected


def test_trading_has_its_own_bucket_of_100_a_minute(api, admin_uid):
    from shared.domain.rate_limits import LIMITS

    from .helpers import key, ok

    ok(api.call("POST", "admin_create_asset", admin_uid, idempotency_key=key(),
                json={"code": "GOLD", "name": "Gold creator", "decimals": 0, "kind": "creator"}))
    ok(api.call("POST", "admin_create_book", admin_uid, idempotency_key=key(),
                json={"base": "GOLD"}))
    trading = LIMITS["trading"]
    if trading.seconds - time.time() % trading.seconds < 30:  # start in a fresh window
        time.sleep(trading.seconds - time.time() % trading.seconds + 0.5)
    tia = f"tia-{uuid.uuid4().hex[:8]}"
    statuses = [api.call("POST", "cancel_all_orders", tia, idempotency_key=key(),
                         json={"book": "GOLD-CHIP"}).status_code for _ in range(trading.calls)]
    refused = api.call("POST", "cancel_all_orders", tia, idempotency_key=key(),
                       json={"book": "GOLD-CHIP"})
    assert set(statuses) == {200}
    assert error(refused, 429, "rate_limited")["details"]["bucket"] == "trading"
    assert api.call("GET", "get_me", tia).status_code == 200  # other buckets are unaffected
