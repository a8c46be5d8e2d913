"""Discovery through the dev server: market search (every query word starts a title word),
categories, trending and platform statistics from their job, and a creator token's sentiment."""
from __future__ import annotations

import pytest

from .helpers import balance, error, key, ok, set_chips
from .test_markets_lifecycle import commit, create_market
from .test_swaps_api import give, gold, offer, take

__all__ = ["gold"]  # the fixture: GOLD with prices

pytestmark = pytest.mark.usefixtures("ledger")


def search(api, **params) -> dict:
    return ok(api.call("GET", "search_markets", params=params))


def titles(page: dict) -> list[str]:
    return [m["title"] for m in page["items"]]


def place(api, uid, side, quantity, price):
    return ok(api.call("POST", "place_order", uid, idempotency_key=key(),
                       json={"book": "CARA-CHIP", "side": side, "quantity": quantity,
                             "price": price}))


def test_search_finds_markets_whose_title_words_start_with_every_query_word(api, admin_uid):
    # given four markets, newest last
    for slug, title, category in (("btc-100k", "Will Bitcoin reach 100k?", "crypto"),
                                  ("btc-etf", "Bitcoin ETF approved by Friday", "crypto"),
                                  ("eth-merge", "Ethereum merge on time", "crypto"),
                                  ("bit-flip", "Bitter election in Élan county", "election")):
        create_market(api, admin_uid, slug, closes_in_s=3_600, title=title, category=category)
    # then a prefix finds every title with a word starting with it, newest first
    assert titles(search(api, q="bit")) == ["Bitter election in Élan county",
                                            "Bitcoin ETF approved by Friday",
                                            "Will Bitcoin reach 100k?"]
    # and every word must match, case and accents ignored, in any order
    assert titles(search(api, q="ELAN bitt")) == ["Bitter election in Élan county"]
    assert titles(search(api, q="etf BITCOIN")) == ["Bitcoin ETF approved by Friday"]
    assert titles(search(api, q="coin")) == []  # inside a word is not a match
    # and a category narrows it
    assert titles(search(api, q="bit", category="crypto")) == ["Bitcoin ETF approved by Friday",
                                                               "Will Bitcoin reach 100k?"]
    # and pages go on from the cursor without repeating
    first = search(api, q="bit", limit=2)
    second = search(api, q="bit", limit=2, cursor=first["next_cursor"])
    assert titles(first) + titles(second) == titles(search(api, q="bit"))
    assert second["next_cursor"] is None
    # and a market found carries what list_markets shows
    found = search(api, q="ethereum")["items"][0]
    assert (found["slug"], found["category"], found["status"]) == ("eth-merge", "crypto", "open")
    # and bad input is refused
    error(api.call("GET", "search_markets", params={"q": "?!"}), 400, "invalid_input")
    error(api.call("GET", "search_markets", params={"q": "bit", "category": "knitting"}), 400,
          "invalid_input")
    error(api.call("GET", "search_markets", params={"q": "bit", "cursor": "bm9wZQ"}), 400,
          "invalid_cursor")


def test_a_multi_word_search_spends_a_bounded_scan_and_pages_on(api, admin_uid):
    # given nine markets starting with "alpha", of which only the oldest says "zulu"
    create_market(api, admin_uid, "alpha-zulu", closes_in_s=3_600, title="Alpha zulu")
    for n in range(8):
        create_market(api, admin_uid, f"alpha-{n}", closes_in_s=3_600, title=f"Alpha {n}")
    # when a page of 2 is asked for (a budget of 8 candidates)
    first = search(api, q="alpha zulu", limit=2)
    # then the budget runs out before the match: an empty page that says to go on
    assert first["items"] == [] and first["next_cursor"]
    second = search(api, q="alpha zulu", limit=2, cursor=first["next_cursor"])
    assert titles(second) == ["Alpha zulu"] and second["next_cursor"] is None


