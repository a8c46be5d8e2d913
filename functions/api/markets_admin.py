"""Market moderation: resolve, cancel, suspend, reopen, markets needing resolution, and a
market's moderation history."""
from __future__ import annotations

from shared.domain.markets.market import Resolution
from shared.domain.users import Role
from shared.services.markets import catalog
from shared.services.markets import resolution
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.admin import AuditPage
from shared.web.schemas.markets.social import MarketHistoryQuery
from shared.web.schemas.markets.market import (MarketPage, MarketView, ModerateRequest,
                                        NeedingResolutionQuery, ResolveRequest)


@endpoint("resolve_market", method="POST", auth=Role.MODERATOR, body=ResolveRequest,
          response=MarketView, summary="Resolve with evidence; freezes the payout plan and "
          "starts settlement (immutable once written)",
          errors=("unknown_market", "unknown_outcome", "market_not_closed",
                  "market_already_resolved", "market_already_cancelled"))
def resolve_market(ctx: Context, body: ResolveRequest) -> dict:
    decided = Resolution(outcome=body.outcome,
                         evidence_urls=tuple(str(u) for u in body.evidence_urls),
                         note=body.note, by=ctx.uid)
    return resolution.resolve(ctx.operation(body.model_dump(mode="json")), ctx.user,
                              body.market_id, decided)


@endpoint("cancel_market", method="POST", auth=Role.MODERATOR, body=ModerateRequest,
          response=MarketView, summary="Cancel a market: every hold is voided (refunded)",
          errors=("unknown_market", "market_already_resolved", "market_already_cancelled"))
def cancel_market(ctx: Context, body: ModerateRequest) -> dict:
    return resolution.cancel(ctx.operation(body.model_dump()), ctx.user, body.market_id,
                                     body.reason)


@endpoint("suspend_market", method="POST", auth=Role.MODERATOR, body=ModerateRequest,
          response=MarketView, summary="Suspend an open market; commits meanwhile are refunded",
          errors=("unknown_market", "market_not_open"))
def suspend_market(ctx: Context, body: ModerateRequest) -> dict:
    return catalog.set_suspended(ctx.operation(body.model_dump()), ctx.user, body.market_id,
                                 True, body.reason)


@endpoint("reopen_market", method="POST", auth=Role.MODERATOR, body=ModerateRequest,
          response=MarketView, summary="Reopen a suspended market",
          errors=("unknown_market", "market_not_suspended"))
def reopen_market(ctx: Context, body: ModerateRequest) -> dict:
    return catalog.set_suspended(ctx.operation(body.model_dump()), ctx.user, body.market_id,
                                 False, body.reason)


@endpoint("admin_markets_needing_resolution", auth=Role.ADMIN, query=NeedingResolutionQuery,
          response=MarketPage, summary="Markets past their close time, not yet resolved")
def admin_markets_needing_resolution(ctx: Context, q: NeedingResolutionQuery) -> dict:
    items, cursor = catalog.needing_resolution(q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("admin_market_history", auth=Role.ADMIN, query=MarketHistoryQuery, response=AuditPage,
          summary="A market's moderation history, newest first: creation, suspensions, "
          "reopenings, resolution or cancellation, forecast flags, each with its reason",
          errors=("unknown_market",))
def admin_market_history(ctx: Context, q: MarketHistoryQuery) -> dict:
    items, cursor = catalog.history(q.market_id, q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}
