"""The payout plan of a resolved market, decided one forecaster at a time in bounded memory.

`payouts.plan` decides a market from every commit held in memory at once. Settlement cannot hold
50,000 forecasters' commits, so it reaches the same plan in passes over the commits grouped by
forecaster, each pass keeping O(1) state besides one forecaster's commits:

1. count: `Tally` sums the pool and the winning stake over the valid commits; `split` turns it
   into the pool, the platform cut and what is distributed.
2. plan: `forecaster` settles each forecaster on their own commits (holds posted or voided,
   stake, refund, result, score), and `share` gives a winner the floor of their pro-rata share
   and `rank_key`, the order in which the units left over by the floors are handed out.
3. rank: the `leftover` smallest rank keys get one unit more; `threshold` is the largest of them.
A winner is then paid `payout(floor, rank, threshold)`.

Invariants (tests/unit/test_markets_settlement.py, against `payouts.plan` on random markets):
- every forecaster's holds, stake, refund, result, score and payout equal the plan's;
- rank keys are distinct strings whose order (code point order, which is also Firestore's UTF-8
  byte order) is the plan's leftover order: largest remainder first, then the earliest first
  valid commit (time, then hold id), then the uid;
- `partition_of` spreads forecasters evenly and never changes for a uid and partition count.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import NamedTuple, Sequence

from shared.domain.markets.market import Market
from shared.domain.markets.payouts import CommitRecord, UserSettlement, settle_user, void_user
from shared.domain.money import BPS

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)


def in_commit_order(commits: Sequence[CommitRecord]) -> list[CommitRecord]:
    return sorted(commits, key=lambda c: (c.committed_at, c.hold_id))


def valid_commits(market: Market, commits: Sequence[CommitRecord]) -> list[CommitRecord]:
    return [c for c in commits if market.valid_commit_time(c.committed_at)]


class Tally(NamedTuple):
    """What the count pass has summed so far."""

    pool: int = 0            # valid stake of every forecaster
    winning_stake: int = 0   # valid stake on the winning outcome
    forecasters: int = 0
    winners: int = 0

    def add(self, market: Market, commits: Sequence[CommitRecord], winner: str | None) -> Tally:
        """One more forecaster, with all of their commits (in any order)."""
        valid = valid_commits(market, in_commit_order(commits))
        stake = sum(c.amount for c in valid)
        wins = bool(valid) and winner is not None and valid[0].outcome == winner
        return Tally(self.pool + stake, self.winning_stake + (stake if wins else 0),
                     self.forecasters + 1, self.winners + int(wins))


class Split(NamedTuple):
    """The pool, the platform cut and the winning stake; all zero when every hold is voided."""

    pool: int
    cut: int
    winning_stake: int

    @property
    def distributable(self) -> int:
        return self.pool - self.cut

    @property
    def voids_all(self) -> bool:
        return self.winning_stake == 0


def split(market: Market, tally: Tally) -> Split:
    if tally.winning_stake == 0:
        return Split(0, 0, 0)
    return Split(tally.pool, tally.pool * market.cut_bps // BPS, tally.winning_stake)


def forecaster(market: Market, uid: str, commits: Sequence[CommitRecord], winner: str | None,
               voids_all: bool) -> UserSettlement:
    """One forecaster's settlement, payout left at zero (a winner's is `payout` of its share)."""
    ordered = in_commit_order(commits)
    if voids_all:
        return void_user(uid, ordered)
    return settle_user(uid, ordered, valid_commits(market, ordered), winner, 0,
                       market.max_per_user)


class Share(NamedTuple):
    floor: int   # distributable x stake // winning stake
    rank: str    # rank_key: the leftover units go to the smallest keys


def share(market: Market, the_split: Split, uid: str, commits: Sequence[CommitRecord]) -> Share:
    """A winner's share of what is distributed (`commits`: all of the winner's, any order)."""
    valid = valid_commits(market, in_commit_order(commits))
    stake = sum(c.amount for c in valid)
    floor, remainder = divmod(the_split.distributable * stake, the_split.winning_stake)
    first = valid[0]
    return Share(floor, rank_key(the_split.winning_stake, remainder, first.committed_at,
                                 first.hold_id, uid))


def rank_key(winning_stake: int, remainder: int, first_at: datetime, first_hold: str,
             uid: str) -> str:
    """Largest remainder first (winning_stake - remainder ascending, fixed-width hex), then the
    earliest first valid commit (microseconds since the epoch, fixed width; then its hold id),
    then the uid. The space separator sorts below every character of a hold id."""
    micros = (first_at - EPOCH) // MICROSECOND
    return f"{winning_stake - remainder:016x} {micros:017d} {first_hold} {uid}"


def payout(floor: int, rank: str, threshold: str) -> int:
    """A winner's payout once the rank pass found `threshold` ("" when nothing is left over)."""
    return floor + (1 if threshold and rank <= threshold else 0)


def partition_of(uid: str, partitions: int) -> int:
    """The settlement partition that pays `uid` (0 .. partitions - 1)."""
    return int(hashlib.sha256(uid.encode()).hexdigest()[:8], 16) % max(partitions, 1)


def parts(holds: Sequence[tuple[str, str]], per_part: int) -> list[list[tuple[str, str]]]:
    """A forecaster's (hold id, action) pairs cut into pieces of at most `per_part`, so that a
    forecaster with many commits still settles in steps of bounded size; at least one piece."""
    pieces = [list(holds[i:i + per_part]) for i in range(0, len(holds), per_part)]
    return pieces or [[]]
