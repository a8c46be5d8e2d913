"""Properties of the parimutuel payout plan, each also shown to catch a deliberately broken plan."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample
from hypothesis import find

from shared.domain.markets.market import Category, Market, Outcome, Suspension
from shared.domain.markets.payouts import (CommitRecord, HoldAction, Result, Stake, largest_remainder,
                                   plan)

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def market(cut_bps: int = 0, suspensions: tuple = (), cap: int = 10**9) -> Market:
    return Market(id="m1", slug="m-1", title="M", category=Category.OTHER,
                  outcomes=(Outcome("yes", "Yes"), Outcome("no", "No")), opens_at=T0,
                  closes_at=T0 + timedelta(hours=1), max_per_user=cap, asset="CHIP",
                  cut_bps=cut_bps, suspensions=suspensions)


stakes_st = st.lists(st.integers(1, 10**9), min_size=1, max_size=40)
commits_st = st.lists(st.tuples(st.sampled_from(["yes", "no"]), st.integers(1, 10**7),
                                st.integers(0, 3599)), min_size=1, max_size=40)


def as_stakes(amounts: list[int]) -> list[Stake]:
    return [Stake(f"u{i:03d}", a, (i,)) for i, a in enumerate(amounts)]


def records(rows) -> list[CommitRecord]:
    return [CommitRecord(f"h{i}", f"u{i:03d}", o, a, 500_000, T0 + timedelta(seconds=s))
            for i, (o, a, s) in enumerate(rows)]


# -- the properties, as functions so they can be run against a broken split too -------------

def sums_exactly(split, distributable: int, stakes: list[Stake]) -> bool:
    return sum(split(distributable, stakes).values()) == distributable


def never_negative(split, distributable: int, stakes: list[Stake]) -> bool:
    return all(v >= 0 for v in split(distributable, stakes).values())


def within_one_unit(split, distributable: int, stakes: list[Stake]) -> bool:
    total = sum(s.amount for s in stakes)
    shares = split(distributable, stakes)
    return all(abs(shares[s.uid] - Fraction(distributable * s.amount, total)) < 1 for s in stakes)


def floor_only(distributable: int, stakes: list[Stake]) -> dict[str, int]:
    total = sum(s.amount for s in stakes)
    return {s.uid: distributable * s.amount // total for s in stakes}


def all_leftover_to_first(distributable: int, stakes: list[Stake]) -> dict[str, int]:
    shares = floor_only(distributable, stakes)
    shares[stakes[0].uid] += distributable - sum(shares.values())
    return shares


def minus_one_each(distributable: int, stakes: list[Stake]) -> dict[str, int]:
    return {k: v - 1 for k, v in largest_remainder(distributable, stakes).items()}


PROPERTIES = [(sums_exactly, floor_only), (never_negative, minus_one_each),
              (within_one_unit, all_leftover_to_first)]


@pytest.mark.parametrize("prop", [p for p, _ in PROPERTIES], ids=lambda p: p.__name__)
@settings(max_examples=300, deadline=None)
@given(distributable=st.integers(0, 10**12), amounts=stakes_st)
def test_largest_remainder_keeps_property(prop, distributable, amounts):
    assert prop(largest_remainder, distributable, as_stakes(amounts))


@pytest.mark.parametrize("prop,broken", PROPERTIES, ids=lambda p: getattr(p, "__name__", ""))
def test_each_property_fails_against_a_broken_split(prop, broken):
    # a property that no broken split can violate would prove nothing
    try:
        find(st.tuples(st.integers(0, 10**6), stakes_st),
             lambda x: not prop(broken, x[0], as_stakes(x[1])), settings=settings(deadline=None))
    except NoSuchExample:
        pytest.fail(f"{prop.__name__} never fails against {broken.__name__}")


@settings(max_examples=300, deadline=None)
@given(rows=commits_st, cut_bps=st.integers(0, 9999))
def test_plan_pays_exactly_pool_minus_cut_or_voids_everything(rows, cut_bps):
    result = plan(market(cut_bps), records(rows), "yes")
    pool = sum(a for _, a, _ in rows)
    if any(o == "yes" for o, _, _ in rows):
        assert result.pool == pool and result.cut == pool * cut_bps // 10_000
        assert result.paid == pool - result.cut
        assert all(u.payout >= 0 for u in result.users)
        assert all(u.payout == 0 for u in result.users if u.result is Result.LOST)
    else:
        assert result.paid == 0 and all(u.result is Result.VOID for u in result.users)
        assert all(a is HoldAction.VOID for u in result.users for _, a in u.holds)


def test_tie_in_remainder_goes_to_the_earliest_commit():
    # given three equal winners and a pool of 10 to share (3 each, one unit left over)
    rows = [("yes", 1, 30), ("yes", 1, 10), ("yes", 1, 20), ("no", 7, 0)]
    result = plan(market(), records(rows), "yes")
    paid = {u.uid: u.payout for u in result.users}
    # then the leftover unit goes to the earliest commit, u001 at 10 s
    assert paid == {"u000": 3, "u001": 4, "u002": 3, "u003": 0}


def test_commits_after_close_or_during_suspension_are_voided_and_not_in_the_pool():
    stop = Suspension(T0 + timedelta(seconds=100), T0 + timedelta(seconds=200))
    rows = [("yes", 10, 50), ("yes", 20, 150), ("no", 30, 300), ("no", 40, 3700)]
    result = plan(market(suspensions=(stop,), cap=30), records(rows), "yes")
    by_uid = {u.uid: u for u in result.users}
    assert result.pool == 40 and by_uid["u000"].payout == 40
    assert by_uid["u001"].result is Result.VOID and by_uid["u001"].refunded == 20
    assert by_uid["u003"].result is Result.VOID and by_uid["u003"].holds[0][1] is HoldAction.VOID
    assert by_uid["u002"].result is Result.LOST and by_uid["u002"].score_ppm == -500_000  # at the cap


def test_no_winning_stake_voids_every_hold():
    result = plan(market(), records([("no", 5, 1), ("no", 6, 2)]), "yes")
    assert result.voids_all and result.paid == 0 and result.cut == 0
    assert sum(u.refunded for u in result.users) == 11
