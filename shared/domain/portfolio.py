"""Positions in creator tokens at average cost, and the price of an asset at the end of a day.

Pure, integer. Guarantees:
- A position is built from the owner's own fills on one book in sequence order. A buy adds its
  quantity and its cost: price x quantity + fee, in the quote asset's smallest units. A sell
  removes the average cost of what it sold: cost x sold // held (rounded down, so selling
  everything removes exactly the whole cost and a position never keeps cost without tokens),
  and realises (proceeds - fee share) - removed cost.
- Tokens that did not come from the book (a listing's supply, transfers, swaps) have no known
  cost: a sell beyond the position's quantity is not part of the position and realises nothing.
- Unrealised profit or loss = quantity x last trade price - cost, in quote smallest units; it
  is negative for a loss. The average cost shown is cost // quantity (rounded down); `cost` is
  exact.
- The price of an asset on a day is its last price point at or before the end of that UTC day
  (the day's close), so history is valued at each day's price, not today's.
"""
from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, NamedTuple

MAX_DAYS = 366  # the longest history one call returns


class Fill(NamedTuple):
    seq: int
    side: str              # "buy" | "sell"
    price: int             # quote smallest units per base smallest unit
    quantity: int          # base smallest units
    fee: int               # quote smallest units


class Position(NamedTuple):
    quantity: int = 0
    cost: int = 0
    realised: int = 0
    bought: int = 0        # base units bought through the book, ever

    def apply(self, fill: Fill) -> Position:
        if fill.side == "buy":
            return self._replace(quantity=self.quantity + fill.quantity,
                           cost=self.cost + fill.price * fill.quantity + fill.fee,
                           bought=self.bought + fill.quantity)
        sold = min(fill.quantity, self.quantity)
        if sold == 0:
            return self
        removed = self.cost * sold // self.quantity
        proceeds = fill.price * sold - fill.fee * sold // fill.quantity
        return self._replace(quantity=self.quantity - sold, cost=self.cost - removed,
                       realised=self.realised + proceeds - removed)

    @property
    def average_cost(self) -> int | None:
        return self.cost // self.quantity if self.quantity else None

    def unrealised(self, last_price: int) -> int:
        return self.quantity * last_price - self.cost


def position(fills: Iterable[Fill]) -> Position:
    held = Position()
    for fill in sorted(fills, key=lambda f: f.seq):
        held = held.apply(fill)
    return held


def day_end(day: str) -> datetime:
    """The first instant after UTC day `day` (YYYY-MM-DD)."""
    return datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(), timezone.utc)


class PricePoint(NamedTuple):
    at: datetime
    usd: int
    btc: int


def price_on(points: list[PricePoint], day: str) -> PricePoint | None:
    """The last point at or before the end of `day`; `points` sorted by `at` ascending."""
    i = bisect_right([p.at for p in points], day_end(day) - timedelta(microseconds=1))
    return points[i - 1] if i else None
