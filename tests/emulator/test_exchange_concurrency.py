"""Concurrent trading through the dev server: many placers on one book, and cancels racing fills.
Whoever wins each race, no unit of either asset appears or vanishes and every order ends in a
state its fills explain."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .helpers import balance, key, ok, reconcile, set_chips

pytestmark = pytest.mark.usefixtures("ledger")
BOOK = "GOLD-CHIP"
TRADERS = [f"t{n}" for n in range(8)]


@pytest.fixture
def traders(api, admin_uid):
    ok(api.call("POST", "admin_create_asset", admin_uid, idempotency_key=key(),
                json={"code": "GOLD", "name": "Gold", "decimals": 0, "kind": "creator"}))
    for uid in TRADERS:
        api.call("GET", "get_me", uid)
        set_chips(api, admin_uid, uid, 50_000)
        ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                    json={"uid": uid, "asset": "GOLD", "amount": 100, "reason": "listing"}))
    ok(api.call("POST", "admin_create_book", admin_uid, idempotency_key=key(),
                json={"base": "GOLD"}))
    return TRADERS


def place(api, uid, side, quantity, price, tif="gtc"):
    return ok(api.call("POST", "place_order", uid, idempotency_key=key(),
                       json={"book": BOOK, "side": side, "tif": tif, "quantity": quantity,
                             "price": price}))


def settle_all() -> None:
    """Process whatever a busy wake-up left for a task, as the sweep would. The server may still
    hold the lease (a run that stopped for time keeps it 1 s for its next run, then releases it
    unclaimed): this process's run answers busy until then."""
    from shared.services.exchange import sequencer
    from shared.store import exchange as store

    deadline = time.monotonic() + 30
    while store.pending_command_ids(BOOK, 1) and time.monotonic() < deadline:
        if sequencer.run(BOOK)["status"] == "busy":
            time.sleep(0.2)
    assert store.pending_command_ids(BOOK, 1) == []


def totals(api) -> tuple[int, int, int]:
    from shared.store import ledger as ledger_store

    gold = sum(balance(api, uid, "GOLD")["total"] for uid in TRADERS)
    chips = sum(balance(api, uid)["total"] for uid in TRADERS)
    from shared.domain.accounts import SystemAccount, spread_account_id

    shares = [spread_account_id(SystemAccount.FEES, f"{BOOK}.{uid}", "CHIP")  # each buyer's share
              for uid in TRADERS]
    fees = sum(a.balance for a in ledger_store.read(None, shares).accounts.values())
    return gold, chips, fees


def check_orders_match_their_fills(api) -> None:
    for uid in TRADERS:
        orders = ok(api.call("GET", "list_my_orders", uid, params={"limit": 100}))["items"]
        fills = ok(api.call("GET", "list_my_fills", uid, params={"limit": 100}))["items"]
        for order in orders:
            mine = [f for f in fills if f["order_id"] == order["id"]]
            assert order["filled"] == sum(f["quantity"] for f in mine)
            assert order["fees"] == sum(f["fee"] for f in mine)
            assert order["status"] != "pending"


def test_many_placers_on_one_book_conserve_both_assets(api, admin_uid, traders):
    def trade(n: int) -> dict:
        uid = TRADERS[n % len(TRADERS)]
        side = "buy" if n % 2 else "sell"
        return place(api, uid, side, 1 + n % 4, 100 + n % 5 - (2 if side == "sell" else 0))

    with ThreadPoolExecutor(max_workers=8) as pool:
        placed = list(pool.map(trade, range(48)))
    settle_all()
    assert len({p["id"] for p in placed}) == 48
    gold, chips, fees = totals(api)
    assert gold == 800 and chips + fees == 8 * 50_000 and fees > 0
    check_orders_match_their_fills(api)
    assert reconcile(api, admin_uid)["ok"]


def test_a_cancel_racing_a_fill_ends_one_way_or_the_other(api, admin_uid, traders):
    for _ in range(6):
        resting = place(api, "t0", "sell", 5, 100)
        with ThreadPoolExecutor(max_workers=2) as pool:
            cancel = pool.submit(lambda: api.call("POST", "cancel_order", "t0",
                                                  idempotency_key=key(),
                                                  json={"order_id": resting["id"]}))
            taker = pool.submit(place, api, "t1", "buy", 5, 100, "ioc")
            cancel.result(), taker.result()
        settle_all()
        final = [o for o in ok(api.call("GET", "list_my_orders", "t0"))["items"]
                 if o["id"] == resting["id"]][0]
        assert final["status"] in ("filled", "cancelled")
        assert final["filled"] in (0, 5)
    gold, chips, fees = totals(api)
    assert gold == 800 and chips + fees == 8 * 50_000
    assert balance(api, "t0", "GOLD")["committed"] == 0
    check_orders_match_their_fills(api)
    assert reconcile(api, admin_uid)["ok"]
