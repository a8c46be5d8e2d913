"""Responses of the portfolio: holdings, positions in creator tokens, and value history."""

from pydantic import Field

from shared.domain.portfolio import MAX_DAYS, MAX_POSITIONS
from shared.web.schemas.common import Query, View


class Holding(View):
    asset: str
    total: int
    value_usd: int | None = Field(description="1e-8 USD; null without a market price")
    value_platform: int | None = Field(description="smallest units of the platform token")


class PortfolioUnits(View):
    usd: str = Field(description="unit of every *_usd value: 1e-8 USD")
    platform: str = Field(description="unit of every *_platform value")
    positions: str = Field(description="unit of a position's cost, prices and profit or loss")


class CreatorPosition(View):
    book: str
    asset: str = Field(description="the creator token (the book's base)")
    quote: str = Field(description="the asset costs and prices are in")
    quantity: int = Field(description="smallest units of the token bought through the book and "
                                      "still held")
    cost: int = Field(description="what the held quantity cost: prices x quantities + fees, "
                                  "less the average cost of what was sold")
    average_cost: int | None = Field(description="cost // quantity, per smallest unit of the "
                                                 "token; null when nothing is held")
    last_price: int = Field(description="the book's last trade price")
    market_value: int = Field(description="quantity x last_price")
    unrealised_pnl: int = Field(description="market_value - cost; negative for a loss")
    realised_pnl: int = Field(description="sale proceeds less fees less the cost removed")


class PortfolioView(View):
    platform_asset: str
    holdings: list[Holding]
    total_usd: int
    total_platform: int
    unpriced: list[str]
    positions: list[CreatorPosition] = Field(
        description=f"at most {MAX_POSITIONS} books: the first by book id")
    units: PortfolioUnits


class PortfolioHistoryQuery(Query):
    days: int = Field(30, ge=1, le=MAX_DAYS)


class ValuePoint(View):
    date: str
    value_usd: int = Field(description="1e-8 USD, at that day's prices")
    value_platform: int = Field(description="smallest units of the platform token, at that "
                                            "day's prices")
    unpriced: list[str] = Field(description="assets held that day without a price that day")


class PortfolioHistory(View):
    platform_asset: str
    points: list[ValuePoint]
    units: PortfolioUnits
