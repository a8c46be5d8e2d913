"""Worked examples of the matching core: the cases a trader would check by hand."""
from __future__ import annotations

from shared.domain.exchange.matching import Book, Order, OrderStatus, Side, TimeInForce, buy_funds

GTC, IOC, FOK = TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK


def buy(oid, owner, price, qty, tif=GTC, funds=None):
    return Order(oid, owner, Side.BUY, price, qty, tif,
                 funds if funds is not None else buy_funds(qty, price, 50))


def sell(oid, owner, price, qty, tif=GTC):
    return Order(oid, owner, Side.SELL, price, qty, tif)


def test_a_crossing_buy_fills_at_the_resting_price_with_maker_and_taker_fees():
    book = Book()
    book.submit(sell("s1", "ann", 100, 10))
    result = book.submit(buy("b1", "ben", 105, 4))
    [fill] = result.fills
    assert (fill.price, fill.quantity, fill.maker_id) == (100, 4, "s1")
    assert fill.taker_fee == 2 and fill.maker_fee == 2   # ceil(400*0.5%)=2, ceil(400*0.3%)=2
    assert result.order.status is OrderStatus.FILLED
    assert book.depth(Side.SELL, 5) == [(100, 6)]


def test_fees_charge_the_ceiling_of_the_cumulative_notional_not_of_each_fill():
    book = Book()
    for n in range(3):
        book.submit(sell(f"s{n}", f"seller{n}", 10, 1))
    result = book.submit(buy("b", "ben", 10, 3))
    # 10 x 0.5% = 0.05 per fill: ceil per fill would charge 3; cumulatively ceil(0.15) = 1.
    assert [f.taker_fee for f in result.fills] == [1, 0, 0]
    assert result.order.fees == 1


def test_earlier_order_at_the_same_price_fills_first_then_the_next_price():
    book = Book()
    book.submit(sell("late", "cy", 101, 5))
    book.submit(sell("first", "ann", 100, 5))
    book.submit(sell("second", "ben", 100, 5))
    result = book.submit(buy("b", "dan", 101, 12))
    assert [(f.maker_id, f.quantity) for f in result.fills] == [("first", 5), ("second", 5),
                                                                ("late", 2)]


def test_ioc_remainder_is_cancelled_and_never_rests():
    book = Book()
    book.submit(sell("s", "ann", 100, 3))
    result = book.submit(buy("b", "ben", 100, 5, IOC))
    assert result.order.filled == 3 and result.order.status is OrderStatus.CANCELLED
    assert book.best(Side.BUY) is None


def test_fok_that_cannot_fill_entirely_changes_nothing():
    book = Book()
    book.submit(sell("s", "ann", 100, 3))
    result = book.submit(buy("b", "ben", 100, 4, FOK))
    assert result.fills == [] and result.order.reason == "fok_unfillable"
    assert book.depth(Side.SELL, 5) == [(100, 3)]
    assert book.submit(buy("b2", "ben", 100, 3, FOK)).order.status is OrderStatus.FILLED


def test_self_trade_cancels_the_resting_order_and_matches_the_next():
    book = Book()
    book.submit(sell("mine", "ann", 100, 5))
    book.submit(sell("theirs", "ben", 101, 5))
    result = book.submit(buy("b", "ann", 101, 5))
    assert [o.id for o in result.cancelled] == ["mine"]
    assert [f.maker_id for f in result.fills] == ["theirs"]


def test_market_buy_stops_at_its_funds_and_its_price_cap():
    book = Book()
    book.submit(sell("s1", "ann", 100, 5))
    book.submit(sell("s2", "ann", 120, 5))
    # 303 funds: 3 x 100 + ceil(300 x 0.5%) = 302; a 4th would cost 402.
    result = book.submit(buy("m", "ben", 110, 10, IOC, funds=303))
    assert result.order.filled == 3 and result.order.notional + result.order.fees <= 303
    assert result.order.reason == "funds_exhausted"
    assert book.depth(Side.SELL, 5) == [(100, 2), (120, 5)]


def test_estimate_walks_the_book_without_changing_it():
    book = Book()
    book.submit(sell("s1", "ann", 100, 5))
    book.submit(sell("s2", "ann", 102, 5))
    estimate = book.walk(buy("q", "ben", 200, 7, IOC, funds=10**9))
    assert estimate == (7, 5 * 100 + 2 * 102, 4)   # ceil(704 x 0.5%) = 4
    assert book.depth(Side.SELL, 5) == [(100, 5), (102, 5)]


def test_a_sell_walks_bids_from_the_highest_down_with_the_same_code():
    book = Book()
    book.submit(buy("b1", "ann", 99, 5))
    book.submit(buy("b2", "ben", 101, 5))
    result = book.submit(sell("s", "cy", 99, 7))
    assert [(f.price, f.quantity) for f in result.fills] == [(101, 5), (99, 2)]


def test_an_order_fills_at_most_max_fills_makers_and_cancels_the_rest():
    from shared.domain.exchange.matching import MAX_FILLS_PER_ORDER
    book = Book(maker_bps=0, taker_bps=0)
    for n in range(MAX_FILLS_PER_ORDER + 4):
        book.submit(Order(f"s{n}", f"maker{n}", Side.SELL, 100 + n, 1, TimeInForce.GTC))
    sweep = Order("b", "taker", Side.BUY, 10**5, MAX_FILLS_PER_ORDER + 10, TimeInForce.GTC,
                  funds=10**12)
    result = book.submit(sweep)
    assert len(result.fills) == MAX_FILLS_PER_ORDER == sweep.filled
    assert (sweep.status, sweep.reason) == (OrderStatus.CANCELLED, "max_fills")
    assert book.depth(Side.BUY, 5) == []
    assert book.depth(Side.SELL, 1) == [(100 + MAX_FILLS_PER_ORDER, 1)]


def test_a_gtc_order_that_runs_out_of_crossing_makers_at_the_bound_still_rests():
    from shared.domain.exchange.matching import MAX_FILLS_PER_ORDER
    book = Book(maker_bps=0, taker_bps=0)
    for n in range(MAX_FILLS_PER_ORDER):
        book.submit(Order(f"s{n}", f"maker{n}", Side.SELL, 100, 1, TimeInForce.GTC))
    buy = Order("b", "taker", Side.BUY, 100, MAX_FILLS_PER_ORDER + 4, TimeInForce.GTC,
                funds=10**9)
    book.submit(buy)
    assert (buy.filled, buy.status) == (MAX_FILLS_PER_ORDER, OrderStatus.PARTIALLY_FILLED)
    assert book.depth(Side.BUY, 1) == [(100, 4)]


def test_fok_decides_on_the_whole_book_up_to_the_fill_bound():
    from shared.domain.exchange.matching import MAX_FILLS_PER_ORDER
    book = Book(maker_bps=0, taker_bps=0)
    for n in range(MAX_FILLS_PER_ORDER + 1):
        book.submit(Order(f"s{n}", f"maker{n}", Side.SELL, 100, 1, TimeInForce.GTC))
    fok = Order("f", "taker", Side.BUY, 100, MAX_FILLS_PER_ORDER + 1, TimeInForce.FOK, funds=10**6)
    assert book.submit(fok).fills == []
    assert (fok.status, fok.reason) == (OrderStatus.CANCELLED, "fok_unfillable")
