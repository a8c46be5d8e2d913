"""The exchange through the dev server: two users trade a creator token against chips."""
from __future__ import annotations

import pytest

from .helpers import balance, error, key, ok, reconcile, set_chips

pytestmark = pytest.mark.usefixtures("ledger")
BOOK = "GOLD-CHIP"


def fee_account() -> int:
    from shared.store import ledger as ledger_store

    from shared.domain.accounts import SystemAccount, spread_account_id

    shares = [spread_account_id(SystemAccount.FEES, f"{BOOK}.{buyer}", "CHIP")  # each buyer's
              for buyer in ("sal", "bob")]                                    # share in the book
    return sum(a.balance for a in ledger_store.read(None, shares).accounts.values())


@pytest.fixture
def market(api, admin_uid):
    """GOLD exists, sal holds 1,000 GOLD and 10,000 chips, bob 100,000 chips; the book is open."""
    ok(api.call("POST", "admin_create_asset", admin_uid, idempotency_key=key(),
                json={"code": "GOLD", "name": "Gold creator", "decimals": 0, "kind": "creator"}))
    for uid in ("sal", "bob"):
        api.call("GET", "get_me", uid)
    ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                json={"uid": "sal", "asset": "GOLD", "amount": 1_000, "reason": "listing"}))
    set_chips(api, admin_uid, "bob", 100_000)
    ok(api.call("POST", "admin_create_book", admin_uid, idempotency_key=key(),
                json={"base": "GOLD", "tick_size": 1, "min_quantity": 1, "max_quantity": 500}))
    return BOOK


def place(api, uid, side, quantity, price, tif="gtc", type_="limit", idem=None):
    body = {"book": BOOK, "side": side, "type": type_, "tif": tif, "quantity": quantity}
    if price is not None:
        body["price"] = price
    return api.call("POST", "place_order", uid, idempotency_key=idem or key(), json=body)


def test_crossing_orders_fill_with_exact_fees_and_balances(api, admin_uid, market):
    first = ok(place(api, "sal", "sell", 10, 100))
    ok(place(api, "sal", "sell", 10, 102))
    assert (first["status"], first["held"]) == ("open", 10)

    taken = ok(place(api, "bob", "buy", 15, 102))
    # 10 @ 100 + 5 @ 102 = 1,510; bob holds 1,530 + ceil(7.65) = 1,538 and pays ceil(7.55) = 8.
    assert (taken["status"], taken["filled"], taken["notional"], taken["fees"]) == \
        ("filled", 15, 1_510, 8)
    assert taken["held"] == 1_538 and taken["average_price"] == "100.6667"
    # sal's makers: ceil(3.00) = 3 and ceil(1.53) = 2 in fees, so 1,000 - 3 + 510 - 2 = 1,505.
    assert balance(api, "bob") == {"asset": "CHIP", "available": 98_482, "committed": 0,
                                   "total": 98_482, "owed": 0}
    assert balance(api, "bob", "GOLD")["total"] == 15
    assert balance(api, "sal")["total"] == 11_505
    assert balance(api, "sal", "GOLD") == {"asset": "GOLD", "available": 980, "committed": 5,
                                           "total": 985, "owed": 0}
    assert fee_account() == 13

    depth = ok(api.call("GET", "get_depth", params={"book": BOOK}))
    assert (depth["asks"], depth["bids"], depth["last_price"]) == \
        ([{"price": 102, "quantity": 5}], [], 102)
    trades = ok(api.call("GET", "list_trades", params={"book": BOOK}))["items"]
    assert [(t["price"], t["quantity"], t["taker_side"]) for t in trades] == \
        [(102, 5, "buy"), (100, 10, "buy")]
    candle = ok(api.call("GET", "get_candles", params={"book": BOOK, "interval": "1m"}))["items"]
    assert [(c["open"], c["high"], c["low"], c["close"], c["volume"]) for c in candle] == \
        [(100, 102, 100, 102, 15)]
    assert reconcile(api, admin_uid)["ok"]


