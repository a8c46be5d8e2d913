"""Prices through the dev server: a traded creator token counts at its last trade price, an
untraded one at its admin price; the price feed records history from a pluggable source."""
from __future__ import annotations

import pytest
import requests

from .helpers import key, ok, reconcile

pytestmark = pytest.mark.usefixtures("ledger")


def list_creator(api, admin: str, uid: str, symbol: str, supply: int = 1_000) -> None:
    api.call("GET", "get_me", uid)
    ok(api.call("POST", "admin_list_creator", admin, idempotency_key=key(),
                json={"uid": uid, "symbol": symbol, "name": f"{symbol} token",
                      "initial_supply": supply}))


def set_price(api, admin: str, asset: str, usd: int, btc: int) -> None:
    ok(api.call("POST", "admin_set_price", admin, idempotency_key=key(),
                json={"asset": asset, "usd": usd, "btc": btc}))


def place(api, uid: str, book: str, side: str, quantity: int, price: int) -> dict:
    return ok(api.call("POST", "place_order", uid, idempotency_key=key(),
                       json={"book": book, "side": side, "quantity": quantity, "price": price}))


def listed_prices(api) -> dict[str, tuple]:
    return {p["asset"]: (p["usd"], p["btc"], p["source"], p["last_trade_price"])
            for p in ok(api.call("GET", "list_prices"))["items"]}


def rate(api, base: str, quote: str, currency: str = "USD") -> tuple[int, int]:
    r = ok(api.call("GET", "get_conversion_rate",
                    params={"base": base, "quote": quote, "currency": currency}))
    return r["numerator"], r["denominator"]


@pytest.fixture
def traded(api, admin_uid):
    """CARA traded 40 at 50 (0.50 CHIP per CARA); DAVE never traded. CHIP is 0.05 USD."""
    list_creator(api, admin_uid, "cara", "CARA")
    list_creator(api, admin_uid, "dave", "DAVE")
    set_price(api, admin_uid, "CHIP", 5_000_000, 100_000)
    set_price(api, admin_uid, "CARA", 1_000_000, 20_000)
    set_price(api, admin_uid, "DAVE", 3_000_000, 60_000)
    assert rate(api, "CARA", "CHIP") == (20, 1)  # the admin price, before any trade
    api.call("GET", "get_me", "bob")
    place(api, "cara", "CARA-CHIP", "sell", 40, 50)
    assert listed_prices(api)["CARA"] == (1_000_000, 20_000, "admin", None)  # no trade yet
    assert place(api, "bob", "CARA-CHIP", "buy", 40, 50)["status"] == "filled"


def test_a_traded_creator_token_counts_at_its_last_trade_price(api, admin_uid, traded):
    # then CARA is worth 50 CHIP cents x 0.05 USD = 0.025 USD; DAVE keeps its admin price
    assert listed_prices(api) == {"CHIP": (5_000_000, 100_000, "admin", None),
                                  "CARA": (2_500_000, 50_000, "last_trade", 50),
                                  "DAVE": (3_000_000, 60_000, "admin", None)}
    # and rates use it: exactly the last price against its own quote, in either currency
    assert rate(api, "CARA", "CHIP") == (50, 1)
    assert rate(api, "CARA", "CHIP", "BTC") == (50, 1)
    assert rate(api, "DAVE", "CARA") == (6, 5)
    assert rate(api, "DAVE", "CHIP") == (60, 1)
    # when CARA trades again at 60, the newest print counts
    place(api, "cara", "CARA-CHIP", "sell", 10, 60)
    assert place(api, "bob", "CARA-CHIP", "buy", 10, 60)["status"] == "filled"
    assert listed_prices(api)["CARA"] == (3_000_000, 60_000, "last_trade", 60)
    assert rate(api, "CHIP", "CARA") == (1, 60)
    assert reconcile(api, admin_uid)["ok"]


def test_price_feed_records_each_price_that_counts_from_a_pluggable_source(
        api, admin_uid, server_url, traded):
    from shared.services.prices import feed

    # when the scheduled feed runs with the local source (the prices already set)
    run = requests.post(f"{server_url}/job_price_feed", timeout=60).json()["data"]
    assert run == {"changed": 0, "skipped": 0, "recorded": 3}
    # then each asset has a new history point: CARA's is its last trade price
    cara = ok(api.call("GET", "get_price_history", params={"asset": "CARA"}))["items"]
    assert [(p["usd"], p["btc"], p["source"], p["last_trade_price"]) for p in cara] == \
        [(2_500_000, 50_000, "last_trade", 50), (1_000_000, 20_000, "admin", None)]
    chip = ok(api.call("GET", "get_price_history", params={"asset": "CHIP"}))["items"]
    assert [(p["usd"], p["source"]) for p in chip] == [(5_000_000, "feed"), (5_000_000, "admin")]

    # when a production-like source quotes CHIP anew (and an asset that does not exist)
    def quotes(current: dict) -> dict[str, tuple[int, int]]:
        return {"CHIP": (6_000_000, 120_000), "NOPE": (1, 1),
                "DAVE": (current["DAVE"].usd, current["DAVE"].btc)}

    assert feed.run(source=quotes) == {"changed": 1, "skipped": 1, "recorded": 3}
    # then CHIP's price moved (set by the feed, version 2) and CARA follows through its quote
    prices = {p["asset"]: p for p in ok(api.call("GET", "list_prices"))["items"]}
    assert (prices["CHIP"]["usd"], prices["CHIP"]["source"], prices["CHIP"]["version"]) == \
        (6_000_000, "feed", 2)
    assert listed_prices(api)["CARA"] == (3_000_000, 60_000, "last_trade", 50)
    assert rate(api, "CARA", "CHIP") == (50, 1)
    assert reconcile(api, admin_uid)["ok"]
