"""Pure rules of the markets' social side: badges, streaks, periods, leaderboard ranking."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from shared.domain.markets.social import (ALL, Badge, Contribution, Period, Record,
                                          ReputationEvent, Standing, badge_id, badges_crossed,
                                          clamp_in, clamped_gain, closing_soon,
                                          earned_badges, leaderboard_id, longest_streak,
                                          period_start, rank, tally, top_ten)

results = st.lists(st.sampled_from(["won", "lost"]), max_size=40)
uids = st.sampled_from([f"u{i}" for i in range(8)])
categories = st.sampled_from(["crypto", "sports", "election"])
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1),
                       timezones=st.just(timezone.utc))
events = st.lists(st.builds(ReputationEvent, uid=uids, category=categories,
                            result=st.sampled_from(["won", "lost"]),
                            score_ppm=st.integers(-1_000_000, 1_000_000),
                            net_won=st.integers(-10_000, 10_000), at=moments,
                            resolved=st.none(), correct=st.none()), max_size=60)
standings = st.lists(st.builds(Standing, uid=st.text(min_size=1, max_size=6),
                               score_ppm=st.integers(-5, 5), net_won=st.integers(-5, 5),
                               resolved=st.integers(1, 5)),
                     max_size=40, unique_by=lambda s: s.uid)


def _brute_streak(rs: list[str]) -> int:
    return max((j - i for i in range(len(rs) + 1) for j in range(i, len(rs) + 1)
                if all(r == "won" for r in rs[i:j])), default=0)


@given(results)
def test_longest_streak_is_the_longest_run_of_wins(rs):
    assert longest_streak(rs) == _brute_streak(rs)


def test_five_in_a_row_needs_consecutive_wins_and_ten_correct_needs_ten():
    assert earned_badges(["won"] * 4 + ["lost"] + ["won"] * 4) == set()
    assert earned_badges(["lost", *["won"] * 5]) == {Badge.FIVE_IN_A_ROW}
    assert earned_badges(["won", "lost"] * 10) == {Badge.TEN_CORRECT}


@given(results)
def test_the_record_crosses_each_badge_once_exactly_when_the_results_earn_it(rs):
    # given a user's results settling one at a time into their record
    record, crossed = Record(), []
    for i, result in enumerate(rs):
        after = record.after(result, 1 if result == "won" else -1, 0)
        crossed += badges_crossed(record, after)
        # then what the record says is what the results so far say
        assert (after.correct, after.best_streak) == \
            (rs[:i + 1].count("won"), longest_streak(rs[:i + 1]))
        record = after
    # and each badge was crossed at most once, and exactly the earned ones were
    assert len(crossed) == len(set(crossed)) and set(crossed) == earned_badges(rs)


@given(standings)
def test_ranking_orders_by_score_then_net_won_then_uid(rows):
    ranked = rank(rows)
    keys = [(-r["score_ppm"], -r["net_won"], r["uid"]) for r in ranked]
    assert keys == sorted(keys)
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    assert sorted(r["uid"] for r in ranked) == sorted(s.uid for s in rows)  # 40 < TOP_N


@given(standings)
def test_ranking_keeps_the_top_n_and_is_independent_of_input_order(rows):
    assert rank(rows, top=5) == rank(list(reversed(rows)), top=5)
    assert len(rank(rows, top=5)) == min(5, len(rows))


def test_net_tokens_break_a_reputation_tie():
    rows = rank([Standing("a", 500, 10, 1), Standing("b", 500, 90, 1), Standing("c", 900, -5, 1)])
    assert [r["uid"] for r in rows] == ["c", "b", "a"]


@given(events)
def test_the_all_board_is_the_sum_of_the_category_boards_of_each_period(evs):
    boards = tally(evs)
    for (period, category, start), board in boards.items():
        if category != ALL:
            continue
        total: dict[str, int] = {}
        for (p, c, s), other in boards.items():
            if (p, s) == (period, start) and c != ALL:
                for uid, standing in other.items():
                    total[uid] = total.get(uid, 0) + standing.score_ppm
        assert {u: s.score_ppm for u, s in board.items()} == total
        counted = sum(s.resolved for s in board.values())
        assert counted == sum(1 for e in evs if period_start(period, e.at) == start)


def test_an_event_counts_on_the_boards_of_its_own_periods():
    at = datetime(2026, 3, 4, 15, tzinfo=timezone.utc)   # a Wednesday
    boards = tally([ReputationEvent("u", "crypto", "won", 300, 7, at)])
    assert sorted(leaderboard_id(*b) for b in boards) == [
        "all.all.19700101", "all.crypto.19700101", "month.all.20260301",
        "month.crypto.20260301", "week.all.20260302", "week.crypto.20260302"]


@given(moments)
def test_periods_start_at_utc_monday_first_of_month_and_epoch(now):
    week, month = period_start(Period.WEEK, now), period_start(Period.MONTH, now)
    assert week.weekday() == 0 and week <= now < week + timedelta(days=7)
    assert month.day == 1 and month <= now and (month.year, month.month) == (now.year, now.month)
    assert period_start(Period.ALL_TIME, now) <= week
    assert (week.hour, week.minute, month.hour) == (0, 0, 0)


def test_ids_are_deterministic():
    start = period_start(Period.WEEK, datetime(2026, 1, 8, 13, tzinfo=timezone.utc))
    assert leaderboard_id(Period.WEEK, "crypto", start) == "week.crypto.20260105"
    assert badge_id("ann", Badge.TOP_TEN) == "ann.top_ten"


def test_top_ten_honours_only_a_positive_gain():
    rows = rank([Standing(f"u{i:02d}", 100 - i * 10, resolved=1) for i in range(15)])
    assert top_ten(rows) == [f"u{i:02d}" for i in range(10)]
    assert top_ten(rank([Standing("x", 0, resolved=1), Standing("y", -3, resolved=1)])) == []


def test_closing_soon_is_the_next_24_hours():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert closing_soon(now, now + timedelta(hours=23))
    assert not closing_soon(now, now + timedelta(hours=25))
    assert not closing_soon(now, now - timedelta(seconds=1))


def test_boards_add_to_the_category_and_all():
    boards = tally([ReputationEvent("u", "crypto", "won", 300, 7, datetime.now(timezone.utc))])
    by_category = {c: users for (p, c, _), users in boards.items() if p is Period.ALL_TIME}
    assert by_category["crypto"]["u"].correct == by_category[ALL]["u"].correct == 1


@given(st.lists(st.integers(-1_000_000, 1_000_000), max_size=30))
def test_a_score_clamped_at_each_change_never_goes_below_zero_and_events_add_up(deltas):
    # given results and corrections applied one by one to a category row, each clamped
    score, applied = 0, []
    for delta in deltas:
        gain = clamped_gain(score, delta)
        applied.append(gain)
        score += gain
        # then the score is never below zero, and a gain never exceeds what was asked
        assert score >= 0 and (gain == delta or score == 0)
    # and the applied changes (what events record) sum to the score
    assert sum(applied) == score


def test_a_score_from_before_the_rule_is_lifted_to_zero_by_its_next_change():
    assert clamped_gain(-300, 100) == 300  # to zero: max(0, -200)
    assert clamped_gain(-300, 500) == 500
    assert clamped_gain(-300, -100) == 300


def test_clamping_uses_the_category_row_or_the_totals_of_a_record_without_rows():
    record = {"score_ppm": 500, "resolved": 2, "categories": {
        "crypto": {"score_ppm": 100, "resolved": 1, "correct": 1, "net_won": 5},
        "sports": {"score_ppm": 400, "resolved": 1, "correct": 1, "net_won": 5}}}
    loss = Contribution(-300, -10, 1, 0)
    assert clamp_in(record, "crypto", loss) == Contribution(-100, -10, 1, 0)
    assert clamp_in(record, "sports", loss) == loss
    assert clamp_in({"score_ppm": 200, "resolved": 3}, "crypto", loss).score_ppm == -200
    assert clamp_in(None, "crypto", loss).score_ppm == 0


def test_a_correction_event_takes_back_what_the_forecast_added_on_every_board():
    # given a win and, later, a correction (the forecast was flagged) in the same period
    at = datetime(2026, 3, 4, tzinfo=timezone.utc)
    win = ReputationEvent("ann", "crypto", "won", 400, 50, at)
    taken = Contribution(400, 50, 1, 1).negated()
    correction = ReputationEvent("ann", "crypto", "won", taken.score_ppm, taken.net_won, at,
                                 resolved=taken.resolved, correct=taken.correct)
    bob = ReputationEvent("bob", "crypto", "lost", 0, -5, at)
    boards = tally([win, correction, bob])
    # then ann has no row (nothing of hers counts), bob keeps his, on every board
    for (period, category, start), users in boards.items():
        rows = rank(users.values())
        assert [(r["uid"], r["resolved"]) for r in rows] == [("bob", 1)]


def test_a_user_with_nothing_counted_has_no_row():
    assert rank([Standing("a", 0, 0, 0), Standing("b", 0, 0, 1)]) == \
        [{"rank": 1, "uid": "b", "score_ppm": 0, "net_won": 0, "resolved": 1, "correct": 0}]
