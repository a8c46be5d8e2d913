"""The matching core of one order book: pure, integer, deterministic.

Prices are integer ticks (quote units per base unit), quantities integer base units, so the
notional of a fill is price x quantity in the quote asset's smallest unit. Nothing here is a float.

Guarantees (property-tested in tests/unit/test_book_properties.py):
- The book never rests crossed: after every submit the best bid is below the best ask.
- Price-time priority: an incoming order fills against the best price first and, at one price,
  against the earliest resting order first, always at the resting order's price.
- Conservation: a fill moves `quantity` base from seller to buyer and its notional quote the
  other way; no order fills beyond its quantity; a buy never spends more than its `funds`
  (notional plus fees).
- Fees: a fill charges an order ceil(sum over its fills of notional x rate / 10_000) minus what
  the order was charged before, so an order's total fee is the ceiling of its exact fee and
  rounding never accumulates, whether the order took (taker rate) or rested (maker rate).
- Self-trade prevention: an incoming order never fills against its owner's resting order; the
  resting order is cancelled instead.
- IOC cancels whatever does not fill at once; FOK fills entirely at once or changes nothing.
- One incoming order fills against at most MAX_FILLS_PER_ORDER resting orders; what is left then
  is cancelled (reason "max_fills"), never rested, so the book stays uncrossed. FOK counts that
  bound too and otherwise walks the whole book (`walk`).
- Steps: `submit(order, budget)` stops after `budget` fills and self-trade cancels with the order
  neither rested nor cancelled (`result.paused`); `resume(order, budget)` goes on from there. Any
  split into steps gives exactly the fills, fees and states of one uninterrupted submit, as long
  as nothing else touches the book in between (so one order's work fits in bounded transactions).
  A market order is an IOC or FOK limit at its price cap (`price`), bounded by its funds.
- One code path for both sides: a side's sign turns prices into keys where smaller is better,
  so "best", "crosses" and "priority" are each written once.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from heapq import heappop, heappush
from typing import NamedTuple

from shared.domain.errors import InvalidInput
from shared.domain.money import BPS, ceil_div

MAX_FILLS_PER_ORDER = 1_000


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"


class TimeInForce(StrEnum):
    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"


class OrderStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"


_GTC, _FOK = TimeInForce.GTC, TimeInForce.FOK
_OPEN, _PARTIAL = OrderStatus.OPEN, OrderStatus.PARTIALLY_FILLED
_FILLED, _CANCELLED = OrderStatus.FILLED, OrderStatus.CANCELLED
_BUY = Side.BUY
_SIGN = (-1, 1)  # keys: -price for bids, +price for asks; the smallest key is the best price
# A side's index into the per-side tuples is `0 if side is _BUY else 1`: on the hot path that
# costs less than a lookup in a {side: index} map.


def buy_funds(quantity: int, price: int, taker_bps: int) -> int:
    """What a buy of `quantity` at most `price` can cost: notional plus the taker fee on it.
    Held for every resting buy, it covers any mix of taker and (cheaper) maker fills."""
    notional = quantity * price
    return notional + ceil_div(notional * taker_bps, BPS)


def affordable(funds: int, notional: int, fee_basis: int, price: int, rate_bps: int) -> int:
    """The most a buy that has spent `notional` (fee basis `fee_basis`) can still fill at
    `price`, paying notional + ceil(fee basis / BPS) out of `funds`."""
    budget = funds - notional
    q = (budget * BPS - fee_basis) // (price * (BPS + rate_bps))
    # What q more would cost: q * price + ceil_div(fee basis after q, BPS), with ceil_div and
    # max() written out, because this runs for every fill of a market buy.
    while q > 0 and q * price - (-(fee_basis + q * price * rate_bps) // BPS) > budget:
        q -= 1
    return q if q > 0 else 0


@dataclass(slots=True, eq=False)
class Order:
    id: str
    owner: str
    side: Side
    price: int            # limit price; for a market order, its price cap
    quantity: int
    tif: TimeInForce = TimeInForce.GTC
    funds: int = 0        # buys: the quote held for notional plus fees; ignored for sells
    seq: int = 0          # arrival number in this book: the time of price-time priority
    filled: int = 0
    notional: int = 0
    fee_basis: int = 0    # sum of notional x rate_bps over this order's fills
    fees: int = 0         # ceil(fee_basis / BPS): what the order has been charged
    fill_count: int = 0   # fills so far, against MAX_FILLS_PER_ORDER
    status: OrderStatus = OrderStatus.OPEN
    reason: str = ""      # why it was cancelled

    @property
    def remaining(self) -> int:
        return self.quantity - self.filled


class Fill(NamedTuple):
    seq: int
    taker_id: str
    maker_id: str
    taker_side: Side
    price: int
    quantity: int
    taker_fee: int
    maker_fee: int


# A NamedTuple's generated __new__ is a Python function that only packs its arguments and that
# a class call runs in a nested interpreter; tuple.__new__(Fill, fields) builds the same Fill
# in C, which matters at one per fill.
_new_fill = tuple.__new__


class Result:
    """What one submit did. Slotted, and filled in by submit rather than by an __init__: one
    is built per order on the hot path, and calling an __init__ makes that half as slow again."""

    __slots__ = ("order", "fills", "makers", "cancelled", "paused")
    order: Order
    fills: list[Fill]
    makers: dict[str, Order]     # resting orders this submit touched
    cancelled: list[Order]       # resting orders cancelled (self-trade)
    paused: bool                 # the budget ran out: resume(order) goes on


class Estimate(NamedTuple):
    quantity: int
    notional: int
    fee: int


class Book:
    """Resting orders per side in price levels (a heap of keys, a FIFO queue per key).

    Cancels are lazy: a cancelled order stays in its queue, marked, until matching reaches it;
    `_live` keeps each level's live quantity so depth and "best" ignore it.
    """

    def __init__(self, maker_bps: int = 30, taker_bps: int = 50) -> None:
        if not 0 <= maker_bps <= taker_bps < BPS:
            raise InvalidInput("fees must satisfy 0 <= maker <= taker < 100%", field="fee_bps")
        self.maker_bps, self.taker_bps = maker_bps, taker_bps
        self.orders: dict[str, Order] = {}   # live resting orders by id
        self.order_seq = 0
        self.fill_seq = 0
        self.closed = False   # delisted: its CLOSE command ran (a closed book rests nothing)
        self._levels: tuple[dict[int, deque[Order]], ...] = ({}, {})
        self._heaps: tuple[list[int], ...] = ([], [])
        self._live: tuple[dict[int, int], ...] = ({}, {})

    # -- commands ------------------------------------------------------------------------

    def submit(self, order: Order, budget: int | None = None) -> Result:
        """Match an incoming order; with a `budget`, at most that many fills and self-trade
        cancels before it pauses (see `resume`)."""
        self._validate(order)
        self.order_seq += 1
        order.seq = self.order_seq
        if order.tif is _FOK and self.walk(order).quantity < order.quantity:
            result = Result()
            result.order, result.fills = order, []
            result.makers, result.cancelled, result.paused = {}, [], False
            order.status, order.reason = _CANCELLED, "fok_unfillable"
            return result
        return self.resume(order, budget)

    def resume(self, order: Order, budget: int | None = None) -> Result:
        """Go on matching an order whose submit (or last resume) paused."""
        result = Result()  # filled in here, not by a call: this runs once per order
        result.order, result.fills = order, []
        result.makers, result.cancelled, result.paused = {}, [], False
        self._match(order, result, budget)
        tif = order.tif
        if result.paused:
            order.status = _PARTIAL if order.filled else _OPEN
        elif order.filled == order.quantity:
            order.status = _FILLED
        elif tif is _GTC and not order.reason:
            order.status = _PARTIAL if order.filled else _OPEN
            self._rest(order)
        else:
            order.status = _CANCELLED
            order.reason = order.reason or "unfilled_remainder"
        return result


    def cancel(self, order_id: str, reason: str = "cancelled") -> Order | None:
        """Remove a live resting order; None when it is not resting (filled, cancelled, unknown)."""
        order = self.orders.pop(order_id, None)
        if order is None:
            return None
        s = 0 if order.side is _BUY else 1
        self._live[s][_SIGN[s] * order.price] -= order.quantity - order.filled
        order.status, order.reason = _CANCELLED, reason
        return order

    def cancel_owner(self, owner: str, limit: int | None = None) -> tuple[list[Order], bool]:
        """Cancel the owner's resting orders, at most `limit` of them (earliest first); the
        second value says whether any are left."""
        ids = sorted((o.seq, o.id) for o in self.orders.values() if o.owner == owner)
        now = ids if limit is None else ids[:limit]
        return [o for o in (self.cancel(i) for _, i in now) if o is not None], len(now) < len(ids)

    def cancel_every(self, limit: int, reason: str) -> tuple[list[Order], bool]:
        """Cancel resting orders of every owner, at most `limit` (earliest first); the second
        value says whether any are left."""
        ids = sorted((o.seq, o.id) for o in self.orders.values())
        now = ids[:limit]
        return ([o for o in (self.cancel(i, reason) for _, i in now) if o is not None],
                len(now) < len(ids))

    # -- reads ---------------------------------------------------------------------------

    def best(self, side: Side) -> int | None:
        s = 0 if side is _BUY else 1
        key = self._best_key(s)
        return None if key is None else key * _SIGN[s]

    def depth(self, side: Side, levels: int) -> list[tuple[int, int]]:
        """(price, live quantity) of the best `levels` price levels of `side`, best first."""
        s = 0 if side is _BUY else 1
        live = self._live[s]
        keys = sorted(k for k, q in live.items() if q > 0)[:levels]
        return [(k * _SIGN[s], live[k]) for k in keys]

    def walk(self, order: Order) -> Estimate:
        """What `order` would fill now as a taker, without changing anything (FOK, estimates)."""
        buying = order.side is _BUY
        other = 1 if buying else 0
        sign = _SIGN[other]
        limit_key = sign * order.price
        live, levels, rate = self._live[other], self._levels[other], self.taker_bps
        filled = notional = basis = 0
        fills = order.fill_count
        # Levels best first, popped from a copy of the heap as the walk reaches them: a walk
        # usually ends within a level or two, so sorting every level would be wasted work.
        keys = self._heaps[other][:]
        while keys and filled < order.quantity:
            key = heappop(keys)
            if key > limit_key:
                break
            if live[key] <= 0:
                continue
            price = key * sign
            for maker in levels[key]:
                if maker.status is _CANCELLED or maker.owner == order.owner:
                    continue
                if fills == MAX_FILLS_PER_ORDER:
                    break
                q, left = order.quantity - filled, maker.quantity - maker.filled
                if left < q:  # not min(): see _quantity
                    q = left
                if buying:
                    most = affordable(order.funds, notional, basis, price, rate)
                    if most < q:
                        q = most
                if q == 0:
                    break
                filled, notional, fills = filled + q, notional + q * price, fills + 1
                basis += q * price * rate
            if buying and filled < order.quantity and \
                    affordable(order.funds, notional, basis, price, rate) == 0:
                break
        return Estimate(filled, notional, ceil_div(basis, BPS))

    # -- matching ------------------------------------------------------------------------

    def _validate(self, order: Order) -> None:
        if order.id in self.orders:
            raise InvalidInput(f"order {order.id} is already in the book", code="duplicate_order")
        if order.quantity <= 0 or order.price <= 0:
            raise InvalidInput("price and quantity must be positive", field="quantity")
        if order.side is _BUY:
            # A resting buy must be able to pay for all of itself (so as a taker its funds never
            # bind: see _quantity); a market buy needs some funds.
            need = buy_funds(order.quantity, order.price, self.taker_bps) \
                if order.tif is _GTC else 1
            if order.funds < need:
                raise InvalidInput("a buy needs funds for its notional and fee", field="funds",
                                   code="insufficient_order_funds")

    def _match(self, order: Order, result: Result, budget: int | None) -> None:
        other = 1 if order.side is _BUY else 0
        heap, live = self._heaps[other], self._live[other]
        limit_key = _SIGN[other] * order.price
        fills, cancelled = result.fills, result.cancelled
        while order.filled < order.quantity:
            key = heap[0] if heap and live[heap[0]] > 0 else self._best_key(other)
            if key is None or key > limit_key:
                return
            queue = self._levels[other][key]
            maker = queue[0]
            if maker.status is _CANCELLED:
                queue.popleft()
                continue
            if budget is not None and len(fills) + len(cancelled) == budget:
                result.paused = True
                return
            if maker.owner == order.owner:
                self.cancel(maker.id, "self_trade")
                cancelled.append(maker)
                continue
            if order.fill_count == MAX_FILLS_PER_ORDER:  # it would fill again: stop, cancel the rest
                order.reason = "max_fills"
                return
            price = maker.price
            q = self._quantity(order, maker, price)
            if q == 0:
                order.reason = "funds_exhausted"
                return
            notional = price * q
            taker_fee = self._charge(order, q, notional, self.taker_bps)
            maker_fee = self._charge(maker, q, notional, self.maker_bps)
            self.fill_seq += 1
            order.fill_count += 1
            fills.append(_new_fill(Fill, (self.fill_seq, order.id, maker.id, order.side, price, q,
                                          taker_fee, maker_fee)))
            result.makers[maker.id] = maker
            live[key] -= q
            if maker.filled == maker.quantity:
                queue.popleft()
                del self.orders[maker.id]
                maker.status = _FILLED
            else:
                maker.status = _PARTIAL

    def _quantity(self, taker: Order, maker: Order, price: int) -> int:
        """A resting buy always affords its own remainder (it holds buy_funds, and maker fees
        are lower), so only a buying taker's funds can limit a fill. A GTC buy holds buy_funds
        too, for all of itself at its limit and the taker rate, and it takes at or below its
        limit: only an IOC or FOK buy, which may hold less, can run out."""
        # The smallest of the limits, compared by hand: a min() call (it parses keyword
        # arguments) costs more than the rest of this method, which runs once per fill.
        q = taker.quantity - taker.filled
        left = maker.quantity - maker.filled
        if left < q:
            q = left
        if taker.side is _BUY and taker.tif is not _GTC:
            most = affordable(taker.funds, taker.notional, taker.fee_basis, price, self.taker_bps)
            if most < q:
                q = most
        return q

    def _charge(self, order: Order, q: int, notional: int, rate_bps: int) -> int:
        """Fill `order` by q and return this fill's fee: the cumulative ceiling's increase."""
        order.filled += q
        order.notional += notional
        order.fee_basis += notional * rate_bps
        total = -(-order.fee_basis // BPS)
        fee, order.fees = total - order.fees, total
        return fee

    def _rest(self, order: Order) -> None:
        s = 0 if order.side is _BUY else 1
        key = _SIGN[s] * order.price
        levels, live = self._levels[s], self._live[s]
        queue = levels.get(key)
        if queue is None:
            queue = levels[key] = deque()
            live[key] = 0
            heappush(self._heaps[s], key)
        queue.append(order)
        live[key] += order.quantity - order.filled
        self.orders[order.id] = order

    def _best_key(self, s: int) -> int | None:
        # Invariant: a key is in the heap exactly once while its level exists; empty levels are
        # dropped only here, at the top, so a level is never recreated while still in the heap.
        heap, live = self._heaps[s], self._live[s]
        while heap:
            key = heap[0]
            if live[key] > 0:
                return key
            heappop(heap)
            del live[key], self._levels[s][key]
        return None
