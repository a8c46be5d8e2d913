"""The pages creators run: apply, review (admin), edit, symbol check, search, followed list."""
from __future__ import annotations

from shared.domain.users import Role
from shared.services.exchange import creator_pages
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.exchange.creator_pages import (ApplicationRequest, ApplicationView,
                                                       CreatorPages, CreatorPageView,
                                                       FollowedQuery, ReviewRequest, SearchQuery,
                                                       SymbolCheck, SymbolQuery,
                                                       UpdateCreatorProfileRequest)


@endpoint("apply_as_creator", method="POST", body=ApplicationRequest, response=ApplicationView,
          status=201, errors=("creator_exists", "symbol_taken", "application_pending"),
          summary="Apply to list your own creator token (an admin reviews it)")
def apply_as_creator(ctx: Context, body: ApplicationRequest) -> dict:
    return creator_pages.apply(ctx.operation(body.model_dump()), ctx.user, body.model_dump())


@endpoint("admin_review_creator_application", method="POST", auth=Role.ADMIN, body=ReviewRequest,
          response=ApplicationView, errors=("unknown_application", "application_reviewed",
                                            "creator_exists", "symbol_taken"),
          summary="Approve (lists the creator as admin_list_creator does) or reject, audited")
def admin_review_creator_application(ctx: Context, body: ReviewRequest) -> dict:
    return creator_pages.review(ctx.operation(body.model_dump()), ctx.user, body.uid,
                                body.approve, body.reason)


@endpoint("update_creator_profile", method="PATCH", body=UpdateCreatorProfileRequest,
          response=CreatorPageView, errors=("unknown_creator",),
          summary="Edit your creator page's sections (bio, links, skills, achievements, ...)")
def update_creator_profile(ctx: Context, body: UpdateCreatorProfileRequest) -> dict:
    return creator_pages.update_profile(ctx.user, body.model_dump(exclude_none=True))


@endpoint("check_symbol", auth=None, query=SymbolQuery, response=SymbolCheck,
          summary="Whether a symbol is free for a new creator token, and why not")
def check_symbol(ctx: Context, q: SymbolQuery) -> dict:
    return creator_pages.check_symbol(q.symbol)


@endpoint("search_creators", auth=None, query=SearchQuery, response=CreatorPages,
          summary="Creators whose symbol or name starts with the query")
def search_creators(ctx: Context, q: SearchQuery) -> dict:
    return creator_pages.search(q.q, q.limit)


@endpoint("list_my_followed_creators", query=FollowedQuery, response=CreatorPages,
          summary="The creators the caller follows")
def list_my_followed_creators(ctx: Context, q: FollowedQuery) -> dict:
    return creator_pages.followed(ctx.user, q.cursor, q.limit)
