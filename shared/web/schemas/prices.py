"""Responses of market prices that say where a price comes from (admin, feed or last trade)."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from .common import View

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


class PricesThatCount(View):
    items: list[PriceThatCounts]


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
