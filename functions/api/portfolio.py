"""A user's portfolio: current valuation, positions in creator tokens, and value history."""
from __future__ import annotations

from shared.services import portfolio
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.portfolio import PortfolioHistory, PortfolioHistoryQuery, PortfolioView


@endpoint("get_portfolio", response=PortfolioView,
          summary="Your holdings valued in USD and in the platform token at the prices that count, "
                  "and your creator-token positions at average cost")
def get_portfolio(ctx: Context, _: None) -> dict:
    return portfolio.portfolio(ctx.uid)


@endpoint("get_portfolio_history", query=PortfolioHistoryQuery, response=PortfolioHistory,
          summary="Your portfolio's value per day, from the daily balance snapshots at each "
                  "day's prices")
def get_portfolio_history(ctx: Context, q: PortfolioHistoryQuery) -> dict:
    return portfolio.history(ctx.uid, q.days)