def test_trending_platform_stats_categories_and_sentiment_come_from_the_job(api, admin_uid, gold):
    # given nothing computed yet: empty answers that say so
    assert ok(api.call("GET", "get_trending"))["as_of"] is None
    stats = ok(api.call("GET", "get_platform_stats"))
    assert (stats["as_of"], stats["users"]) == (None, None)
    # given a creator whose token trades (bob's buys take cara's asks, then dan sells into bob)
    for uid in ("cara", "bob", "dan"):
        ok(api.call("GET", "get_me", uid))
    ok(api.call("POST", "admin_list_creator", admin_uid, idempotency_key=key(), json={
        "uid": "cara", "symbol": "CARA", "name": "Cara Creates", "initial_supply": 1_000}))
    set_chips(api, admin_uid, "bob", 100_000)
    ok(api.call("POST", "create_transfer", "cara", idempotency_key=key(),
                json={"to": "dan", "asset": "CARA", "amount": 100}))
    place(api, "cara", "sell", 100, 50)
    assert place(api, "bob", "buy", 30, 50)["status"] == "filled"   # taker buys 30 at 50
    assert place(api, "bob", "buy", 30, 60)["status"] == "filled"   # taker buys 30 at 50
    place(api, "bob", "buy", 10, 40)
    assert place(api, "dan", "sell", 10, 40)["status"] == "filled"  # taker sells 10 at 40
    # and a market with two forecasters, another with one, and one closed to commits
    hot = create_market(api, admin_uid, "hot-one", closes_in_s=3_600, title="Hot one")
    warm = create_market(api, admin_uid, "warm-one", closes_in_s=3_600, title="Warm one",
                         category="sports")
    for uid in ("ann", "eve"):
        set_chips(api, admin_uid, uid, 1_000)
    ok(commit(api, "ann", hot["id"], "yes", 10))
    ok(commit(api, "eve", hot["id"], "no", 10))
    ok(commit(api, "ann", warm["id"], "yes", 10))
    # and a swap of GOLD for CHIP
    give(api, admin_uid, "ann", "GOLD", 1_000)
    made = ok(offer(api, "ann", 500, 10_000))
    ok(take(api, "bob", made["id"]))

    # then get_creator shows the 24 h sentiment at once: 60 bought by takers, 10 sold
    token = ok(api.call("GET", "get_creator", params={"uid": "cara"}))["token"]
    assert token["sentiment_24h"] == {"taker_buy_volume": 60, "taker_sell_volume": 10,
                                      "buy_share_bps": 8_571, "mood": "bullish"}

    # when the discovery job runs
    ran = ok(api.call("POST", "job_discovery"))
    assert ran["traded_books"] == 1
    # then trending ranks the creator with its volume, change and sentiment
    trending = ok(api.call("GET", "get_trending"))
    assert trending["as_of"] is not None
    [cara] = trending["creators_by_volume"]
    assert (cara["uid"], cara["symbol"], cara["volume_24h"], cara["quote_volume_24h"],
            cara["last_price"], cara["change_24h_bps"]) == ("cara", "CARA", 70, 3_400, 40, -2_000)
    assert cara["sentiment"]["buy_share_bps"] == 8_571
    assert trending["creators_by_change"][0]["symbol"] == "CARA"
    assert [(m["slug"], m["commits_24h"]) for m in trending["markets_by_commits"]] == \
        [("hot-one", 2), ("warm-one", 1)]
    # and the platform statistics count users, open markets, volumes and supply
    stats = ok(api.call("GET", "get_platform_stats"))
    assert stats["as_of"] is not None
    assert stats["users"] >= 5  # cara, bob, dan, ann, eve (and the admin)
    assert stats["open_markets"] == 2
    assert stats["trading_volume_24h"] == [{"quote": "CHIP", "base_volume": 70,
                                            "quote_volume": 3_400}]
    assert [(p["pair"], p["fills"]) for p in stats["swap_volume_24h"]] == [("CHIP-GOLD", 1)]
    supply = {c["asset"]: c["supply"] for c in stats["circulation"]}
    assert supply["CARA"] == 1_000 and supply["GOLD"] == 1_000
    # and the categories list every category with its open markets
    categories = {c["category"]: c["open_markets"]
                  for c in ok(api.call("GET", "list_categories"))["items"]}
    assert categories["crypto"] == 1 and categories["sports"] == 1 and categories["other"] == 0
    assert balance(api, "bob", "CARA")["total"] == 70
