"""The assets (ledgers) this deployment knows."""
from __future__ import annotations

from shared.store.assets import list_assets as all_assets
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.assets import AssetList


@endpoint("list_assets", auth=None, response=AssetList, summary="Every asset: code, decimals, kind, cap")
def list_assets(ctx: Context, _: None) -> dict:
    return {"items": [vars(a) for a in all_assets()]}
