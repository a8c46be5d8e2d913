"""Requests and responses of the pages creators run: applications, profile sections, symbol
checks, search and the creators a user follows. Every section is bounded in size, so a creator
document stays far below Firestore's 1 MiB whatever a creator writes."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.web.schemas.common import (Amount, AssetCode, Body, PageQuery, Query, Reason, Uid,
                                       View)
from shared.web.schemas.exchange.creators import Category, CreatorProfile, CreatorView, Link

Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Items = Field(None, max_length=20)  # up to 20 entries of up to 200 characters each


class ApplicationRequest(Body):
    symbol: AssetCode
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    bio: Annotated[str, StringConstraints(max_length=1_000)] = ""
    links: list[Link] = Field(default_factory=list, max_length=10)
    categories: list[Category] = Field(default_factory=list, max_length=5)
    initial_supply: Amount = Field(description="the token's supply, minted to the creator on "
                                               "approval")


class ReviewRequest(Body):
    uid: Uid
    approve: bool
    reason: Reason


class ApplicationView(CreatorProfile):
    status: Literal["pending", "approved", "rejected"]
    reason: str | None = None


class UpdateCreatorProfileRequest(Body):
    bio: Annotated[str, StringConstraints(max_length=2_000)] | None = None
    links: list[Link] | None = Field(None, max_length=10)
    skills: list[Item] | None = Items
    achievements: list[Item] | None = Items
    work_history: list[Item] | None = Items
    education: list[Item] | None = Items
    content_links: list[Link] | None = Field(None, max_length=20)


class CreatorPageView(CreatorView):
    skills: list[str] = []
    achievements: list[str] = []
    work_history: list[str] = []
    education: list[str] = []
    content_links: list[str] = []
    followers: int = 0
    followers_as_of: datetime | None = Field(None, description="when the count was taken")


class CreatorPages(View):
    items: list[CreatorPageView]
    next_cursor: str | None = None


class SymbolQuery(Query):
    symbol: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class SymbolCheck(View):
    symbol: str
    available: bool
    reason: Literal["invalid", "taken"] | None = None


class SearchQuery(Query):
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    limit: int = Field(20, ge=1, le=50)


class FollowedQuery(PageQuery):
    pass

