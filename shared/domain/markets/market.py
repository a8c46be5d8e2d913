"""Prediction markets: what a market is, when it accepts commits, and what its pool implies.

Invariants:
- A market has a unique slug, a category, two or more distinct outcomes, opens_at < closes_at,
  and a positive per-user cap; closes_at never changes after creation (commits rely on it).
- Each forecaster's stake is held in an escrow of their own in the market
  ("sys.escrow.<market>.<hash of the uid>"), so no commit touches a document another forecaster's
  commit touches. The pool of an outcome is the sum of the holds committed to it, which readers
  see as counted by a task a few seconds ago (services/markets/totals.py), never exactly.
- A commit is valid when its server commit time t satisfies opens_at <= t < closes_at and t lies
  in no suspension interval [start, end). Validity is decided at settlement, from recorded times,
  because a commit never reads the market document.
- Probabilities are integers in parts per million (PPM); no float is ever stored.
"""
from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Mapping, NamedTuple

from shared.domain.accounts import system_account_id
from shared.domain.errors import InvalidInput, Rejected
from shared.domain.money import BPS, MAX_AMOUNT

PPM = 1_000_000
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
OUTCOME_ID = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_OUTCOMES = 16
MAX_CAP = 10**12  # keeps stake x PPM products far below 2**53 when they are ever stored
# A commit that passed its open check must commit within this long after closes_at, or fail with
# 503 (its transaction deadline is bounded by it); resolution waits this long after the close, so
# the frozen plan sees every commit that could ever exist for the market.
ARRIVAL_GRACE = timedelta(seconds=3)


class Category(StrEnum):
    ELECTION = "election"
    CRYPTO = "crypto"
    ENTERTAINMENT = "entertainment"
    SPORTS = "sports"
    POLITICS = "politics"
    OTHER = "other"


class MarketStatus(StrEnum):
    OPEN = "open"
    SUSPENDED = "suspended"
    CLOSED = "closed"        # derived: open, but past closes_at
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class Outcome(NamedTuple):
    id: str
    label: str


class Suspension(NamedTuple):
    start: datetime
    end: datetime | None = None  # None while the market is still suspended

    def covers(self, t: datetime) -> bool:
        return self.start <= t and (self.end is None or t < self.end)


class Market(NamedTuple):
    id: str
    slug: str
    title: str
    category: Category
    outcomes: tuple[Outcome, ...]
    opens_at: datetime
    closes_at: datetime
    max_per_user: int
    asset: str
    description: str = ""
    status: MarketStatus = MarketStatus.OPEN
    cut_bps: int = 0
    suspensions: tuple[Suspension, ...] = ()
    created_by: str = ""
    version: int = 0

    def outcome_ids(self) -> list[str]:
        return [o.id for o in self.outcomes]

    def status_at(self, now: datetime) -> MarketStatus:
        if self.status is MarketStatus.OPEN and now >= self.closes_at:
            return MarketStatus.CLOSED
        return self.status

    def valid_commit_time(self, t: datetime) -> bool:
        """Whether a commit whose server time is `t` counts (else settlement voids it)."""
        return (self.opens_at <= t < self.closes_at
                and not any(s.covers(t) for s in self.suspensions))

    def require_accepting(self, now: datetime, outcome: str) -> None:
        """Refuse a commit early, from a (possibly slightly stale) snapshot of the market."""
        if outcome not in self.outcome_ids():
            raise InvalidInput(f"{outcome!r} is not an outcome of this market", field="outcome",
                               code="unknown_outcome")
        status = self.status_at(now)
        if status is MarketStatus.OPEN and now < self.opens_at:
            raise Rejected("the market is not open yet", code="market_not_open")
        if status is not MarketStatus.OPEN:
            raise Rejected(f"the market is {status.value}", code=f"market_{status.value}")

    def escrow_account(self, uid: str) -> str:
        return escrow_account_id(self.id, uid, self.asset)


def escrow_account_id(market_id: str, uid: str, asset: str) -> str:
    """The forecaster's own escrow in the market: their commits' holds credit it."""
    key = hashlib.sha256(uid.encode()).hexdigest()[:16]
    return system_account_id(f"escrow.{market_id}.{key}", asset)


def pool_account_id(market_id: str, asset: str, partition: int | None = None) -> str:
    """Where settlement gathers the escrows of a resolved market before paying winners: one
    pool per settlement partition, and the market's main pool, which balances them and pays
    the platform cut."""
    suffix = "" if partition is None else f".{partition:02d}"
    return system_account_id(f"escrow.{market_id}.pool{suffix}", asset)


