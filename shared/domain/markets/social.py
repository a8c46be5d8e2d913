"""The social side of prediction markets: badges, leaderboard periods and ranking.

Invariants:
- A badge is identified by (uid, badge); its document id `badge_id(uid, badge)` is deterministic,
  so awarding it twice writes one document.
- Results are judged in the order they were settled: "five in a row" is a run of five
  consecutive wins anywhere in that sequence; "ten correct" is ten wins in total.
- A user's `Record` (reputation/{uid}) folds that sequence into counters, the current and the
  best run of wins included, so settlement judges both badges from the one document it updates:
  a badge is earned by the result whose fold crosses its threshold (`badges_crossed`), once,
  and the badges crossed over a sequence are exactly `earned_badges` of it.
- A leaderboard ranks by reputation gained in its period (score_ppm, descending), then net tokens
  won (descending), then uid (ascending), so equal inputs always give the same order.
- The "all" category board aggregates every category: its score for a user is the sum of that
  user's scores over the category boards of the same period.
- Reputation is never below zero: each category row's score is clamped at zero when a result
  or a correction is applied (`clamped_gain`), the totals are the sum of the rows, and every
  reputation event records the change it actually applied, so events still add up to the record.
- A `Contribution` is what one settled forecast adds to a record. A flagged forecast counts
  nothing: its event is written with zero change (or a correction event takes back what it
  added), and clearing the flag writes a correction that adds it again. Corrections keep the
  period of the forecast's settlement, so the boards of that period follow them.
- Periods are UTC: a week starts on Monday 00:00, a month on its first day 00:00; all time starts
  at the epoch.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Iterable, Mapping, NamedTuple, Sequence

TOP_N = 100           # rows kept in a leaderboard document (well below the 1 MiB doc limit)
TOP_BADGE_RANK = 10   # the "top 10" badge
TEN_CORRECT, STREAK = 10, 5
CLOSING_WINDOW = timedelta(hours=24)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
ALL = "all"


class Badge(StrEnum):
    FIRST_FORECAST = "first_forecast"
    TEN_CORRECT = "ten_correct"
    FIVE_IN_A_ROW = "five_in_a_row"
    TOP_TEN = "top_ten"


class Period(StrEnum):
    WEEK = "week"
    MONTH = "month"
    ALL_TIME = "all"


def badge_id(uid: str, badge: Badge) -> str:
    return f"{uid}.{badge.value}"


def longest_streak(results: Sequence[str]) -> int:
    """The longest run of consecutive "won" in settled order ("lost" breaks it)."""
    best = run = 0
    for result in results:
        run = run + 1 if result == "won" else 0
        best = max(best, run)
    return best


def earned_badges(results: Sequence[str]) -> set[Badge]:
    """Badges the settled results (in settled order) qualify for."""
    earned: set[Badge] = set()
    if sum(1 for r in results if r == "won") >= TEN_CORRECT:
        earned.add(Badge.TEN_CORRECT)
    if longest_streak(results) >= STREAK:
        earned.add(Badge.FIVE_IN_A_ROW)
    return earned


def clamped_gain(current: int, delta: int) -> int:
    """The change that applying `delta` to a score of `current` makes when it may not go below
    zero (a score already below zero, from before the rule, is lifted to zero)."""
    return max(0, current + delta) - current


class Contribution(NamedTuple):
    """What one forecast changes in a reputation record (and in a leaderboard standing)."""

    score_ppm: int = 0
    net_won: int = 0
    resolved: int = 0
    correct: int = 0

    def negated(self) -> Contribution:
        return Contribution(*(-v for v in self))


class Record(NamedTuple):
    """A user's reputation counters, as settlement keeps them in reputation/{uid}."""

    score_ppm: int = 0
    resolved: int = 0
    correct: int = 0
    net_won: int = 0
    streak: int = 0        # wins since the last loss
    best_streak: int = 0

    def after(self, result: str, score_ppm: int, net_won: int) -> Record:
        """The record once one more forecast settled "won" or "lost"."""
        won = result == "won"
        streak = self.streak + 1 if won else 0
        return Record(self.score_ppm + score_ppm, self.resolved + 1, self.correct + int(won),
                      self.net_won + net_won, streak, max(self.best_streak, streak))

    def corrected(self, c: Contribution) -> Record:
        """The record with a correction applied (runs of wins are not replayed)."""
        return self._replace(score_ppm=self.score_ppm + c.score_ppm,
                             resolved=self.resolved + c.resolved,
                             correct=self.correct + c.correct, net_won=self.net_won + c.net_won)


class CategoryRecord(NamedTuple):
    """A user's reputation in one category, kept beside the Record (reputation/{uid}.categories):
    the sum of the category's settled forecasts, updated in the same write as the Record, so
    the per-category rows always add up to the totals."""

    score_ppm: int = 0
    resolved: int = 0
    correct: int = 0
    net_won: int = 0

    def after(self, result: str, score_ppm: int, net_won: int) -> CategoryRecord:
        return CategoryRecord(self.score_ppm + score_ppm, self.resolved + 1,
                              self.correct + int(result == "won"), self.net_won + net_won)

    def corrected(self, c: Contribution) -> CategoryRecord:
        return CategoryRecord(self.score_ppm + c.score_ppm, self.resolved + c.resolved,
                              self.correct + c.correct, self.net_won + c.net_won)


