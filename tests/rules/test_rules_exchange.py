"""firestore.rules for the exchange: public books, depth, trades and candles; owner-only orders
and fills; server-only book state, leases and commands; no client writes anywhere."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.rules.rules_support import (ADMIN, OTHER, OWNER, Where, allowed,
                                       query_paths)

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
DOCS: dict[str, dict] = {
    "books/GOLD-CHIP": {"id": "GOLD-CHIP", "base": "GOLD", "quote": "CHIP", "tick_size": 1,
                        "maker_bps": 30, "taker_bps": 50, "active": True},
    "book_depth/GOLD-CHIP": {"book": "GOLD-CHIP", "bids": [], "asks": [], "last_price": 100},
    "trades/GOLD-CHIP.000000000001": {"book": "GOLD-CHIP", "seq": 1, "price": 100,
                                      "quantity": 5, "taker_side": "buy", "at": AT},
    "candles/GOLD-CHIP.1m.60": {"book": "GOLD-CHIP", "interval": "1m", "start": 60, "open": 1},
    "orders/o1": {"owner": OWNER, "book": "GOLD-CHIP", "side": "buy", "status": "open",
                  "quantity": 5, "filled": 0},
    "fills/GOLD-CHIP.000000000001.buy": {"owner": OWNER, "order_id": "o1", "price": 100,
                                         "quantity": 5, "fee": 3},
    "book_states/GOLD-CHIP": {"order_seq": 1, "fill_seq": 1,
                              "resting": [{"id": "o1", "owner": OWNER}]},
    "book_leases/GOLD-CHIP": {"holder": "h", "epoch": 3, "expires": 0},
    "order_commands/o1": {"book": "GOLD-CHIP", "owner": OWNER, "type": "place",
                          "status": "accepted"},
    "creators/cara": {"uid": "cara", "symbol": "CARA", "name": "Cara", "book": "CARA-CHIP"},
    "creator_symbols/CARA": {"uid": "cara"},
    "creator_follows/alice_cara": {"owner": OWNER, "creator": "cara", "created_at": AT},
    "creator_news/n1": {"creator": "cara", "symbol": "CARA", "title": "New series", "at": AT},
}
PUBLIC = ("books/GOLD-CHIP", "book_depth/GOLD-CHIP", "trades/GOLD-CHIP.000000000001",
          "candles/GOLD-CHIP.1m.60", "creators/cara", "creator_symbols/CARA", "creator_news/n1")
OWNED = ("orders/o1", "fills/GOLD-CHIP.000000000001.buy", "creator_follows/alice_cara")
SERVER_ONLY = ("book_states/GOLD-CHIP", "book_leases/GOLD-CHIP", "order_commands/o1")


@pytest.mark.parametrize("path", PUBLIC)
@pytest.mark.parametrize("uid", [None, OWNER, OTHER])
def test_market_data_is_readable_by_anyone(client, path, uid):
    assert allowed(client.get(path, uid)) is True


@pytest.mark.parametrize("path", OWNED)
def test_orders_and_fills_are_readable_by_owner_and_admin_only(client, path):
    assert allowed(client.get(path, OWNER)) is True
    assert allowed(client.get(path, ADMIN)) is True
    assert allowed(client.get(path, OTHER)) is False
    assert allowed(client.get(path, None)) is False


@pytest.mark.parametrize("path", OWNED)
def test_listing_orders_and_fills_must_constrain_the_owner(client, path):
    collection = path.split("/")[0]
    listed = client.query(collection, OWNER, Where("owner", OWNER))
    assert allowed(listed) and path in query_paths(listed, client.project)
    assert allowed(client.query(collection, OWNER)) is False
    assert allowed(client.query(collection, OTHER, Where("owner", OWNER))) is False


@pytest.mark.parametrize("path", SERVER_ONLY)
@pytest.mark.parametrize("uid", [None, OWNER, ADMIN])
def test_book_state_leases_and_commands_are_server_only(client, path, uid):
    assert allowed(client.get(path, uid)) is False


@pytest.mark.parametrize("path", PUBLIC + OWNED + SERVER_ONLY)
@pytest.mark.parametrize("uid", [OWNER, ADMIN])
def test_no_client_writes_exchange_documents(client, path, uid):
    assert allowed(client.update(path, {"status": "filled", "quantity": 10**9}, uid)) is False
    assert allowed(client.delete(path, uid)) is False
    assert client.peek(path) == DOCS[path]
    assert allowed(client.create(path + "x", DOCS[path], uid)) is False
