"""Asset documents, cached per process for a minute.

Assets change rarely (created by admins) and are read by almost every request, so they are read
outside transactions and cached: a transfer never reads (and so never locks) an asset document.
"""
from __future__ import annotations

import time

from google.cloud import firestore

from shared.domain.assets import Asset, AssetKind
from shared.domain.errors import NotFound

from shared.store.client import collection
from shared.store.pages import page

ASSETS = "assets"
TTL_S = 60.0
_cache: dict[str, tuple[float, Asset]] = {}


def asset_from(data: dict) -> Asset:
    return Asset(code=data["code"], name=data["name"], decimals=int(data["decimals"]),
                 kind=AssetKind(data.get("kind", "creator")), supply_cap=data.get("supply_cap"),
                 active=bool(data.get("active", True)))


def asset_doc(asset: Asset) -> dict:
    return {"code": asset.code, "name": asset.name, "decimals": asset.decimals,
            "kind": asset.kind.value, "supply_cap": asset.supply_cap, "active": asset.active,
            "version": 0, "created_at": firestore.SERVER_TIMESTAMP}


def get_asset(code: str) -> Asset:
    """The asset, or NotFound(unknown_asset); cached for TTL_S seconds."""
    hit = _cache.get(code)
    if hit and time.monotonic() - hit[0] < TTL_S:
        return hit[1]
    snap = collection(ASSETS).document(code).get() if code and "/" not in code else None
    if snap is None or not snap.exists:
        raise NotFound(f"unknown asset {code!r}", field="asset", code="unknown_asset")
    asset = asset_from(snap.to_dict())
    _cache[code] = (time.monotonic(), asset)
    return asset


def assets_page(cursor: str | None, limit: int) -> tuple[list[Asset], str | None]:
    """A page of the assets by code (each cached as get_asset caches it: a page read is as fresh)."""
    docs, next_cursor = page(collection(ASSETS).order_by("code"), ASSETS, cursor, limit)
    assets = [asset_from(s.to_dict()) for s in docs]
    now = time.monotonic()
    _cache.update((a.code, (now, a)) for a in assets)
    return assets, next_cursor


def list_assets() -> list[Asset]:
    return [asset_from(s.to_dict()) for s in collection(ASSETS).order_by("code").stream()]


def forget_cache() -> None:
    _cache.clear()
