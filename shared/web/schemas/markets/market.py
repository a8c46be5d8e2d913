"""Requests and responses of prediction markets: markets, forecasts, resolution, moderation."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, HttpUrl, StringConstraints

from shared.domain.markets.market import MAX_CAP, MAX_OUTCOMES, Category, MarketStatus

from shared.web.schemas.common import Amount, AssetCode, Body, MarketId, PageQuery, Query, Reason, View

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
OutcomeId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,32}$")]


class OutcomeIn(Body):
    id: OutcomeId
    label: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CreateMarketRequest(Body):
    slug: Slug
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    category: Category
    outcomes: list[OutcomeIn] = Field(min_length=2, max_length=MAX_OUTCOMES)
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime
    max_per_user: int = Field(gt=0, le=MAX_CAP, description="the most one user may commit; a "
                              "forecast of this stake counts fully in reputation")
    asset: AssetCode = "CHIP"
    cut_bps: int = Field(0, ge=0, lt=10_000, description="platform cut of the pool, basis points")
    reason: Reason | None = Field(None, description="why, for the audit log (default: the title)")


class OutcomeView(View):
    id: str
    label: str
    total: int
    implied_ppm: int = Field(description="share of the pool, parts per million")


class MarketView(View):
    id: str
    slug: str
    title: str
    description: str
    category: Category
    asset: str
    status: MarketStatus
    opens_at: datetime
    closes_at: datetime
    max_per_user: int
    cut_bps: int
    outcomes: list[OutcomeView]
    pool: int
    forecasters: int
    totals_as_of: datetime | None = Field(description="when the pool, its outcomes' totals and "
                                          "the forecasters were counted (a few seconds behind "
                                          "commits); null before the first count")
    suspensions: list[dict]
    resolution: dict | None = None
    settlement: dict | None = None
    created_by: str
    created_at: datetime | None = None


class MarketQuery(Query):
    market_id: MarketId | None = None
    slug: Slug | None = None


class MarketListQuery(PageQuery):
    category: Category | None = None
    status: MarketStatus | None = None
    sort: Literal["newest", "closing_soon", "most_committed"] = "newest"


class MarketPage(View):
    items: list[MarketView]
    next_cursor: str | None = None


class CommitRequest(Body):
    market_id: MarketId
    outcome: OutcomeId
    amount: Amount


class CommitResult(View):
    commit_id: str
    market_id: str
    outcome: str
    amount: int
    forecast_amount: int = Field(description="the forecast's total stake after this commit")
    implied_ppm: int = Field(description="the outcome's implied probability at commit, PPM, "
                             "from the pool as counted at totals_as_of")
    totals_as_of: datetime | None
    potential_payout: int = Field(description="payout of the whole forecast if it won now")
    available_after: int


class EstimateQuery(Query):
    market_id: MarketId
    outcome: OutcomeId
    amount: int = Field(gt=0, le=MAX_CAP)


class EstimateResult(View):
    market_id: str
    outcome: str
    amount: int
    implied_ppm: int
    implied_after_ppm: int
    totals_as_of: datetime | None
    decimal_odds_ppm: int = Field(description="payout / amount, in PPM (2_000_000 = 2.0x)")
    potential_payout: int
    pool: int


class ForecastView(View):
    market_id: str
    market_title: str | None = None
    category: str | None = None
    outcome: str
    amount: int
    p_ppm: int
    commits: int
    result: str
    payout: int | None = None
    score_ppm: int | None = None


class ForecastPage(View):
    items: list[ForecastView]
    next_cursor: str | None = None


class ResolveRequest(Body):
    market_id: MarketId
    outcome: OutcomeId | None = Field(description="the winning outcome; null: no winner, refund all")
    evidence_urls: list[HttpUrl] = Field(min_length=1, max_length=10)
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class ModerateRequest(Body):
    market_id: MarketId
    reason: Reason


class NeedingResolutionQuery(PageQuery):
    pass