def test_ioc_fills_what_it_can_and_releases_the_rest(api, admin_uid, market):
    ok(place(api, "sal", "sell", 5, 102))
    ioc = ok(place(api, "bob", "buy", 10, 102, tif="ioc"))
    assert (ioc["status"], ioc["filled"], ioc["fees"]) == ("cancelled", 5, 3)
    assert balance(api, "bob") == {"asset": "CHIP", "available": 100_000 - 513, "committed": 0,
                                   "total": 100_000 - 513, "owed": 0}
    assert balance(api, "sal")["total"] == 10_000 + 510 - 2
    assert fee_account() == 5
    assert reconcile(api, admin_uid)["ok"]


def test_fok_that_cannot_fill_changes_nothing_and_frees_its_hold(api, admin_uid, market):
    ok(place(api, "sal", "sell", 5, 100))
    fok = ok(place(api, "bob", "buy", 6, 100, tif="fok"))
    assert (fok["status"], fok["filled"], fok["reason"]) == ("cancelled", 0, "fok_unfillable")
    assert balance(api, "bob")["available"] == 100_000
    whole = ok(place(api, "bob", "buy", 5, 100, tif="fok"))
    assert (whole["status"], whole["filled"]) == ("filled", 5)
    assert reconcile(api, admin_uid)["ok"]


def test_market_buy_is_bounded_by_its_price_cap(api, admin_uid, market):
    ok(place(api, "sal", "sell", 5, 100))
    ok(place(api, "sal", "sell", 5, 130))
    bought = ok(place(api, "bob", "buy", 10, 110, tif="ioc", type_="market"))
    assert (bought["status"], bought["filled"], bought["notional"]) == ("cancelled", 5, 500)
    assert balance(api, "bob")["committed"] == 0
    assert reconcile(api, admin_uid)["ok"]


def test_market_buy_without_a_price_stops_at_the_default_slippage(api, admin_uid, market):
    for price in (100, 105, 106):  # the default cap is the best ask + 5%: 105
        ok(place(api, "sal", "sell", 5, price))
    bought = ok(place(api, "bob", "buy", 20, None, tif="ioc", type_="market"))
    assert (bought["price"], bought["status"], bought["filled"], bought["notional"]) == \
        (105, "cancelled", 10, 1_025)
    depth = ok(api.call("GET", "get_depth", params={"book": BOOK}))
    assert depth["asks"] == [{"price": 106, "quantity": 5}]
    assert balance(api, "bob")["committed"] == 0
    assert reconcile(api, admin_uid)["ok"]


def test_orders_without_a_usable_price_are_refused(api, market):
    error(place(api, "bob", "buy", 5, None), 400, "price_required")
    error(place(api, "bob", "buy", 5, None, tif="ioc", type_="market"), 422, "no_liquidity")
    assert balance(api, "bob")["committed"] == 0


def test_self_trade_cancels_the_resting_order(api, admin_uid, market):
    resting = ok(place(api, "sal", "sell", 5, 100))
    ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                json={"uid": "sal", "asset": "CHIP", "amount": 10_000, "reason": "test setup"}))
    ok(place(api, "sal", "buy", 5, 100))
    mine = ok(api.call("GET", "list_my_orders", "sal"))["items"]
    by_id = {o["id"]: o for o in mine}
    assert (by_id[resting["id"]]["status"], by_id[resting["id"]]["reason"]) == \
        ("cancelled", "self_trade")
    assert balance(api, "sal", "GOLD")["committed"] == 0
    assert reconcile(api, admin_uid)["ok"]


def test_cancel_releases_the_hold_and_the_same_key_is_the_same_order(api, admin_uid, market):
    placed = ok(place(api, "bob", "buy", 10, 90, idem="client-order-1"))
    again = ok(place(api, "bob", "buy", 10, 90, idem="client-order-1"))
    assert again["id"] == placed["id"] and balance(api, "bob")["committed"] == 905
    gone = ok(api.call("POST", "cancel_order", "bob", idempotency_key=key(),
                       json={"order_id": placed["id"]}))
    assert (gone["status"], gone["reason"]) == ("cancelled", "cancelled_by_user")
    assert balance(api, "bob")["committed"] == 0
    error(api.call("POST", "cancel_order", "sal", idempotency_key=key(),
                   json={"order_id": placed["id"]}), 403, "not_your_order")
    assert reconcile(api, admin_uid)["ok"]


