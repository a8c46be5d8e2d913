"""A user's portfolio: holdings valued in USD and in the platform token, and its value history.

Guarantees:
- Values are integers: USD in 1e-8 (pricing.CURRENCY_DECIMALS) and the platform token in its
  smallest unit, each rounded down; an asset without a market price is listed with no value and
  left out of the totals (never valued at zero silently: `unpriced` names it).
- History comes from the daily balance snapshots (job_snapshot_balances), one point per day,
  valued at current prices (no per-day price is frozen yet; see price_history for the prices).
"""
from __future__ import annotations

from collections import defaultdict

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.config import settings
from shared.domain.accounts import AccountKind
from shared.domain.errors import NotFound
from shared.domain.pricing import conversion_rate
from shared.store import prices as price_store
from shared.store.assets import get_asset
from shared.store.client import collection

from .balances import SNAPSHOTS, balances

MAX_DAYS = 366


def _valuer():
    """value(asset, amount) -> (usd, platform) or None, from one read of current prices."""
    quotes = {d["asset"]: d for d in price_store.market_prices()}
    platform = get_asset(settings().platform_asset)

    def value(asset_code: str, amount: int) -> tuple[int, int] | None:
        try:
            asset = get_asset(asset_code)
        except NotFound:
            return None
        price, base = quotes.get(asset.code), quotes.get(platform.code)
        if price is None:
            return None
        usd = amount * int(price["usd"]) // 10**asset.decimals
        if asset.code == platform.code:
            return usd, amount
        if base is None:
            return None
        rate = conversion_rate(asset.code, asset.decimals, int(price["usd"]), platform.code,
                               platform.decimals, int(base["usd"]))
        return usd, rate.convert(amount)

    return value


def portfolio(uid: str) -> dict:
    value = _valuer()
    holdings, unpriced = [], []
    total_usd = total_platform = 0
    for row in balances(uid):
        worth = value(row["asset"], row["total"])
        if worth is None:
            unpriced.append(row["asset"])
        else:
            total_usd += worth[0]
            total_platform += worth[1]
        holdings.append({"asset": row["asset"], "total": row["total"],
                         "value_usd": worth[0] if worth else None,
                         "value_platform": worth[1] if worth else None})
    return {"platform_asset": settings().platform_asset, "holdings": holdings,
            "total_usd": total_usd, "total_platform": total_platform, "unpriced": unpriced}


def history(uid: str, days: int) -> dict:
    query = (collection(SNAPSHOTS).where(filter=FieldFilter("owner", "==", uid))
             .where(filter=FieldFilter("kind", "==", AccountKind.USER.value))
             .order_by("date", direction=firestore.Query.DESCENDING).limit(days * 16))
    value = _valuer()
    by_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for snap in query.stream():
        data = snap.to_dict()
        worth = value(data["asset"], int(data["balance"]))
        point = by_day[data["date"]]
        if worth is not None:
            point[0] += worth[0]
            point[1] += worth[1]
    dates = sorted(by_day)[-days:]
    return {"platform_asset": settings().platform_asset,
            "points": [{"date": d, "value_usd": by_day[d][0], "value_platform": by_day[d][1]}
                       for d in dates]}
