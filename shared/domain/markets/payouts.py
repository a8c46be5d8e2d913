"""The parimutuel payout plan of a resolved market, frozen at resolution.

Given every commit (hold) of a market with its server commit time, the winning outcome and the
platform cut, `plan` decides for each hold whether it is posted into the escrow or voided, and
how much each winner is paid. It is pure and deterministic: the same commits give the same plan.

Invariants (property-tested in tests/unit/test_markets_payouts.py):
- Only valid commits (inside the open window, outside suspensions) enter the pool; the rest are
  voided, i.e. refunded.
- pool = sum of valid stakes; cut = floor(pool x cut_bps / 10_000); with at least one winner,
  payouts sum exactly to pool - cut, each payout >= 0 and within one unit of its exact pro-rata
  share (largest remainder; the leftover units go to the largest remainders, ties to the earliest
  commit, then the smaller uid).
- No winner (no valid stake on the winning outcome), no winning outcome, or a cancelled market:
  every hold is voided and nothing is paid or cut.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from enum import StrEnum
from typing import Iterable, NamedTuple, Sequence

from shared.domain.markets.market import PPM, Market, score_ppm
from shared.domain.money import BPS


class HoldAction(StrEnum):
    POST = "post"
    VOID = "void"


class Result(StrEnum):
    WON = "won"
    LOST = "lost"
    VOID = "void"


class CommitRecord(NamedTuple):
    hold_id: str
    uid: str
    outcome: str
    amount: int
    p_ppm: int
    committed_at: datetime


class Stake(NamedTuple):
    """One winner's claim: its stake and its tie-break key (earlier sorts first)."""

    uid: str
    amount: int
    first_commit: tuple


class UserSettlement(NamedTuple):
    uid: str
    outcome: str
    holds: tuple[tuple[str, HoldAction], ...]
    stake: int          # valid stake (posted into the escrow)
    refunded: int       # voided stake
    result: Result
    payout: int
    p_ppm: int          # stake-weighted p of the valid commits
    score_ppm: int      # reputation change (0 when void)


class PayoutPlan(NamedTuple):
    pool: int
    cut: int
    winning_stake: int
    users: tuple[UserSettlement, ...]

    @property
    def paid(self) -> int:
        return sum(u.payout for u in self.users)

    @property
    def voids_all(self) -> bool:
        return self.winning_stake == 0


def largest_remainder(distributable: int, stakes: Sequence[Stake]) -> dict[str, int]:
    """Split `distributable` pro rata by stake; exact sum, each share within one unit."""
    total = sum(s.amount for s in stakes)
    if total <= 0:
        return {}
    shares = {s.uid: distributable * s.amount // total for s in stakes}
    leftover = distributable - sum(shares.values())
    by_remainder = sorted(stakes, key=lambda s: (-(distributable * s.amount % total),
                                                 s.first_commit, s.uid))
    for s in by_remainder[:leftover]:
        shares[s.uid] += 1
    return shares


def plan(market: Market, commits: Iterable[CommitRecord], winner: str | None) -> PayoutPlan:
    """The frozen plan; `winner` None means cancel or no winner: void everything."""
    by_user: dict[str, list[CommitRecord]] = defaultdict(list)
    for c in sorted(commits, key=lambda c: (c.committed_at, c.hold_id)):
        by_user[c.uid].append(c)
    valid = {uid: [c for c in cs if market.valid_commit_time(c.committed_at)]
             for uid, cs in by_user.items()}
    pool = sum(c.amount for cs in valid.values() for c in cs)
    winners = [Stake(uid, sum(c.amount for c in cs), (cs[0].committed_at, cs[0].hold_id))
               for uid, cs in sorted(valid.items())
               if winner is not None and cs and cs[0].outcome == winner]
    winning_stake = sum(s.amount for s in winners)
    if winning_stake == 0:
        users = tuple(void_user(uid, cs) for uid, cs in sorted(by_user.items()))
        return PayoutPlan(pool=0, cut=0, winning_stake=0, users=users)
    cut = pool * market.cut_bps // BPS
    shares = largest_remainder(pool - cut, winners)
    users = tuple(settle_user(uid, cs, valid[uid], winner, shares.get(uid, 0),
                              market.max_per_user)
                  for uid, cs in sorted(by_user.items()))
    return PayoutPlan(pool=pool, cut=cut, winning_stake=winning_stake, users=users)


def void_user(uid: str, commits: list[CommitRecord]) -> UserSettlement:
    """Every commit of the forecaster voided (refunded); `commits` in commit order."""
    return UserSettlement(uid=uid, outcome=commits[0].outcome,
                          holds=tuple((c.hold_id, HoldAction.VOID) for c in commits), stake=0,
                          refunded=sum(c.amount for c in commits), result=Result.VOID, payout=0,
                          p_ppm=0, score_ppm=0)


def settle_user(uid: str, commits: list[CommitRecord], valid: list[CommitRecord],
                winner: str | None, payout: int, cap: int) -> UserSettlement:
    """One forecaster's result: `commits` in commit order, `valid` those the pool counts."""
    if not valid:
        return void_user(uid, commits)
    ok = {c.hold_id for c in valid}
    stake = sum(c.amount for c in valid)
    p = sum(c.p_ppm * c.amount for c in valid) // stake
    right = valid[0].outcome == winner
    return UserSettlement(
        uid=uid, outcome=valid[0].outcome,
        holds=tuple((c.hold_id, HoldAction.POST if c.hold_id in ok else HoldAction.VOID)
                    for c in commits),
        stake=stake, refunded=sum(c.amount for c in commits) - stake,
        result=Result.WON if right else Result.LOST, payout=payout, p_ppm=min(p, PPM),
        score_ppm=score_ppm(right, min(p, PPM), stake, cap))
