"""Requests and responses of creator tokens: listings, profiles, token stats, follows, news,
holders.

Apart from the trading models (exchange.py) so that neither kind of endpoint defines the other's
models in its cold start.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.domain.exchange.matching import Side

from shared.web.schemas.common import Amount, AssetCode, Body, PageQuery, Query, Uid, View

Category = Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]{2,30}$")]
Link = Annotated[str, StringConstraints(pattern=r"^https://\S{3,300}$")]


class ListCreatorRequest(Body):
    uid: Uid
    symbol: AssetCode
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    bio: Annotated[str, StringConstraints(max_length=1_000)] = ""
    links: list[Link] = Field(default_factory=list, max_length=10)
    categories: list[Category] = Field(default_factory=list, max_length=5)
    initial_supply: Amount


class CreatorProfile(View):
    uid: str
    symbol: str
    name: str
    bio: str = ""
    links: list[str] = []
    categories: list[str] = []
    initial_supply: int


class CreatorView(CreatorProfile):
    book: str


class Sentiment(View):
    """Taker buy vs sell volume (base units): who crossed the spread, and which way."""
    taker_buy_volume: int = 0
    taker_sell_volume: int = 0
    buy_share_bps: int | None = Field(None, description="taker buys' share of taker volume, "
                                                        "basis points; null when nothing traded")
    mood: Literal["bullish", "neutral", "bearish", "none"] = Field(
        "none", description="bullish above 55 % buys, bearish below 45 %")


class TokenStats(View):
    book: str
    last_price: int | None = None
    change_24h_bps: int | None = Field(None, description="close vs 24 h open, basis points")
    volume_24h: int = 0
    quote_volume_24h: int = 0
    sentiment_24h: Sentiment = Field(default_factory=Sentiment,
                                     description="the last 24 hours' hourly candles")


class CreatorDetail(CreatorView):
    token: TokenStats


class CreatorPage(View):
    items: list[CreatorView]
    next_cursor: str | None = None


class CreatorsQuery(PageQuery):
    category: Category | None = None


class CreatorQuery(Query):
    uid: Uid


class FollowRequest(Body):
    creator: Uid
    follow: bool = True


class FollowView(View):
    creator: str
    following: bool


class FeedQuery(Query):
    limit: int = Field(20, ge=1, le=100)


class NewsRequest(Body):
    creator: Uid | None = Field(None, description="the creator's uid; default: the caller")
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=140)]
    body: Annotated[str, StringConstraints(max_length=2_000)] = ""
    url: Link | None = None


class NewsView(View):
    id: str
    creator: str
    symbol: str
    book: str
    author: str
    title: str
    body: str = ""
    url: str | None = None


class FeedItem(View):
    kind: Literal["trade", "news"]
    book: str
    symbol: str
    at: datetime | None = None
    seq: int | None = Field(None, description="trades: the trade's sequence number in its book")
    price: int | None = None
    quantity: int | None = None
    taker_side: Side | None = None
    id: str | None = Field(None, description="news: the item's id")
    creator: str | None = None
    title: str | None = None
    body: str | None = None
    url: str | None = None


class Feed(View):
    items: list[FeedItem]


class HoldersQuery(Query):
    symbol: AssetCode
    limit: int = Field(10, ge=1, le=100)


class Holder(View):
    uid: str
    balance: int
    share_ppm: int = Field(description="share of supply, parts per million")


class Holders(View):
    symbol: str
    supply: int
    items: list[Holder]
