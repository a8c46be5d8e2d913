"""The order book in operation against the emulator: depth as deep as asked, halts and
delisting, poison commands and invariant violations, settlement that is resubmitted. Each test
trades a book of its own (see the comment at the top of test_exchange_sequencer.py)."""
from __future__ import annotations

import itertools

import pytest

from shared.domain.exchange.books import BookConfig, OrderRequest, OrderType
from shared.domain.exchange.matching import Side, TimeInForce

_books = itertools.count()
TRADERS = 4


@pytest.fixture
def book(ledger) -> str:
    """A fresh book OPSn-CHIP whose traders trader0..3 hold 1,000 OPSn and 200,000 CHIP each."""
    from shared.domain.assets import Asset
    from shared.domain.idempotency import Operation
    from shared.services import assets, transfers, users
    from shared.services.exchange import orders
    from shared.store import exchange as store

    base = f"OPS{next(_books)}"
    book_id = f"{base}-CHIP"
    store.forget_cache()
    admin = users.ensure_user("demo-admin")
    assets.create_asset(Operation.of("t", "asset", base, {}), admin, Asset(base, "Ops", 0))
    for n in range(TRADERS):
        uid = f"trader{n}"
        users.ensure_user(uid)
        for asset, amount in ((base, 1_000), ("CHIP", 200_000)):
            transfers.adjust(Operation.of("t", "adj", f"{uid}{asset}", {}), admin, uid, asset,
                             amount, "test setup")
    orders.create_book(Operation.of("t", "book", book_id, {}), admin,
                       BookConfig(book_id, base, "CHIP"))
    return book_id


def accept(book_id: str, key: str, uid: str, side: Side, quantity: int, price: int,
           tif: TimeInForce = TimeInForce.GTC) -> str:
    """An order accepted (funds held, command recorded) without waking the sequencer."""
    from shared.domain.idempotency import Operation
    from shared.services.exchange import orders
    from shared.store.users import get_user

    req = OrderRequest(book_id, side, OrderType.LIMIT, quantity, price, tif)
    return orders.accept(Operation.of(uid, "place_order", key, {}), get_user(uid), req)


def order(order_id: str) -> dict:
    from shared.store import exchange as store
    return store.ref(store.ORDERS, order_id).get().to_dict()


def available(uid: str, asset: str) -> int:
    from shared.domain.accounts import user_account_id
    from shared.store import ledger as ledger_store
    account = user_account_id(uid, asset)
    return ledger_store.read(None, [account]).accounts[account].available


def test_depth_returns_as_many_levels_as_it_accepts(book):
    from shared.services.exchange import market_data, sequencer

    for n in range(30):
        accept(book, f"ask{n}", f"trader{n % TRADERS}", Side.SELL, 1, 101 + n)
    for n in range(25):
        accept(book, f"bid{n}", f"trader{n % TRADERS}", Side.BUY, 2, 100 - n)
    sequencer.run(book)

    depth = market_data.depth(book, 50)
    assert [level["price"] for level in depth["asks"]] == list(range(101, 131))
    assert [level["price"] for level in depth["bids"]] == list(range(100, 75, -1))
    assert len(market_data.depth(book, 22)["asks"]) == 22
