"""Rate limits are counted in Firestore, per user, across every function.

Each test's callers are new names, so that no other test's calls in the same window count."""
from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from .helpers import error

pytestmark = pytest.mark.usefixtures("ledger")


def in_one_window(seconds: int, attempt):
    """Run `attempt` (a limit's worth of calls and one more, by a new caller) within one
    rate-limit window. It starts at the start of a window; on a loaded machine the calls can
    still outlast it, and then the attempt is run again by a new caller."""
    for _ in range(3):
        time.sleep(seconds - time.time() % seconds + 0.2)
        window = time.time() // seconds
        result = attempt()
        if time.time() // seconds == window:
            return result
    pytest.fail("three attempts each outlasted a rate-limit window")


def test_the_101st_call_in_a_minute_is_refused_with_a_retry_hint(api):
    from shared.domain.rate_limits import LIMITS

    general = LIMITS["general"]

    def attempt():
        ann = f"ann-{uuid.uuid4().hex[:8]}"
        statuses = [api.call("GET", "get_balances" if n % 2 else "get_me", ann).status_code
                    for n in range(general.calls)]
        return statuses, api.call("GET", "get_balances", ann)

    statuses, refused = in_one_window(general.seconds, attempt)
    ben = f"ben-{uuid.uuid4().hex[:8]}"
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

    def attempt():
        tia = f"tia-{uuid.uuid4().hex[:8]}"

        def cancel_all(_: int):
            return api.call("POST", "cancel_all_orders", tia, idempotency_key=key(),
                            json={"book": "GOLD-CHIP"})

        with ThreadPoolExecutor(4) as pool:   # a cancel_all takes long on a loaded machine
            statuses = [r.status_code for r in pool.map(cancel_all, range(trading.calls))]
        return tia, statuses, cancel_all(trading.calls)

    tia, statuses, refused = in_one_window(trading.seconds, attempt)
    assert set(statuses) == {200}
    assert error(refused, 429, "rate_limited")["details"]["bucket"] == "trading"
    assert api.call("GET", "get_me", tia).status_code == 200  # other buckets are unaffected
