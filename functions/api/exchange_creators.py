"""Creator endpoints: listing (admin), public profiles, token stats and holders, follows, news,
feed."""
from __future__ import annotations

from shared.domain.users import Role
from shared.services.exchange import creator_pages, creators
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.exchange.creators import (CreatorDetail, CreatorPage, CreatorQuery,
                                                  CreatorsQuery, CreatorView, Feed, FeedQuery,
                                                  FollowRequest, FollowView, Holders, HoldersQuery,
                                                  ListCreatorRequest, NewsRequest, NewsView)


@endpoint("admin_list_creator", method="POST", auth=Role.ADMIN, body=ListCreatorRequest,
          response=CreatorView, status=201, errors=("unknown_user", "creator_exists", "symbol_taken"),
          summary="List a creator: profile, token (initial supply minted to them) and its book")
def admin_list_creator(ctx: Context, body: ListCreatorRequest) -> dict:
    return creators.list_creator(ctx.operation(body.model_dump()), ctx.user, body.model_dump())


@endpoint("list_creators", auth=None, query=CreatorsQuery, response=CreatorPage,
          summary="Creators by symbol, optionally in one category")
def list_creators(ctx: Context, q: CreatorsQuery) -> dict:
    return creators.list_creators(q.category, q.cursor, q.limit)


@endpoint("get_creator", auth=None, query=CreatorQuery, response=CreatorDetail,
          errors=("unknown_creator",),
          summary="A creator's profile and token: last price, 24 h change and volume")
def get_creator(ctx: Context, q: CreatorQuery) -> dict:
    return creators.get_creator(q.uid)


@endpoint("list_holders", auth=None, query=HoldersQuery, response=Holders,
          summary="Top holders of a token with their share of supply")
def list_holders(ctx: Context, q: HoldersQuery) -> dict:
    return creators.holders(q.symbol, q.limit)


@endpoint("follow_creator", method="POST", body=FollowRequest, response=FollowView,
          errors=("unknown_creator",), summary="Follow (or, with follow=false, unfollow) a creator")
def follow_creator(ctx: Context, body: FollowRequest) -> dict:
    return creator_pages.follow(ctx.user, body.creator, body.follow)


@endpoint("post_creator_news", method="POST", body=NewsRequest, response=NewsView, status=201,
          errors=("unknown_creator", "not_the_creator"),
          summary="Post news on a creator's page (the creator, or an admin for any creator)")
def post_creator_news(ctx: Context, body: NewsRequest) -> dict:
    return creators.post_news(ctx.operation(body.model_dump()), ctx.user,
                              body.creator or ctx.uid, body.model_dump())


@endpoint("get_feed", query=FeedQuery, response=Feed,
          summary="The newest trades and news of the creators the caller follows")
def get_feed(ctx: Context, q: FeedQuery) -> dict:
    return creators.feed(ctx.user, q.limit)
