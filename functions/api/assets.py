"""The assets (ledgers) this deployment knows."""
from __future__ import annotations

from shared.services import assets
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.assets import AssetList


@endpoint("list_assets", auth=None, response=AssetList, summary="Every asset: code, decimals, kind, cap")
def list_assets(ctx: Context, _: None) -> dict:
    return {"items": assets.list_assets()}
