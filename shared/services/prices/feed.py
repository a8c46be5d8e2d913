"""The price feed: take prices from a source, then record every asset's price in its history.

Guarantees:
- The source is a plain function (PriceSource): given the prices set now, it answers new
  (usd, btc) prices per whole token for the assets it knows. Locally and in tests the source is
  `stored_prices`, which answers the prices already set: this machine has no network. In
  production a source that pulls from an external feed (an exchange's ticker, an oracle) is
  passed instead (MINTBOOK_PRICE_SOURCE names one of SOURCES); nothing else changes.
- A price the source changes is written to asset_prices with its version incremented and
  set_by "price_feed"; unknown assets and invalid prices from the source are skipped and counted.
- Every run writes one price_history point per asset that has a price that counts
  (market.current_prices): for a creator token that has traded, its last trade price (source
  "last_trade", with the book's last price); for others the set price (source "feed"). These
  points are what portfolio history values each day at.
"""
from __future__ import annotations

import os
from datetime import datetime
from typing import Callable

from google.cloud import firestore

from shared.domain.errors import InvalidInput, NotFound
from shared.domain.prices import SetPrice
from shared.domain.prices import require_price
from shared.store import prices as store
from shared.store.assets import get_asset
from shared.store.client import collection, db
from shared.store.transactions import run_transaction

from shared.services.prices import market

PriceSource = Callable[[dict[str, SetPrice]], dict[str, tuple[int, int]]]


def stored_prices(current: dict[str, SetPrice]) -> dict[str, tuple[int, int]]:
    """The local source: the prices already set (no network here)."""
    return {code: (p.usd, p.btc) for code, p in current.items()}


SOURCES: dict[str, PriceSource] = {"stored": stored_prices}


def configured_source() -> PriceSource:
    return SOURCES[os.environ.get("MINTBOOK_PRICE_SOURCE", "stored")]


def run(source: PriceSource | None = None, at: datetime | None = None) -> dict:
    """One feed run; `at` stamps the history points (server time when None)."""
    current = market.set_prices()
    quoted = (source or configured_source())(dict(current))
    changed, skipped = _apply(current, quoted)
    recorded = _record_history(at)
    return {"changed": changed, "skipped": skipped, "recorded": recorded}


def _apply(current: dict[str, SetPrice], quoted: dict[str, tuple[int, int]]) -> tuple[int, int]:
    changed = skipped = 0
    for code, (usd, btc) in sorted(quoted.items()):
        try:
            code = get_asset(code).code
            require_price(usd, "USD")
            require_price(btc, "BTC")
        except (NotFound, InvalidInput):
            skipped += 1
            continue
        now = current.get(code)
        if now is not None and (now.usd, now.btc) == (usd, btc):
            continue
        _set(code, usd, btc)
        changed += 1
    return changed, skipped


def _set(code: str, usd: int, btc: int) -> None:
    ref = collection(store.ASSET_PRICES).document(code)

    def write(txn: firestore.Transaction) -> None:
        snap = ref.get(transaction=txn)
        version = int(snap.get("version")) if snap.exists else 0
        txn.set(ref, {"asset": code, "usd": usd, "btc": btc, "version": version + 1,
                      "updated_at": firestore.SERVER_TIMESTAMP, "set_by": market.FEED_ACTOR})

    run_transaction(write)


def _record_history(at: datetime | None) -> int:
    batch = db().batch()
    count = 0
    for code, price in sorted(market.current_prices().items()):
        trade = price.last_trade
        batch.create(collection(store.PRICE_HISTORY).document(), {
            "asset": code, "usd": price.shown("usd"), "btc": price.shown("btc"),
            "at": at or firestore.SERVER_TIMESTAMP, "set_by": market.FEED_ACTOR,
            "source": "last_trade" if trade else "feed",
            "last_trade_price": trade.price if trade else None,
            "book": trade.book if trade else None})
        count += 1
        if count % 400 == 0:
            batch.commit()
            batch = db().batch()
    batch.commit()
    return count
