"""Prediction markets: list, detail, create, forecasts (commit, estimate, mine)."""
from __future__ import annotations

from shared.domain.errors import InvalidInput
from shared.domain.markets.market import Outcome
from shared.domain.users import Role
from shared.services.markets import catalog
from shared.services.markets import forecasts
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.common import PageQuery
from shared.web.schemas.markets.market import (CommitRequest, CommitResult, CreateMarketRequest,
                                        EstimateQuery, EstimateResult, ForecastPage,
                                        MarketListQuery, MarketPage, MarketQuery, MarketView)


@endpoint("create_market", method="POST", auth=Role.MODERATOR, body=CreateMarketRequest,
          response=MarketView, status=201, summary="Create a market (moderators and admins)",
          errors=("slug_taken", "unknown_asset"))
def create_market(ctx: Context, body: CreateMarketRequest) -> dict:
    fields = body.model_dump()
    fields["outcomes"] = tuple(Outcome(o["id"], o["label"]) for o in fields["outcomes"])
    return catalog.create(ctx.operation(body.model_dump(mode="json")), ctx.user, fields)


@endpoint("list_markets", auth=None, query=MarketListQuery, response=MarketPage,
          summary="Markets, filtered by category and status, newest / closing soon / most committed")
def list_markets(ctx: Context, q: MarketListQuery) -> dict:
    items, cursor = catalog.list_markets(category=q.category, status=q.status, sort=q.sort,
                                         cursor=q.cursor, limit=q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("get_market", auth=None, query=MarketQuery, response=MarketView,
          summary="One market by id or slug: outcome totals, implied probabilities, forecasters",
          errors=("unknown_market",))
def get_market(ctx: Context, q: MarketQuery) -> dict:
    if q.market_id:
        return catalog.detail(q.market_id)
    if q.slug:
        return catalog.detail_by_slug(q.slug)
    raise InvalidInput("give market_id or slug", field="market_id")


@endpoint("commit_forecast", method="POST", body=CommitRequest, response=CommitResult,
          rate_limit="forecasts",
          summary="Commit (hold) tokens on an outcome; raises your forecast if you have one",
          errors=("insufficient_funds", "unknown_market", "unknown_outcome", "market_closed",
                  "market_suspended", "market_resolved", "market_cancelled", "market_not_open",
                  "max_per_user_exceeded", "forecast_outcome_fixed", "account_frozen"))
def commit_forecast(ctx: Context, body: CommitRequest) -> dict:
    return forecasts.commit(ctx.operation(body.model_dump()), ctx.user, body.market_id,
                                    body.outcome, body.amount)


@endpoint("estimate_forecast", auth=None, query=EstimateQuery, response=EstimateResult,
          summary="Implied odds and the potential payout of an amount at the current pool",
          errors=("unknown_market", "unknown_outcome"))
def estimate_forecast(ctx: Context, q: EstimateQuery) -> dict:
    return forecasts.estimate(q.market_id, q.outcome, q.amount)


@endpoint("list_my_forecasts", query=PageQuery, response=ForecastPage,
          summary="Your forecasts, most recently changed first, with results once settled")
def list_my_forecasts(ctx: Context, q: PageQuery) -> dict:
    items, cursor = forecasts.my_forecasts(ctx.uid, q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}
