"""The plan settlement reaches a forecaster at a time (shared/domain/markets/settlement.py) is
exactly the plan `payouts.plan` decides from every commit at once."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.markets.payouts import CommitRecord, plan
from shared.domain.markets.settlement import (Tally, forecaster, parts, partition_of, payout,
                                              share, split)
from shared.domain.markets.market import Suspension

from tests.unit.test_markets_payouts import T0, market

# Few users and few distinct times and amounts, so ties (equal remainders, equal commit times)
# are common: they are where a leftover unit could go to the wrong winner.
rows_st = st.lists(st.tuples(st.integers(0, 7), st.sampled_from(["yes", "no"]),
                             st.sampled_from([1, 2, 3, 5, 10, 7_000_001]),
                             st.sampled_from([0, 0, 1, 5, 8]), st.integers(0, 9)),
                    min_size=1, max_size=40)


def commits_of(rows) -> list[CommitRecord]:
    """Rows (user, outcome, amount, second, hold); a user keeps their first row's outcome."""
    sides: dict[int, str] = {}
    out = []
    for i, (user, outcome, amount, second, hold) in enumerate(rows):
        side = sides.setdefault(user, outcome)
        at = T0 + timedelta(seconds=second * 500)  # 5 and 8: suspended, after the close
        out.append(CommitRecord(f"{hold:02d}h{i:03d}", f"u{user}", side, amount, 300_000 + i, at))
    return out


def streamed(m, commits: list[CommitRecord], winner: str | None) -> dict[str, tuple]:
    """What settlement computes, in its three passes, per uid."""
    by_user: dict[str, list[CommitRecord]] = defaultdict(list)
    for c in reversed(commits):  # any order within a forecaster
        by_user[c.uid].append(c)
    tally = Tally()
    for uid in sorted(by_user, reverse=True):  # any order of forecasters
        tally = tally.add(m, by_user[uid], winner)
    the_split = split(m, tally)
    users, shares = {}, {}
    for uid, cs in by_user.items():
        users[uid] = forecaster(m, uid, cs, winner, the_split.voids_all)
        if users[uid].result == "won":
            shares[uid] = share(m, the_split, uid, cs)
    leftover = the_split.distributable - sum(s.floor for s in shares.values())
    ranked = sorted(s.rank for s in shares.values())
    threshold = ranked[leftover - 1] if leftover else ""
    return {uid: (u.holds, u.stake, u.refunded, u.result, u.score_ppm, u.p_ppm,
                  payout(*shares[uid], threshold) if uid in shares else 0)
            for uid, u in users.items()}


@settings(max_examples=400, deadline=None)
@given(rows=rows_st, cut_bps=st.sampled_from([0, 250, 9999]), winner=st.sampled_from(
    ["yes", "no", None]), suspended=st.booleans())
def test_settling_a_forecaster_at_a_time_gives_exactly_the_plan(rows, cut_bps, winner, suspended):
    stops = (Suspension(T0 + timedelta(seconds=2_000), T0 + timedelta(seconds=3_000)),)
    m = market(cut_bps, stops if suspended else ())
    commits = commits_of(rows)
    frozen = plan(m, commits, winner)
    expected = {u.uid: (u.holds, u.stake, u.refunded, u.result, u.score_ppm, u.p_ppm, u.payout)
                for u in frozen.users}
    assert streamed(m, commits, winner) == expected


def test_rank_keys_order_like_the_plan_when_remainders_and_times_tie():
    # given three winners with equal stakes committed at the same second, holds "a" < "ab" < "b"
    m = market()
    commits = [CommitRecord("ab", "u1", "yes", 1, 0, T0), CommitRecord("b", "u2", "yes", 1, 0, T0),
               CommitRecord("a", "u3", "yes", 1, 0, T0), CommitRecord("x", "u4", "no", 8, 0, T0)]
    # when 11 units are shared (3 each, two left over)
    assert streamed(m, commits, "yes")["u3"][-1] == 4  # hold "a": first
    assert streamed(m, commits, "yes")["u1"][-1] == 4  # hold "ab": second
    assert streamed(m, commits, "yes")["u2"][-1] == 3
    assert {u.uid: u.payout for u in plan(m, commits, "yes").users} == \
        {"u1": 4, "u2": 3, "u3": 4, "u4": 0}


def test_partitions_spread_and_parts_are_bounded():
    counts = [0] * 8
    for i in range(8_000):
        counts[partition_of(f"user-{i}", 8)] += 1
    assert min(counts) > 800 and partition_of("ann", 8) == partition_of("ann", 8)
    holds = [(f"h{i}", "post") for i in range(250)]
    assert [len(p) for p in parts(holds, 100)] == [100, 100, 50] and parts([], 100) == [[]]