def validate_new(market: Market) -> Market:
    """Raise InvalidInput naming the first bad field; return the market when it is sound."""
    if not SLUG.match(market.slug) or len(market.slug) > 80:
        raise InvalidInput("slugs are lower-case words joined by '-'", field="slug")
    ids = market.outcome_ids()
    if not 2 <= len(ids) <= MAX_OUTCOMES:
        raise InvalidInput(f"a market has 2 to {MAX_OUTCOMES} outcomes", field="outcomes")
    if len(set(ids)) != len(ids) or not all(OUTCOME_ID.match(i) for i in ids):
        raise InvalidInput("outcome ids are distinct [a-z0-9_] words", field="outcomes")
    if market.opens_at >= market.closes_at:
        raise InvalidInput("closes_at must be after opens_at", field="closes_at")
    if not 0 < market.max_per_user <= MAX_CAP:
        raise InvalidInput(f"max_per_user is 1..{MAX_CAP}", field="max_per_user")
    if not 0 <= market.cut_bps < BPS:
        raise InvalidInput("cut_bps is 0..9999", field="cut_bps")
    return market


def implied_ppm(totals: Mapping[str, int], outcome: str) -> int:
    """An outcome's share of the pool in PPM; with an empty pool, an even split."""
    pool = sum(totals.values())
    if pool == 0:
        return PPM // max(len(totals), 1)
    return totals.get(outcome, 0) * PPM // pool


def implied_all(totals: Mapping[str, int]) -> dict[str, int]:
    return {o: implied_ppm(totals, o) for o in totals}


def potential_payout(totals: Mapping[str, int], outcome: str, stake: int, extra: int = 0,
                     cut_bps: int = 0) -> int:
    """What `stake` on `outcome` would be paid if it won now, after adding `extra` to the pool
    on that outcome (the commit being estimated). Rounded down, as the plan floors shares."""
    pool = sum(totals.values()) + extra
    side = totals.get(outcome, 0) + extra
    if side <= 0 or stake <= 0:
        return 0
    distributable = pool - pool * cut_bps // BPS
    return min(distributable * stake // side, MAX_AMOUNT)


class ForecastState(NamedTuple):
    """The one forecast a user has in a market: its outcome, total stake and weighted p."""

    outcome: str
    amount: int = 0
    p_ppm: int = 0
    commits: int = 0


def raise_forecast(current: ForecastState | None, outcome: str, amount: int, p_ppm: int,
                   cap: int) -> ForecastState:
    """The forecast after committing `amount` more; one outcome per user, total within the cap."""
    state = current or ForecastState(outcome=outcome)
    if state.outcome != outcome:
        raise Rejected(f"your forecast in this market is on {state.outcome!r}; you may only raise "
                       "it", field="outcome", code="forecast_outcome_fixed")
    total = state.amount + amount
    if total > cap:
        raise Rejected(f"the per-user maximum is {cap}; you have {state.amount} committed",
                       field="amount", code="max_per_user_exceeded",
                       details={"max_per_user": cap, "committed": state.amount})
    p = (state.p_ppm * state.amount + p_ppm * amount) // total  # stake-weighted p at commit
    return ForecastState(outcome=outcome, amount=total, p_ppm=p, commits=state.commits + 1)


def score_ppm(right: bool, p_ppm: int, stake: int, cap: int) -> int:
    """Reputation of one resolved forecast, in PPM: +(1 - p) when right, -p when wrong, times
    the stake's weight min(stake, cap) / cap (cap: the market's max_per_user), rounded toward
    zero. A forecast at the cap counts fully; one of 1% of the cap counts 1%, so many tiny
    forecasts earn no more than one of their total size, and one unit of a large cap earns 0."""
    base = PPM - p_ppm if right else -p_ppm
    weighted = abs(base) * min(stake, cap) // cap
    return weighted if base >= 0 else -weighted


class Resolution(NamedTuple):
    outcome: str | None           # None: no winner (every hold is voided)
    evidence_urls: tuple[str, ...]
    note: str
    by: str

    def validate(self, market: Market) -> Resolution:
        if self.outcome is not None and self.outcome not in market.outcome_ids():
            raise InvalidInput(f"{self.outcome!r} is not an outcome", field="outcome",
                               code="unknown_outcome")
        if not self.evidence_urls:
            raise InvalidInput("give at least one evidence URL", field="evidence_urls")
        return self
