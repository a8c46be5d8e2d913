"""Property tests of the matching core: random order flows keep every guarantee of book.py.

Each property also runs against a deliberately broken book in this module and must find a
counterexample there, which shows the property can fail.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shared.domain.exchange.matching import Book, Order, OrderStatus, Side, TimeInForce, buy_funds
from shared.domain.money import BPS, ceil_div

OWNERS = ["ann", "ben", "cy"]
limit_op = st.tuples(st.just("limit"), st.sampled_from(OWNERS), st.sampled_from(list(Side)),
                     st.integers(95, 105), st.integers(1, 30), st.sampled_from(list(TimeInForce)))
market_op = st.tuples(st.just("market"), st.sampled_from(OWNERS), st.sampled_from(list(Side)),
                      st.integers(95, 110), st.integers(1, 60), st.integers(1, 4000))
cancel_op = st.tuples(st.just("cancel"), st.integers(0, 200))
flows = st.lists(st.one_of(limit_op, limit_op, market_op, cancel_op), max_size=60)
SETTINGS = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


GTC = TimeInForce.GTC
# Flows every property also runs first, so each broken book meets its bug however the random
# search goes: a cross, a market buy short of funds, two fills at one price from two makers.
EXAMPLES = [
    [("limit", "ann", Side.SELL, 100, 1, GTC), ("limit", "ben", Side.BUY, 101, 1, GTC)],
    [("limit", "ann", Side.SELL, 100, 5, GTC), ("market", "ben", Side.BUY, 110, 5, 200)],
    [("limit", "ann", Side.SELL, 100, 1, GTC), ("limit", "ben", Side.SELL, 100, 1, GTC),
     ("limit", "cy", Side.BUY, 100, 2, GTC)],
]


def with_examples(test):
    for flow in EXAMPLES:
        test = example(flow)(test)
    return test


def settings_for(book_cls: type):
    return settings(SETTINGS, derandomize=book_cls is not Book)


def order_for(n: int, op: tuple, taker_bps: int) -> Order:
    kind, owner, side, price, qty, extra = op
    if kind == "limit":
        funds = buy_funds(qty, price, taker_bps) if side is Side.BUY else 0
        return Order(f"o{n}", owner, side, price, qty, extra, funds)
    tif = TimeInForce.FOK if n % 3 == 0 else TimeInForce.IOC
    return Order(f"o{n}", owner, side, price, qty, tif, extra if side is Side.BUY else 0)


def replay(book: Book, flow: list[tuple], on_submit=None) -> list[Order]:
    """Run the flow; `on_submit(book, result, resting_before)` checks each step."""
    submitted: list[Order] = []
    for n, op in enumerate(flow):
        if op[0] == "cancel":
            if submitted:
                book.cancel(submitted[op[1] % len(submitted)].id)
            continue
        order = order_for(n, op, book.taker_bps)
        before = [(o.id, o.owner, o.side, o.price, o.seq) for o in book.orders.values()]
        result = book.submit(order)
        submitted.append(order)
        if on_submit:
            on_submit(book, result, before)
    return submitted


def check_never_crosses(book_cls: type) -> None:
    def step(book, result, before):
        bid, ask = book.best(Side.BUY), book.best(Side.SELL)
        assert bid is None or ask is None or bid < ask, (bid, ask)

    @settings_for(book_cls)
    @given(flows)
    @with_examples
    def prop(flow):
        replay(book_cls(), flow, step)
    prop()


def check_conservation(book_cls: type) -> None:
    @settings_for(book_cls)
    @given(flows)
    @with_examples
    def prop(flow):
        book = book_cls()
        fills, orders = [], {}

        def step(book, result, before):
            fills.extend(result.fills)
            orders[result.order.id] = result.order
        replay(book, flow, step)
        by_order: dict[str, list] = {o: [] for o in orders}
        for f in fills:
            by_order[f.taker_id].append((f.quantity, f.price * f.quantity, f.taker_fee, book.taker_bps))
            by_order[f.maker_id].append((f.quantity, f.price * f.quantity, f.maker_fee, book.maker_bps))
        for oid, order in orders.items():
            rows = by_order[oid]
            assert sum(r[0] for r in rows) == order.filled <= order.quantity
            assert sum(r[1] for r in rows) == order.notional
            exact = sum(r[1] * r[3] for r in rows)
            assert sum(r[2] for r in rows) == ceil_div(exact, BPS) == order.fees  # no leak
            if order.side is Side.BUY:
                assert order.notional + order.fees <= order.funds
            live = oid in book.orders
            assert live == (order.status in (OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED))
            assert order.status is not OrderStatus.FILLED or order.filled == order.quantity
            if order.tif is TimeInForce.FOK:
                assert order.filled in (0, order.quantity)
        resting = {s: sum(o.remaining for o in book.orders.values() if o.side is s) for s in Side}
        for s in Side:
            assert sum(q for _, q in book.depth(s, 10_000)) == resting[s]
    prop()


def check_priority(book_cls: type) -> None:
    def step(book, result, before):
        taker = result.order
        sign = 1 if taker.side is Side.BUY else -1  # a buy takes the lowest ask first
        eligible = {oid: (sign * price, seq) for oid, owner, side, price, seq in before
                    if side is not taker.side and owner != taker.owner}
        for f in result.fills:
            assert min(eligible.values()) == eligible[f.maker_id], "filled out of priority"
            maker = result.makers[f.maker_id]
            assert f.price == maker.price and sign * f.price <= sign * taker.price
            if maker.remaining == 0:
                del eligible[f.maker_id]

    @settings_for(book_cls)
    @given(flows)
    @with_examples
    def prop(flow):
        replay(book_cls(), flow, step)
    prop()


class HastyBook(Book):
    """Broken on purpose: a GTC limit rests without looking for a match."""

    def _match(self, order, result, budget):
        if order.tif is not TimeInForce.GTC:
            super()._match(order, result, budget)


class SpendthriftBook(Book):
    """Broken on purpose: a buy fills whatever it meets, ignoring the funds it holds."""

    def _quantity(self, taker, maker, price):
        return min(taker.remaining, maker.remaining)


class RoundingBook(Book):
    """Broken on purpose: rounds each fill's fee up on its own, so rounding accumulates."""

    def _charge(self, order, q, notional, rate_bps):
        order.filled += q
        order.notional += notional
        fee = ceil_div(notional * rate_bps, BPS)
        order.fees += fee
        return fee


class LastInBook(Book):
    """Broken on purpose: a new order at a price goes ahead of the orders already there."""

    def _rest(self, order):
        super()._rest(order)
        queue = self._levels[0 if order.side is Side.BUY else 1][
            (-1 if order.side is Side.BUY else 1) * order.price]
        queue.rotate(1)


def test_the_book_never_rests_crossed():
    check_never_crosses(Book)


def test_crossing_property_catches_a_book_that_rests_without_matching():
    with pytest.raises(AssertionError):
        check_never_crosses(HastyBook)


def test_quantities_funds_and_fees_are_conserved():
    check_conservation(Book)


def test_conservation_property_catches_a_buy_beyond_its_funds():
    with pytest.raises(AssertionError):
        check_conservation(SpendthriftBook)


def test_conservation_property_catches_fees_rounded_per_fill():
    with pytest.raises(AssertionError):
        check_conservation(RoundingBook)


def test_price_time_priority_holds():
    check_priority(Book)


def test_priority_property_catches_last_in_first_out():
    with pytest.raises(AssertionError):
        check_priority(LastInBook)

