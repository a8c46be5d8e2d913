"""Bootstrap a fresh project: the platform asset exists. Safe to run any number of times."""
from __future__ import annotations

from shared.config import settings
from shared.domain.assets import Asset, AssetKind
from shared.domain.errors import Conflict
from shared.domain.idempotency import Operation
from shared.store.assets import forget_cache

from shared.services.assets import create_asset


def ensure_platform() -> None:
    code = settings().platform_asset
    platform = Asset(code=code, name="Chips", decimals=2, kind=AssetKind.PLATFORM)
    try:
        create_asset(Operation.of("system", "bootstrap", code, vars(platform)), None, platform)
    except Conflict:
        pass  # created by an earlier bootstrap under another key
    forget_cache()
