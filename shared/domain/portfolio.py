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
- A folded position (FoldedPosition) equals `position` of the fills it counted, in whatever
  order postings brought them, or says it is stale (see its docstring).
- The price of an asset on a day is its last price point at or before the end of that UTC day
  (the day's close), so history is valued at each day's price, not today's.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, NamedTuple

MAX_DAYS = 366  # the longest history one call returns
MAX_POSITIONS = 100  # books a portfolio shows positions on (a stated cap: the first by book id)


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


TAIL = 32  # fills a folded position keeps unfolded, so postings may arrive out of order


@dataclass(frozen=True)
class FoldedPosition:
    """A position kept as postings apply its owner's fills, whatever order they arrive in.

    Postings of one owner on one book are applied in any order (two orders of theirs in one
    batch, a posting the sweep retries late), but a position is a fold in sequence order. So:
    - `base` is the fold of every counted fill with seq <= `through`, in order;
    - `tail` holds the counted fills after `through`, sorted, at most TAIL: a fill arriving
      late within the window is simply put in its place;
    - `rebuilt_through`: fills with seq <= it were counted by a rebuild from the fill
      documents (`rebuilt`), so their postings, applied later, add nothing;
    - a fill older than the window (seq <= `through`) that no rebuild counted cannot be put in
      its place: `stale` says the position must be rebuilt before it is shown.
    Each posting is applied once (its transaction deletes it), so each fill is counted once:
    `current` is then `position` of every fill counted, in sequence order.
    """

    base: Position = Position()
    through: int = 0
    tail: tuple[Fill, ...] = ()
    rebuilt_through: int = 0
    stale: bool = False

    @property
    def current(self) -> Position:
        held = self.base
        for fill in self.tail:
            held = held.apply(fill)
        return held

    def add(self, fills: Iterable[Fill]) -> FoldedPosition:
        """Count fills from one posting of the owner's."""
        out = self
        for fill in fills:
            if fill.seq <= out.rebuilt_through:
                continue
            if fill.seq <= out.through:
                out = replace(out, stale=True)
                continue
            tail, base, through = sorted((*out.tail, fill), key=_order), out.base, out.through
            while len(tail) > TAIL:
                first = tail.pop(0)
                base, through = base.apply(first), first.seq
            out = replace(out, base=base, through=through, tail=tuple(tail))
        return out

    def rebuilt(self, fills: Iterable[Fill]) -> FoldedPosition:
        """From every fill of the owner on the book committed so far (read at one time): those
        up to the newest of them are counted by the rebuild, the tail keeps what is newer."""
        ordered = sorted(fills, key=_order)
        if not ordered:
            return replace(self, stale=False)
        newest = ordered[-1].seq
        held = Position()
        for fill in ordered:
            held = held.apply(fill)
        return FoldedPosition(held, newest, tuple(f for f in self.tail if f.seq > newest),
                              newest, False)


def _order(fill: Fill) -> tuple[int, str]:
    return fill.seq, fill.side


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
