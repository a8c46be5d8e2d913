"""Requests and responses of market prices: setting one, the prices that count (saying where each
comes from: admin, feed or last trade), their history, and conversion rates."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from shared.domain.money import MAX_AMOUNT

from shared.web.schemas.common import AssetCode, Body, Page, PageQuery, Query, View

Price = Annotated[int, Field(gt=0, le=MAX_AMOUNT)]


class SetMarketPriceRequest(Body):
    asset: AssetCode
    usd: Price = Field(description="USD per whole token, in 1e-8 USD")
    btc: Price = Field(description="BTC per whole token, in 1e-12 BTC")
    version: int | None = Field(None, ge=0, description="the version you read; 409 if it moved")


class MarketPriceView(View):
    asset: str
    usd: int
    btc: int
    version: int
    updated_at: datetime | None = None


class PriceHistoryQuery(PageQuery):
    asset: AssetCode


class ConversionRateQuery(Query):
    base: AssetCode
    quote: AssetCode
    currency: Literal["USD", "BTC"] = "USD"


class ConversionRateView(View):
    base: str
    quote: str
    numerator: int = Field(description="smallest units of quote per smallest unit of base = "
                                       "numerator / denominator")
    denominator: int
    currency: str
    currency_decimals: int


Source = Literal["admin", "feed", "last_trade"]


class PriceThatCounts(View):
    asset: str
    usd: int = Field(description="USD per whole token, in 1e-8 USD (rounded down)")
    btc: int = Field(description="BTC per whole token, in 1e-12 BTC (rounded down)")
    version: int
    updated_at: datetime | None = None
    source: Source = Field("admin", description="last_trade: a creator token's last trade price "
                                                "through its quote asset's price")
    last_trade_price: int | None = Field(None, description="quote smallest units per base "
                                                           "smallest unit")
    last_trade_book: str | None = None


class PricesThatCount(Page[PriceThatCounts]):
    pass


class PriceHistoryPoint(View):
    asset: str
    usd: int
    btc: int
    at: datetime | None
    source: Source = "admin"
    last_trade_price: int | None = None


class PriceHistoryPoints(View):
    items: list[PriceHistoryPoint]
    next_cursor: str | None = None
