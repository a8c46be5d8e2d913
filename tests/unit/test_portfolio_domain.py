"""Positions at average cost from fills, and a day's closing price from price points."""
from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from shared.domain.portfolio import (TAIL, Fill, FoldedPosition, PricePoint, position,
                                     price_on)


def test_buys_add_cost_with_fees_and_a_sell_removes_average_cost():
    held = position([Fill(1, "buy", 50, 40, 10), Fill(2, "buy", 60, 20, 6)])
    assert (held.quantity, held.cost, held.average_cost, held.unrealised(60)) == (60, 3216, 53, 384)
    held = held.apply(Fill(3, "sell", 55, 30, 9))
    assert (held.quantity, held.cost, held.realised, held.unrealised(55)) == (30, 1608, 33, 42)


def test_fills_apply_in_sequence_order_whatever_order_they_come_in():
    fills = [Fill(2, "sell", 70, 10, 0), Fill(1, "buy", 50, 10, 0)]
    assert position(fills).realised == 200


def test_tokens_from_outside_the_book_carry_no_position():
    held = position([Fill(1, "sell", 50, 10, 1), Fill(2, "buy", 40, 5, 0),
                     Fill(3, "sell", 45, 8, 8)])
    # only 5 of the last sell were bought here: they realise 5 x 45 - 5/8 of the fee - 200
    assert (held.quantity, held.cost, held.realised, held.average_cost) == (0, 0, 20, None)


fills = st.lists(st.tuples(st.sampled_from(["buy", "sell"]), st.integers(1, 1_000),
                           st.integers(1, 1_000), st.integers(0, 100)), max_size=30)


@given(fills)
def test_cost_stays_within_bounds_and_selling_everything_clears_it(raw):
    held = position([Fill(i, *f) for i, f in enumerate(raw)])
    assert held.quantity >= 0 and held.cost >= 0
    assert held.quantity > 0 or held.cost == 0
    everything = held.apply(Fill(len(raw), "sell", 1, held.quantity or 1, 0))
    assert (everything.quantity, everything.cost) == (0, 0)


@given(st.lists(st.tuples(st.integers(1, 1_000), st.integers(1, 1_000), st.integers(0, 50)),
                min_size=1, max_size=20), st.integers(1, 1_000))
def test_selling_all_realises_proceeds_minus_everything_paid(buys, price):
    bought = [Fill(i, "buy", p, q, f) for i, (p, q, f) in enumerate(buys)]
    held = position(bought)
    paid, quantity = held.cost, held.quantity
    assert held.apply(Fill(len(buys), "sell", price, quantity, 0)).realised == \
        price * quantity - paid


def test_a_days_price_is_its_last_point_at_or_before_its_close():
    def at(day: int, hour: int) -> datetime:
        return datetime(2025, 1, day, hour, tzinfo=timezone.utc)

    points = [PricePoint(at(1, 12), 1, 1), PricePoint(at(2, 23), 2, 2), PricePoint(at(4, 0), 4, 4)]
    assert [price_on(points, f"2025-01-0{d}").usd for d in range(1, 5)] == [1, 2, 2, 4]
    assert price_on(points, "2024-12-31") is None


FILLS = st.lists(st.tuples(st.sampled_from(["buy", "sell"]), st.integers(1, 100),
                           st.integers(1, 50), st.integers(0, 5)), min_size=1, max_size=80)


def _fills(raw) -> list[Fill]:
    return [Fill(n + 1, side, price, qty, fee) for n, (side, price, qty, fee) in enumerate(raw)]


def _postings(fills: list[Fill], shift: int) -> list[list[Fill]]:
    """The fills grouped into postings of up to 3, each posting moved up to `shift` places
    earlier than its turn (postings applied out of order, within the window)."""
    postings = [fills[i:i + 3] for i in range(0, len(fills), 3)]
    for i in range(len(postings) - 1, 0, -1):
        j = max(0, i - shift)
        postings[j], postings[i] = postings[i], postings[j]
    return postings


@given(FILLS, st.integers(0, 5))
def test_a_folded_position_equals_the_fold_in_order_when_postings_come_late_within_its_window(
        raw, shift):
    fills = _fills(raw)
    folded = FoldedPosition()
    for posting in _postings(fills, shift):
        folded = folded.add(posting)
    assert not folded.stale and folded.current == position(fills)


def test_a_fill_older_than_the_window_makes_it_stale_and_a_rebuild_counts_everything_once():
    fills = _fills([("buy", 10, 5, 1)] * (TAIL + 10) + [("sell", 30, 7, 2)])
    late, early = fills[0], fills[1:]
    folded = FoldedPosition().add(early)
    assert not folded.stale
    folded = folded.add([late])       # older than everything the window kept
    assert folded.stale
    # a rebuild from the fill documents counts every fill, and their postings, applied after
    # it, count nothing again; a newer fill is counted on top
    rebuilt = folded.rebuilt(fills)
    newer = Fill(len(fills) + 1, "sell", 40, 3, 0)
    assert not rebuilt.stale and rebuilt.current == position(fills)
    assert rebuilt.add([late, fills[-1]]).add([newer]).current == position([*fills, newer])
