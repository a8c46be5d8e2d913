"""Discovery: search markets, the categories, what is trending, the platform's statistics."""
from __future__ import annotations

from shared.services import discovery
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.discovery import (CategoryList, PlatformStats, SearchMarketsPage,
                                          SearchMarketsQuery, Trending)


@endpoint("search_markets", auth=None, query=SearchMarketsQuery, response=SearchMarketsPage,
          summary="Markets whose title has a word starting with each word of q, newest first")
def search_markets(ctx: Context, q: SearchMarketsQuery) -> dict:
    items, cursor = discovery.search_markets(q.q, q.category.value if q.category else None,
                                             q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("list_categories", auth=None, response=CategoryList,
          summary="Market categories with their open markets (as of the statistics job)")
def list_categories(ctx: Context, _: None) -> dict:
    return discovery.categories()


@endpoint("get_trending", auth=None, response=Trending,
          summary="Creators by 24 h volume and price change, markets by 24 h commits (a job's)")
def get_trending(ctx: Context, _: None) -> dict:
    return discovery.trending()


@endpoint("get_platform_stats", auth=None, response=PlatformStats,
          summary="Users, 24 h trading and swap volume, open markets, supply per asset (a job's)")
def get_platform_stats(ctx: Context, _: None) -> dict:
    return discovery.platform_stats()