def badges_crossed(before: Record, after: Record) -> list[Badge]:
    """The badges whose threshold the step from `before` to `after` crossed."""
    crossed = []
    if before.correct < TEN_CORRECT <= after.correct:
        crossed.append(Badge.TEN_CORRECT)
    if before.best_streak < STREAK <= after.best_streak:
        crossed.append(Badge.FIVE_IN_A_ROW)
    return crossed


def period_start(period: Period, now: datetime) -> datetime:
    now = now.astimezone(timezone.utc)
    # a plain datetime, whatever subclass `now` is (Firestore's timestamps lose their
    # nanoseconds in replace() and then fail to encode)
    midnight = datetime(now.year, now.month, now.day, tzinfo=timezone.utc)
    if period is Period.WEEK:
        return midnight - timedelta(days=midnight.weekday())
    if period is Period.MONTH:
        return midnight.replace(day=1)
    return EPOCH


def leaderboard_id(period: Period, category: str, start: datetime) -> str:
    """leaderboards/{period}.{category}.{YYYYMMDD of the period start}: a new document each
    period, so last week's board stays readable."""
    return f"{period.value}.{category}.{start:%Y%m%d}"


class ReputationEvent(NamedTuple):
    """One settled forecast's contribution, or a correction of it (flagged, cleared); each is
    written once and never changed. `resolved` and `correct` are the changes it makes (an
    event written before corrections existed has none: one resolved, correct if won)."""

    uid: str
    category: str
    result: str       # "won" | "lost"
    score_ppm: int
    net_won: int
    at: datetime
    resolved: int | None = None
    correct: int | None = None

    def contribution(self) -> Contribution:
        resolved = 1 if self.resolved is None else self.resolved
        correct = int(self.result == "won") if self.correct is None else self.correct
        return Contribution(self.score_ppm, self.net_won, resolved, correct)


@dataclass
class Standing:
    uid: str
    score_ppm: int = 0
    net_won: int = 0
    resolved: int = 0
    correct: int = 0

    def add(self, e: ReputationEvent) -> None:
        c = e.contribution()
        self.score_ppm += c.score_ppm
        self.net_won += c.net_won
        self.resolved += c.resolved
        self.correct += c.correct


def boards_of(e: ReputationEvent) -> list[tuple[Period, str, datetime]]:
    """The boards an event counts on: the week, month and all time its own `at` falls in, in
    its category and in "all" (a late event or a correction reaches a past period's board)."""
    return [(p, c, period_start(p, e.at)) for p in Period for c in dict.fromkeys((e.category, ALL))]


def tally(events: Iterable[ReputationEvent]) -> dict[tuple[Period, str, datetime], dict[str, Standing]]:
    """What the events add on each board they count on (boards_of), per user."""
    boards: dict[tuple[Period, str, datetime], dict[str, Standing]] = {}
    for e in events:
        for board in boards_of(e):
            boards.setdefault(board, {}).setdefault(e.uid, Standing(e.uid)).add(e)
    return boards


def rank(standings: Iterable[Standing], top: int = TOP_N) -> list[dict]:
    """Rows best first, each with its 1-based rank (ties on every key are impossible: uid).
    A user none of whose forecasts counts in the period (all flagged) has no row."""
    counted = (s for s in standings if s.resolved > 0)
    ordered = sorted(counted, key=lambda s: (-s.score_ppm, -s.net_won, s.uid))[:top]
    return [{"rank": i + 1, "uid": s.uid, "score_ppm": s.score_ppm, "net_won": s.net_won,
             "resolved": s.resolved, "correct": s.correct} for i, s in enumerate(ordered)]


def top_ten(rows: Sequence[Mapping]) -> list[str]:
    """Who earns the top-10 badge from a ranked board: the first ten with a positive gain (a
    board of three forecasters who all lost ranks them, but honours nobody)."""
    return [r["uid"] for r in rows[:TOP_BADGE_RANK] if r["score_ppm"] > 0]


def closing_soon(now: datetime, closes_at: datetime) -> bool:
    return now < closes_at <= now + CLOSING_WINDOW


def clamp_in(record: Mapping | None, category: str, c: Contribution) -> Contribution:
    """`c` with its score change clamped so that the user's score in `category` stays at or
    above zero. A record settled before per-category rows were kept (forecasts, no rows) is
    clamped on its totals instead."""
    record = record or {}
    if int(record.get("resolved", 0)) and "categories" not in record:
        current = int(record.get("score_ppm", 0))
    else:
        current = int(((record.get("categories") or {}).get(category) or {}).get("score_ppm", 0))
    return c._replace(score_ppm=clamped_gain(current, c.score_ppm))
