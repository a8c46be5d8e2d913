"""A user's portfolio: current valuation and value history."""
from __future__ import annotations

from pydantic import BaseModel, Field

from shared.services import portfolio
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.common import Query


class Holding(BaseModel):
    asset: str
    total: int
    value_usd: int | None = Field(description="1e-8 USD; null without a market price")
    value_platform: int | None = Field(description="smallest units of the platform token")


class PortfolioView(BaseModel):
    platform_asset: str
    holdings: list[Holding]
    total_usd: int
    total_platform: int
    unpriced: list[str]


class PortfolioHistoryQuery(Query):
    days: int = Field(30, ge=1, le=portfolio.MAX_DAYS)


class ValuePoint(BaseModel):
    date: str
    value_usd: int
    value_platform: int


class PortfolioHistory(BaseModel):
    platform_asset: str
    points: list[ValuePoint]


@endpoint("get_portfolio", response=PortfolioView,
          summary="Your holdings valued in USD and in the platform token at current prices")
def get_portfolio(ctx: Context, _: None) -> dict:
    return portfolio.portfolio(ctx.uid)


@endpoint("get_portfolio_history", query=PortfolioHistoryQuery, response=PortfolioHistory,
          summary="Your portfolio's value per day, from the daily balance snapshots")
def get_portfolio_history(ctx: Context, q: PortfolioHistoryQuery) -> dict:
    return portfolio.history(ctx.uid, q.days)
