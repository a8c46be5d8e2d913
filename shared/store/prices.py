"""Price documents: the service fee table and market prices of assets with their history.

- service_prices/{id}: one window of one service's price; the id is derived from (service type,
  valid_from), so setting the same window again replaces it instead of adding a rival.
- asset_prices/{ASSET}: the current USD and BTC price of an asset; price_history/{id}: every
  price ever set, written in the same transaction as the current price.
Prices are read outside ledger transactions: they change rarely and are not money, and a charge
applies the price in force when the call arrives.
"""
from __future__ import annotations

from datetime import datetime, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.idempotency import derive_id
from shared.domain.pricing import ServicePrice

from shared.store.client import collection

SERVICE_PRICES, ASSET_PRICES, PRICE_HISTORY = "service_prices", "asset_prices", "price_history"


def service_price_id(p: ServicePrice) -> str:
    return derive_id(p.service_type, p.valid_from.astimezone(timezone.utc).isoformat())


def service_price_doc(p: ServicePrice, actor: str) -> dict:
    return {"service_type": p.service_type, "asset": p.asset, "amount": p.amount,
            "valid_from": p.valid_from, "valid_until": p.valid_until, "set_by": actor,
            "updated_at": firestore.SERVER_TIMESTAMP}


def service_price_from(data: dict) -> ServicePrice:
    return ServicePrice(service_type=data["service_type"], asset=data["asset"],
                        amount=int(data["amount"]), valid_from=data["valid_from"],
                        valid_until=data.get("valid_until"))


def service_prices(service_type: str | None = None) -> list[ServicePrice]:
    query = collection(SERVICE_PRICES)
    if service_type:
        query = query.where(filter=FieldFilter("service_type", "==", service_type))
    prices = [service_price_from(s.to_dict()) for s in query.stream()]
    return sorted(prices, key=lambda p: (p.service_type, p.valid_from))


def market_price(asset: str) -> dict | None:
    snap = collection(ASSET_PRICES).document(asset).get() if "/" not in asset else None
    return snap.to_dict() if snap is not None and snap.exists else None


def market_prices() -> list[dict]:
    return [s.to_dict() for s in collection(ASSET_PRICES).order_by("asset").stream()]


def set_market_price(txn: firestore.Transaction, asset: str, usd: int, btc: int,
                     actor: str, version: int) -> None:
    current = {"asset": asset, "usd": usd, "btc": btc, "updated_at": firestore.SERVER_TIMESTAMP,
               "set_by": actor, "version": version}
    txn.set(collection(ASSET_PRICES).document(asset), current)
    txn.create(collection(PRICE_HISTORY).document(),
               {"asset": asset, "usd": usd, "btc": btc, "at": firestore.SERVER_TIMESTAMP,
                "set_by": actor})


def history_query(asset: str, since: datetime | None = None) -> firestore.Query:
    query = collection(PRICE_HISTORY).where(filter=FieldFilter("asset", "==", asset))
    if since is not None:
        query = query.where(filter=FieldFilter("at", ">=", since))
    return query.order_by("at", direction=firestore.Query.DESCENDING)
