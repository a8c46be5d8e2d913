"""Requests and responses of the markets' social side: reputation, badges, leaderboards,
follows, notifications, the activity feed and forecast flags."""

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from shared.domain.markets.market import Category
from shared.domain.markets.social import Badge, Period
from shared.domain.notices import MUTABLE

from shared.web.schemas.common import Body, MarketId, PageQuery, Query, Reason, Uid, View

NotificationId = Annotated[str, StringConstraints(min_length=1, max_length=128,
                                                  pattern=r"^[A-Za-z0-9_.-]+$")]


class UidQuery(Query):
    uid: Uid


class BadgeQuery(PageQuery):
    uid: Uid


class CategoryScore(View):
    category: str
    score_ppm: int
    net_won: int
    resolved: int
    correct: int


class ReputationView(View):
    uid: str
    score_ppm: int = Field(description="never below zero: per category, the sum of each "
                           "unflagged settled forecast's +(1-p) if right or -p if wrong, times "
                           "min(stake, max_per_user) / max_per_user, clamped at zero, in PPM")
    resolved: int
    correct: int
    net_won: int = Field(description="payouts minus stakes over resolved forecasts")
    categories: list[CategoryScore]


class BadgeView(View):
    uid: str
    badge: Badge
    label: str
    awarded_at: datetime | None = None
    market_id: str | None = None


class BadgePage(View):
    items: list[BadgeView]
    next_cursor: str | None = None


class LeaderboardQuery(Query):
    period: Period = Period.WEEK
    category: Category | Literal["all"] = "all"
    start: date | None = Field(None, description="a past period by its first day (UTC): a "
                               "Monday for week, the 1st for month, 1970-01-01 for all; "
                               "default: the current period")


class LeaderboardRow(View):
    rank: int
    uid: str
    display_name: str | None = Field(None, description="from the user's public profile at read "
                                     "time; null once the account is deleted")
    score_ppm: int
    net_won: int
    resolved: int
    correct: int


class LeaderboardView(View):
    id: str = Field(description="leaderboards/{id}: the document clients can listen to")
    period: Period
    category: str
    period_start: datetime
    rows: list[LeaderboardRow]
    computed_at: datetime | None = None


class FollowRequest(Body):
    category: Category


class FollowsView(View):
    categories: list[str]


class NotificationQuery(PageQuery):
    unread: bool = False


class NotificationView(View):
    id: str
    kind: str
    message: str = Field(description="what happened, in a sentence")
    read: bool
    created_at: datetime | None = None
    data: dict[str, Any]


class NotificationPage(View):
    items: list[NotificationView]
    next_cursor: str | None = None
    unread_count: int


class MarkReadRequest(Body):
    ids: list[NotificationId] | None = Field(None, max_length=100)
    all: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.ids is None) == (not self.all):
            raise ValueError("give either ids or all: true")
        return self


class MarkReadResult(View):
    marked: int
    more: bool = Field(False, description="all: true marked a first batch; call again for more")


MutableKind = Literal[MUTABLE]


class NotificationSettingsRequest(Body):
    muted: list[MutableKind] = Field(max_length=len(MUTABLE),
                                     description="the kinds not to be told about (replaces the "
                                                 "list); [] mutes nothing")


class NotificationSettings(View):
    muted: list[str]
    mutable: list[str] = Field(description="every kind that can be muted")


class FeedQuery(PageQuery):
    category: Category | None = None


class FeedEntry(View):
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


class FeedPage(View):
    items: list[FeedEntry]
    next_cursor: str | None = None


class FlagRequest(Body):
    market_id: MarketId
    uid: Uid
    reason: Reason


class FlagView(View):
    id: str
    forecast_id: str
    market_id: str
    forecaster: str
    reason: str
    flagged_by: str
    status: Literal["open", "cleared"] = Field(description="open while the forecast is "
                                               "left out of reputation and leaderboards")
    created_at: datetime | None = None
    outcome: str | None = None
    amount: int | None = None
    market_title: str | None = None


class ClearFlagResult(View):
    market_id: str
    uid: str
    flagged: bool
    score_ppm: int = Field(description="what the forecast adds to reputation again (0 until "
                           "it is settled)")


class MarketHistoryQuery(PageQuery):
    market_id: MarketId


class FlagPage(View):
    items: list[FlagView]
    next_cursor: str | None = None
