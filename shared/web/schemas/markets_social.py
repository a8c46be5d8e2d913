"""Requests and responses of the markets' social side: reputation, badges, leaderboards,
follows, notifications, the activity feed and forecast flags."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from shared.domain.markets import Category
from shared.domain.markets_social import Badge, Period

from .common import Body, PageQuery, Query, Reason, Uid
from .markets import MarketId

NotificationId = Annotated[str, StringConstraints(min_length=1, max_length=128,
                                                  pattern=r"^[A-Za-z0-9_.-]+$")]


class UidQuery(Query):
    uid: Uid


class BadgeQuery(PageQuery):
    uid: Uid


class CategoryScore(BaseModel):
    category: str
    score_ppm: int
    net_won: int
    resolved: int
    correct: int


class ReputationView(BaseModel):
    uid: str
    score_ppm: int = Field(description="sum of +(1-p) per right and -p per wrong forecast, PPM")
    resolved: int
    correct: int
    net_won: int = Field(description="payouts minus stakes over resolved forecasts")
    categories: list[CategoryScore]


class BadgeView(BaseModel):
    uid: str
    badge: Badge
    label: str
    awarded_at: datetime | None = None
    market_id: str | None = None


class BadgePage(BaseModel):
    items: list[BadgeView]
    next_cursor: str | None = None


class LeaderboardQuery(Query):
    period: Period = Period.WEEK
    category: Category | Literal["all"] = "all"


class LeaderboardRow(BaseModel):
    rank: int
    uid: str
    score_ppm: int
    net_won: int
    resolved: int
    correct: int


class LeaderboardView(BaseModel):
    id: str = Field(description="leaderboards/{id}: the document clients can listen to")
    period: Period
    category: str
    period_start: datetime
    rows: list[LeaderboardRow]
    computed_at: datetime | None = None


class FollowRequest(Body):
    category: Category


class FollowsView(BaseModel):
    categories: list[str]


class NotificationQuery(PageQuery):
    unread: bool = False


class NotificationView(BaseModel):
    id: str
    kind: str
    read: bool
    created_at: datetime | None = None
    data: dict[str, Any]


class NotificationPage(BaseModel):
    items: list[NotificationView]
    next_cursor: str | None = None
    unread_count: int


class MarkReadRequest(Body):
    ids: list[NotificationId] | None = Field(None, max_length=100)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> MarkReadRequest:
        if (self.ids is None) == (not self.all):
            raise ValueError("give either ids or all: true")
        return self


class MarkReadResult(BaseModel):
    marked: int


class FeedQuery(PageQuery):
    category: Category | None = None


class FeedEntry(BaseModel):
    id: str
    kind: Literal["forecast_placed", "market_created", "market_resolved", "badge_earned"]
    uid: str
    market_id: str | None = None
    market_title: str | None = None
    category: str | None = None
    outcome: str | None = None
    badge: str | None = None
    label: str | None = None
    created_at: datetime | None = None


class FeedPage(BaseModel):
    items: list[FeedEntry]
    next_cursor: str | None = None


class FlagRequest(Body):
    market_id: MarketId
    uid: Uid
    reason: Reason


class FlagView(BaseModel):
    id: str
    forecast_id: str
    market_id: str
    forecaster: str
    reason: str
    flagged_by: str
    created_at: datetime | None = None
    outcome: str | None = None
    amount: int | None = None
    market_title: str | None = None


class FlagPage(BaseModel):
    items: list[FlagView]
    next_cursor: str | None = None
