"""Creators through the dev server: listing, token stats, holders, follows and the feed."""
from __future__ import annotations

import pytest

from .helpers import balance, error, key, ok, reconcile

pytestmark = pytest.mark.usefixtures("ledger")
CARA = {"uid": "cara", "symbol": "CARA", "name": "Cara Creates", "bio": "paints",
        "links": ["https://cara.example"], "categories": ["art"], "initial_supply": 1_000}


@pytest.fixture
def listed(api, admin_uid):
    for uid in ("cara", "bob"):
        api.call("GET", "get_me", uid)
    return ok(api.call("POST", "admin_list_creator", admin_uid, idempotency_key=key(), json=CARA))


def place(api, uid, side, quantity, price):
    return ok(api.call("POST", "place_order", uid, idempotency_key=key(),
                       json={"book": "CARA-CHIP", "side": side, "quantity": quantity,
                             "price": price}))


def test_listing_mints_the_supply_to_the_creator_and_opens_the_book(api, admin_uid, listed):
    assert listed["book"] == "CARA-CHIP"
    assert balance(api, "cara", "CARA")["total"] == 1_000
    books = ok(api.call("GET", "list_books"))["items"]
    assert [b["id"] for b in books] == ["CARA-CHIP"]
    error(api.call("POST", "admin_list_creator", admin_uid, idempotency_key=key(),
                   json={**CARA, "uid": "bob"}), 409, "symbol_taken")
    page = ok(api.call("GET", "list_creators", params={"category": "art"}))["items"]
    assert [c["symbol"] for c in page] == ["CARA"]
    assert ok(api.call("GET", "list_creators", params={"category": "music"}))["items"] == []
    assert reconcile(api, admin_uid)["ok"]


def test_trades_show_in_token_stats_holders_and_the_followers_feed(api, admin_uid, listed):
    place(api, "cara", "sell", 100, 50)
    assert place(api, "bob", "buy", 40, 50)["status"] == "filled"
    token = ok(api.call("GET", "get_creator", params={"uid": "cara"}))["token"]
    assert (token["last_price"], token["volume_24h"], token["quote_volume_24h"]) == (50, 40, 2_000)
    holders = ok(api.call("GET", "list_holders", params={"symbol": "CARA"}))
    assert holders["supply"] == 1_000
    assert [(h["uid"], h["balance"], h["share_ppm"]) for h in holders["items"]] == \
        [("cara", 960, 960_000), ("bob", 40, 40_000)]

    assert ok(api.call("GET", "get_feed", "bob"))["items"] == []
    ok(api.call("POST", "follow_creator", "bob", idempotency_key=key(), json={"creator": "cara"}))
    feed = ok(api.call("GET", "get_feed", "bob"))["items"]
    assert [(f["kind"], f["symbol"], f["price"], f["quantity"]) for f in feed] == \
        [("trade", "CARA", 50, 40)]
    ok(api.call("POST", "follow_creator", "bob", idempotency_key=key(),
                json={"creator": "cara", "follow": False}))
    assert ok(api.call("GET", "get_feed", "bob"))["items"] == []
    error(api.call("POST", "follow_creator", "bob", idempotency_key=key(),
                   json={"creator": "nobody"}), 404, "unknown_creator")
    assert reconcile(api, admin_uid)["ok"]


def test_a_follow_stored_before_it_carried_the_book_still_feeds_its_trades(api, listed):
    # given bob's follow of cara as it was stored before follows named the creator's book
    from shared.store.client import collection

    collection("creator_follows").document("bob_cara").set({"owner": "bob", "creator": "cara"})
    place(api, "cara", "sell", 10, 70)
    place(api, "bob", "buy", 10, 70)
    # then bob's feed still shows cara's trade, with her symbol
    feed = ok(api.call("GET", "get_feed", "bob"))["items"]
    assert [(f["kind"], f["symbol"], f["price"]) for f in feed] == [("trade", "CARA", 70)]


def test_news_by_the_creator_reaches_followers_newest_first(api, admin_uid, listed):
    ok(api.call("POST", "follow_creator", "bob", idempotency_key=key(), json={"creator": "cara"}))
    posted = ok(api.call("POST", "post_creator_news", "cara", idempotency_key="news-1",
                         json={"title": "New series", "body": "twelve paintings",
                               "url": "https://cara.example/series"}))
    again = ok(api.call("POST", "post_creator_news", "cara", idempotency_key="news-1",
                        json={"title": "New series", "body": "twelve paintings",
                              "url": "https://cara.example/series"}))
    assert again["id"] == posted["id"]
    place(api, "cara", "sell", 10, 60)
    place(api, "bob", "buy", 10, 60)
    ok(api.call("POST", "post_creator_news", admin_uid, idempotency_key=key(),
                json={"creator": "cara", "title": "Listed on the front page"}))
    feed = ok(api.call("GET", "get_feed", "bob"))["items"]
    assert [(f["kind"], f.get("title"), f.get("price")) for f in feed] == [
        ("news", "Listed on the front page", None), ("trade", None, 60),
        ("news", "New series", None)]
    assert feed[2]["url"] == "https://cara.example/series" and feed[2]["symbol"] == "CARA"
    error(api.call("POST", "post_creator_news", "bob", idempotency_key=key(),
                   json={"creator": "cara", "title": "fake news"}), 403, "not_the_creator")
    error(api.call("POST", "post_creator_news", "bob", idempotency_key=key(),
                   json={"title": "I am no creator"}), 404, "unknown_creator")
    error(api.call("POST", "post_creator_news", "cara", idempotency_key=key(),
                   json={"title": "x", "url": "http://insecure.example"}), 400, "invalid_input")
    assert len(ok(api.call("GET", "get_feed", "bob"))["items"]) == 3
