"""The assets (ledgers) this deployment knows."""
from __future__ import annotations

from shared.services import assets
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.assets import AssetList
from shared.web.schemas.common import PageQuery


@endpoint("list_assets", auth=None, query=PageQuery, response=AssetList,
          summary="The assets by code, a page at a time: code, decimals, kind, cap")
def list_assets(ctx: Context, q: PageQuery) -> dict:
    items, cursor = assets.list_assets(q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}
