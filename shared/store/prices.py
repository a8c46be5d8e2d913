"""Market price documents of assets, with their history.

- asset_prices/{ASSET}: the current USD and BTC price of an asset; price_history/{id}: every
  price ever set, written in the same transaction as the current price.
Prices are read outside ledger transactions: they change rarely and are not money.
"""
from __future__ import annotations

from datetime import datetime

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.store.client import collection, db

ASSET_PRICES, PRICE_HISTORY = "asset_prices", "price_history"


def market_price(asset: str) -> dict | None:
    snap = collection(ASSET_PRICES).document(asset).get() if "/" not in asset else None
    return snap.to_dict() if snap is not None and snap.exists else None


def market_prices(codes: set[str] | None = None) -> list[dict]:
    """The set prices of `codes` (by document id: one read each), or of every asset."""
    if codes is None:
        return [s.to_dict() for s in collection(ASSET_PRICES).order_by("asset").stream()]
    refs = [collection(ASSET_PRICES).document(c) for c in sorted(codes) if c and "/" not in c]
    return [s.to_dict() for s in db().get_all(refs) if s.exists] if refs else []


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