@pytest.mark.parametrize("quantity,price,code", [
    (0, 100, "invalid_input"), (501, 100, "quantity_above_maximum"),
    (10, 10**6, "insufficient_funds")])
def test_bad_orders_are_refused_and_hold_nothing(api, market, quantity, price, code):
    status = 422 if code == "insufficient_funds" else 400
    error(place(api, "sal", "buy", quantity, price), status, code)
    assert balance(api, "sal")["committed"] == 0


def test_estimate_walks_the_book_without_placing(api, market):
    ok(place(api, "sal", "sell", 5, 100))
    ok(place(api, "sal", "sell", 5, 102))
    est = ok(api.call("GET", "estimate_order", params={"book": BOOK, "side": "buy",
                                                        "quantity": 7}))
    assert (est["quantity"], est["notional"], est["fee"]) == (7, 704, 4)
    assert ok(api.call("GET", "get_depth", params={"book": BOOK}))["asks"][0]["quantity"] == 5


def test_open_orders_page_by_cursor_and_cancel_all_empties_them(api, admin_uid, market):
    placed = [ok(place(api, "bob", "buy", 1, price))["id"] for price in (90, 91, 92)]
    first = ok(api.call("GET", "list_my_orders", "bob", params={"open": "true", "limit": 2}))
    second = ok(api.call("GET", "list_my_orders", "bob",
                         params={"open": "true", "limit": 2, "cursor": first["next_cursor"]}))
    assert [o["id"] for o in first["items"] + second["items"]] == placed[::-1]
    assert second["next_cursor"] is None
    ok(api.call("POST", "cancel_all_orders", "bob", idempotency_key=key(), json={"book": BOOK}))
    from shared.services.exchange.orders import wait_for
    assert wait_for(placed[0], wait_s=3)["status"] == "cancelled"
    assert ok(api.call("GET", "list_my_orders", "bob", params={"open": "true"}))["items"] == []
    assert balance(api, "bob")["committed"] == 0
    history = ok(api.call("GET", "list_my_orders", "bob"))["items"]
    assert {o["status"] for o in history} == {"cancelled"} and len(history) == 3
    assert reconcile(api, admin_uid)["ok"]


def test_an_admin_halts_and_reopens_the_book_and_reads_the_dead_letters(api, admin_uid, market):
    def set_status(uid, status):
        return api.call("POST", "admin_set_book_status", uid, idempotency_key=key(),
                        json={"book": BOOK, "status": status, "reason": "maintenance"})

    resting = ok(place(api, "sal", "sell", 5, 100))
    error(set_status("bob", "halted"), 403, "role_required")
    halted = ok(set_status(admin_uid, "halted"))
    assert (halted["id"], halted["status"], halted["active"]) == (BOOK, "halted", False)
    error(place(api, "bob", "buy", 1, 100), 422, "book_halted")
    assert ok(api.call("GET", "get_depth", params={"book": BOOK}))["status"] == "halted"
    assert [b["status"] for b in ok(api.call("GET", "list_books"))["items"]] == ["halted"]
    cancelled = ok(api.call("POST", "cancel_order", "sal", idempotency_key=key(),
                            json={"order_id": resting["id"]}))
    from shared.services.exchange.orders import wait_for
    assert cancelled["status"] == "cancelled" or wait_for(resting["id"], 3)["status"] == \
        "cancelled"
    assert balance(api, "sal", "GOLD")["committed"] == 0

    assert ok(set_status(admin_uid, "open"))["status"] == "open"
    assert ok(place(api, "bob", "buy", 1, 100))["status"] == "open"
    error(api.call("GET", "admin_list_dead_letters", "bob"), 403, "role_required")
    assert ok(api.call("GET", "admin_list_dead_letters", admin_uid)) == {"items": [],
                                                                         "next_cursor": None}
