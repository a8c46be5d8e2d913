"""Requests and responses of discovery: market search, categories, trending and platform
statistics. The last three come from a job's document and carry its `as_of` (null before the
job first ran)."""

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from shared.domain.markets.market import Category
from shared.web.schemas.common import PageQuery, View
from shared.web.schemas.exchange.creators import Sentiment
from shared.web.schemas.markets.market import MarketView


class SearchMarketsQuery(PageQuery):
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = \
        Field(description="every word must start a word of the title (case and accents ignored); "
                          "up to 5 words count")
    category: Category | None = None


class SearchMarketsPage(View):
    items: list[MarketView]
    next_cursor: str | None = Field(None, description="set when more may match: a page can be "
                                                      "short when its read budget ran out")


class CategoryEntry(View):
    category: Category
    open_markets: int | None = Field(None, description="as of the statistics job")


class CategoryList(View):
    items: list[CategoryEntry]
    as_of: datetime | None = None


class TrendingCreator(View):
    uid: str
    symbol: str
    name: str | None = None
    book: str
    volume_24h: int
    quote_volume_24h: int
    last_price: int | None = None
    change_24h_bps: int | None = None
    sentiment: Sentiment


class TrendingMarket(View):
    id: str
    slug: str
    title: str
    category: str
    commits_24h: int = Field(description="forecasts placed or raised in 24 h, a forecaster once")


class Trending(View):
    creators_by_volume: list[TrendingCreator]
    creators_by_change: list[TrendingCreator]
    markets_by_commits: list[TrendingMarket]
    as_of: datetime | None = None


class QuoteVolume(View):
    quote: str
    base_volume: int
    quote_volume: int


class PairVolume(View):
    pair: str
    base: str
    quote: str
    base_volume: int
    quote_volume: int
    fills: int


class Circulation(View):
    asset: str
    supply: int = Field(description="minted by issuance, not yet burned")
    as_of: datetime | None = Field(None, description="the consolidation it counts up to; null "
                                                     "when exact")


class PlatformStats(View):
    users: int | None = None
    open_markets: int | None = None
    trading_volume_24h: list[QuoteVolume]
    swap_volume_24h: list[PairVolume]
    circulation: list[Circulation]
    as_of: datetime | None = None
