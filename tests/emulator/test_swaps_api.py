"""Prices, conversion rates and P2P swap offers through the dev server."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.api import Api

from .helpers import balance, error, key, ok, reconcile, set_chips

pytestmark = pytest.mark.usefixtures("ledger")
CHIP_USD = 5_000_000      # 0.05 USD per chip, in 1e-8 USD
GOLD_USD = 100_000_000    # 1 USD per GOLD: one GOLD unit is worth 20 CHIP units


@pytest.fixture
def gold(api, admin_uid) -> str:
    ok(api.call("POST", "admin_create_asset", admin_uid, idempotency_key=key(),
                json={"code": "GOLD", "name": "Gold", "decimals": 2}))
    for asset, usd, btc in (("CHIP", CHIP_USD, 500), ("GOLD", GOLD_USD, 10_000)):
        ok(api.call("POST", "admin_set_price", admin_uid, idempotency_key=key(),
                    json={"asset": asset, "usd": usd, "btc": btc}))
    return "GOLD"


def give(api, admin, uid, asset, amount):
    api.call("GET", "get_me", uid)
    ok(api.call("POST", "admin_adjust", admin, idempotency_key=key(),
                json={"uid": uid, "asset": asset, "amount": amount, "reason": "test setup"}))


def offer(api, uid, give_amount, want_amount, partial=False, give_asset="GOLD", want_asset="CHIP"):
    return api.call("POST", "create_swap_offer", uid, idempotency_key=key(),
                    json={"give_asset": give_asset, "give_amount": give_amount,
                          "want_asset": want_asset, "want_amount": want_amount,
                          "allow_partial": partial})


def take(api, uid, offer_id, amount=None):
    body = {"offer_id": offer_id} if amount is None else {"offer_id": offer_id, "amount": amount}
    return api.call("POST", "execute_swap_offer", uid, json=body, idempotency_key=key())


def test_prices_keep_history_and_give_exact_conversion_rates(api, admin_uid, gold):
    ok(api.call("POST", "admin_set_price", admin_uid, idempotency_key=key(),
                json={"asset": "GOLD", "usd": 2 * GOLD_USD, "btc": 20_000, "version": 1}))
    error(api.call("POST", "admin_set_price", admin_uid, idempotency_key=key(),
                   json={"asset": "GOLD", "usd": 1, "btc": 1, "version": 1}), 409, "version_conflict")
    history = ok(api.call("GET", "get_price_history", params={"asset": "GOLD"}))["items"]
    assert [p["usd"] for p in history] == [2 * GOLD_USD, GOLD_USD]
    rate = ok(api.call("GET", "get_conversion_rate", params={"base": "GOLD", "quote": "CHIP"}))
    assert (rate["numerator"], rate["denominator"]) == (40, 1)
    rate = ok(api.call("GET", "get_conversion_rate",
                       params={"base": "CHIP", "quote": "GOLD", "currency": "BTC"}))
    assert (rate["numerator"], rate["denominator"]) == (1, 40)
    error(api.call("POST", "admin_set_price", "ann", idempotency_key=key(),
                   json={"asset": "GOLD", "usd": 1, "btc": 1}), 403, "role_required")
    error(api.call("POST", "admin_set_price", admin_uid, idempotency_key=key(),
                   json={"asset": "GOLD", "usd": 0, "btc": 1}), 400, "invalid_input")


def test_an_offer_outside_the_band_is_refused_with_the_market_rate(api, admin_uid, gold):
    give(api, admin_uid, "ann", "GOLD", 1_000)
    err = error(offer(api, "ann", 100, 2_201), 422, "rate_out_of_band")
    assert err["details"]["market_rate"] == {"numerator": 20, "denominator": 1}
    assert (err["details"]["min_want_amount"], err["details"]["max_want_amount"]) == (1_800, 2_200)
    error(offer(api, "ann", 100, 1_799), 422, "rate_out_of_band")
    error(offer(api, "ann", 100, 2_000, give_asset="CHIP", want_asset="CHIP"), 400, "same_asset")
    error(offer(api, "ann", 2_000, 40_000), 422, "insufficient_funds")
    ok(api.call("POST", "admin_create_asset", admin_uid, idempotency_key=key(),
                json={"code": "IRON", "name": "Iron", "decimals": 0}))
    error(offer(api, "ann", 100, 5, want_asset="IRON"), 422, "price_unavailable")
    assert balance(api, "ann", "GOLD") == {"asset": "GOLD", "available": 1_000, "committed": 0,
                                           "total": 1_000, "owed": 0}


def test_a_full_swap_moves_both_sides_and_a_fee_in_one_go(api, admin_uid, gold):
    give(api, admin_uid, "ann", "GOLD", 1_000)
    set_chips(api, admin_uid, "bob", 20_000)
    made = ok(offer(api, "ann", 500, 10_500))
    assert balance(api, "ann", "GOLD")["committed"] == 500
    listed = ok(api.call("GET", "list_swap_offers", "bob", params={"give_asset": "GOLD"}))["items"]
    assert [o["id"] for o in listed] == [made["id"]]
    assert ok(api.call("GET", "list_swap_offers", "bob", params={"want_asset": "GOLD"}))["items"] == []
    error(take(api, "ann", made["id"]), 403, "cannot_take_own_offer")
    done = ok(take(api, "bob", made["id"]))
    assert (done["received"], done["paid"], done["fee"]) == (500, 10_500, 32)  # 0.3% rounded up
    assert done["offer"]["status"] == "filled"
    assert balance(api, "ann", "GOLD") == {"asset": "GOLD", "available": 500, "committed": 0,
                                           "total": 500, "owed": 0}
    assert balance(api, "ann")["total"] == 20_500
    assert balance(api, "bob", "GOLD")["total"] == 500
    assert balance(api, "bob")["total"] == 20_000 - 10_500 - 32
    error(take(api, "bob", made["id"]), 409, "offer_not_open")
    volume = ok(api.call("GET", "get_swap_volume", params={"a": "GOLD", "b": "CHIP"}))
    assert (volume["base"], volume["quote"]) == ("CHIP", "GOLD")
    assert [(d["base_volume"], d["quote_volume"], d["fills"]) for d in volume["days"]] == [(10_500, 500, 1)]
    assert ok(api.call("GET", "get_swap_volume", params={  # a range that ended before today
        "a": "GOLD", "b": "CHIP", "since": "2020-01-01", "until": "2020-12-31"}))["days"] == []
    for bad in ({"since": "2020-01-01", "until": "2021-01-02"}, {"since": "2021-01-02",
                                                              "until": "2021-01-01"},
                {"since": "2021-02-30"}):
        error(api.call("GET", "get_swap_volume", params={"a": "GOLD", "b": "CHIP"} | bad), 400,
              "invalid_range")
    assert reconcile(api, admin_uid)["ok"]


def test_partial_fills_round_in_the_makers_favour_and_cancel_releases_the_rest(api, admin_uid, gold):
    give(api, admin_uid, "ann", "GOLD", 300)
    made = ok(offer(api, "ann", 300, 6_001, partial=True))
    whole_only = ok(offer(api, "bob", 2_000, 100, give_asset="CHIP", want_asset="GOLD"))
    error(take(api, "ann", whole_only["id"], 50), 422, "partial_fill_not_allowed")
    first = ok(take(api, "bob", made["id"], 100))
    assert (first["received"], first["paid"]) == (100, 2_001)  # ceil(6001 x 100 / 300)
    second = ok(take(api, "cat", made["id"], 100))
    assert second["paid"] == 2_000  # ceil(6001 x 200 / 300) - 2001: the total stays exact
    error(take(api, "bob", made["id"], 101), 409, "offer_insufficient_remaining")
    error(api.call("POST", "cancel_swap_offer", "bob", json={"offer_id": made["id"]},
                   idempotency_key=key()), 403, "not_your_offer")
    cancelled = ok(api.call("POST", "cancel_swap_offer", "ann", json={"offer_id": made["id"]},
                            idempotency_key=key()))
    assert (cancelled["status"], cancelled["given"], cancelled["remaining"]) == ("cancelled", 200, 0)
    assert balance(api, "ann", "GOLD") == {"asset": "GOLD", "available": 100, "committed": 0,
                                           "total": 100, "owed": 0}
    assert balance(api, "ann")["total"] == 10_000 + 4_001
    error(take(api, "bob", made["id"], 50), 409, "offer_not_open")
    error(take(api, "bob", "0" * 40), 404, "offer_not_found")
    mine = ok(api.call("GET", "list_swap_offers", "ann",
                       params={"maker": "ann", "status": "cancelled"}))["items"]
    assert [o["id"] for o in mine] == [made["id"]]
    assert reconcile(api, admin_uid)["ok"]


def test_takers_racing_for_one_offer_never_overfill_it(api, admin_uid, gold):
    give(api, admin_uid, "ann", "GOLD", 2_000)
    whole = ok(offer(api, "ann", 1_000, 20_000))
    parts = ok(offer(api, "ann", 1_000, 20_000, partial=True))
    takers = [f"t{i}" for i in range(4)]
    for uid in takers:
        set_chips(api, admin_uid, uid, 50_000)

    def race(offer_id: str, amount: int | None) -> list[str]:
        def attempt(uid: str) -> str:
            client = Api(api.base_url, api.project)
            for _ in range(5):  # a 503 asks for a retry with the same key
                response = take(client, uid, offer_id, amount)
                if response.status_code != 503:
                    break
            body = response.json()
            return "ok" if body["success"] else f"{response.status_code} {body['errors'][0]['code']}"
        with ThreadPoolExecutor(len(takers)) as pool:
            return sorted(pool.map(attempt, takers))

    assert race(whole["id"], None) == ["409 offer_not_open"] * 3 + ["ok"]
    assert race(parts["id"], 400) == ["409 offer_insufficient_remaining"] * 2 + ["ok"] * 2
    received = sum(balance(api, uid, "GOLD")["total"] for uid in takers)
    assert received == 1_000 + 800
    assert balance(api, "ann", "GOLD") == {"asset": "GOLD", "available": 0, "committed": 200,
                                           "total": 200, "owed": 0}
    assert reconcile(api, admin_uid)["ok"]
