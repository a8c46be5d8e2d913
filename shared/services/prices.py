"""Market prices of assets (USD and BTC, set by admins or a price feed) and conversion rates.

Guarantees:
- Setting a price writes the current price and a history entry in one transaction, passing the
  version read when the caller gives one (a stale edit is a version_conflict).
- A conversion rate between two assets is derived from their prices in one currency with
  integer math (domain/pricing.conversion_rate); with a price missing it is price_unavailable.
"""
from __future__ import annotations

from google.cloud import firestore

from shared.domain.errors import Rejected, VersionConflict
from shared.domain.idempotency import Operation
from shared.domain.pricing import CURRENCY_DECIMALS, Rate, conversion_rate, require_price
from shared.domain.users import User
from shared.store import prices as store
from shared.store.assets import get_asset
from shared.store.client import collection
from shared.store.idempotency import run_idempotent
from shared.store.pages import page


def set_price(op: Operation, admin: User, asset_code: str, usd: int, btc: int,
              expected_version: int | None) -> dict:
    asset = get_asset(asset_code)
    require_price(usd, "USD")
    require_price(btc, "BTC")
    ref = collection(store.ASSET_PRICES).document(asset.code)

    def work(txn: firestore.Transaction) -> dict:
        snap = ref.get(transaction=txn)
        version = int(snap.get("version")) if snap.exists else 0
        if expected_version is not None and expected_version != version:
            raise VersionConflict("the price changed since you read it", field="version",
                                  details={"version": version})
        store.set_market_price(txn, asset.code, usd, btc, admin.uid, version + 1)
        return {"asset": asset.code, "usd": usd, "btc": btc, "version": version + 1}

    return run_idempotent(op, work)


def prices() -> list[dict]:
    return [price_view(d) for d in store.market_prices()]


def price_view(d: dict) -> dict:
    return {"asset": d["asset"], "usd": d["usd"], "btc": d["btc"],
            "updated_at": d.get("updated_at"), "version": d.get("version", 0)}


def history(asset_code: str, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    get_asset(asset_code)
    docs, next_cursor = page(store.history_query(asset_code), store.PRICE_HISTORY, cursor, limit)
    return [{"asset": d.get("asset"), "usd": d.get("usd"), "btc": d.get("btc"), "at": d.get("at")}
            for d in (s.to_dict() for s in docs)], next_cursor


def rate(base_code: str, quote_code: str, currency: str = "USD") -> Rate:
    """Smallest units of `quote` per smallest unit of `base`, from current prices."""
    base, quote = get_asset(base_code), get_asset(quote_code)
    field = currency.lower()
    pb, pq = store.market_price(base.code), store.market_price(quote.code)
    if pb is None or pq is None:
        missing = base.code if pb is None else quote.code
        raise Rejected(f"{missing} has no market price", field="asset", code="price_unavailable",
                       details={"asset": missing})
    return conversion_rate(base.code, base.decimals, int(pb[field]), quote.code, quote.decimals,
                           int(pq[field]))


def rate_view(r: Rate, currency: str) -> dict:
    return {"base": r.base, "quote": r.quote, "numerator": r.numerator,
            "denominator": r.denominator, "currency": currency,
            "currency_decimals": CURRENCY_DECIMALS[currency]}
