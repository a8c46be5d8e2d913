"""Portfolio valuation and history through the dev server."""
from __future__ import annotations

import pytest
import requests

from .helpers import key, ok, reconcile

pytestmark = pytest.mark.usefixtures("ledger")


def test_holdings_are_valued_in_usd_and_chips_and_history_comes_from_snapshots(
        api, admin_uid, server_url):
    for body in ({"code": "GOLD", "name": "Gold", "decimals": 2},
                 {"code": "IRON", "name": "Iron", "decimals": 0}):
        ok(api.call("POST", "admin_create_asset", admin_uid, idempotency_key=key(), json=body))
    for asset, usd in (("CHIP", 5_000_000), ("GOLD", 100_000_000)):
        ok(api.call("POST", "admin_set_price", admin_uid, idempotency_key=key(),
                    json={"asset": asset, "usd": usd, "btc": 1}))
    api.call("GET", "get_me", "ann")
    for asset, amount in (("GOLD", 250), ("IRON", 7)):
        ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                    json={"uid": "ann", "asset": asset, "amount": amount, "reason": "test setup"}))
    mine = ok(api.call("GET", "get_portfolio", "ann"))
    values = {h["asset"]: (h["value_usd"], h["value_platform"]) for h in mine["holdings"]}
    # 100.00 CHIP at 0.05 USD = 5 USD; 2.50 GOLD at 1 USD = 2.5 USD = 50.00 CHIP.
    assert values == {"CHIP": (500_000_000, 10_000), "GOLD": (250_000_000, 5_000),
                      "IRON": (None, None)}
    assert (mine["total_usd"], mine["total_platform"], mine["unpriced"]) == (750_000_000, 15_000,
                                                                             ["IRON"])
    assert ok(api.call("GET", "get_portfolio_history", "ann"))["points"] == []
    requests.post(f"{server_url}/job_snapshot_balances", timeout=30).raise_for_status()
    points = ok(api.call("GET", "get_portfolio_history", "ann", params={"days": 7}))["points"]
    assert [(p["value_usd"], p["value_platform"]) for p in points] == [(750_000_000, 15_000)]
    assert reconcile(api, admin_uid)["ok"]
