"""Market prices of assets (USD and BTC, set by admins or a price feed) and conversion rates.

Guarantees:
- Setting a price writes the current price and a history entry in one transaction, passing the
  version read when the caller gives one (a stale edit is a version_conflict).
- The price that counts (domain/prices.effective): a creator token that has traded is priced at
  its book's last trade price through its quote asset's price; otherwise the price set for it.
  Listings, conversion rates, swap bands and portfolio values all use it.
- A conversion rate between two assets is the exact ratio of those prices in one currency
  (domain/prices.rate); with a price missing it is price_unavailable.
"""
from __future__ import annotations

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.config import settings
from shared.domain.assets import AssetKind
from shared.domain.errors import NotFound, Rejected, VersionConflict
from shared.domain.idempotency import Operation
from shared.domain.prices import LastTrade, Price, SetPrice, effective, from_set
from shared.domain.prices import rate as exact_rate
from shared.domain.prices import CURRENCY_DECIMALS, Rate, require_price
from shared.domain.users import User
from shared.store import exchange as books
from shared.store import prices as store
from shared.store.assets import assets_page, get_asset
from shared.store.client import collection, db
from shared.store.idempotency import run_idempotent
from shared.store.pages import page

FEED_ACTOR = "price_feed"  # set_by of prices the feed sets


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


def prices(cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    """A page of the assets (by code) and the price that counts for each that has one: a page
    can be shorter than `limit` and still have a next one."""
    assets, next_cursor = assets_page(cursor, limit)
    priced = current_prices([a.code for a in assets])
    return [price_view(p) for _, p in sorted(priced.items())], next_cursor


def price_view(p: Price) -> dict:
    trade = p.last_trade
    return {"asset": p.asset, "usd": p.shown("usd"), "btc": p.shown("btc"),
            "updated_at": p.updated_at, "version": p.version, "source": p.source,
            "last_trade_price": trade.price if trade else None,
            "last_trade_book": trade.book if trade else None}


def set_prices(codes: set[str] | None = None) -> dict[str, SetPrice]:
    """Prices set by an admin or the feed, by asset (of `codes`: one read each; else all)."""
    return {d["asset"]: SetPrice(d["asset"], int(d["usd"]), int(d["btc"]),
                                 "feed" if d.get("set_by") == FEED_ACTOR else "admin",
                                 int(d.get("version", 0)), d.get("updated_at"))
            for d in store.market_prices(codes)}


def current_prices(codes: list[str] | None = None) -> dict[str, Price]:
    """The price that counts for each asset (of `codes`, or every asset with one). Given codes,
    it reads their set prices, their books' last prints and those books' quote prices only."""
    trades = last_trades(codes)
    set_ = set_prices(None if codes is None else set(codes) | {t.quote for t in trades.values()})
    wanted = set(codes) if codes is not None else set(set_) | set(trades)
    out: dict[str, Price] = {}
    for code in sorted(wanted):
        trade = trades.get(code)
        quote = set_.get(trade.quote) if trade else None
        try:
            base_dec = get_asset(code).decimals
            quote_dec = get_asset(trade.quote).decimals if trade else 0
        except NotFound:
            continue
        price = effective(set_.get(code), trade, base_dec, from_set(quote) if quote else None,
                          quote_dec)
        if price is not None:
            out[code] = price
    return out


def last_trades(codes: list[str] | None = None) -> dict[str, LastTrade]:
    """Last prints of books whose base is a creator token: per token, its book against the
    platform token when it has one, else its first traded book by id."""
    configs = [c for c in _books_of(codes) if _is_creator(c.base)]
    if not configs:
        return {}
    depth = {s.id: s for s in db().get_all([books.ref(books.DEPTH, c.id) for c in configs])}
    platform = settings().platform_asset
    out: dict[str, LastTrade] = {}
    for c in sorted(configs, key=lambda c: (c.quote != platform, c.id)):
        snap = depth.get(c.id)
        data = snap.to_dict() if snap is not None and snap.exists else {}
        if c.base in out or data.get("last_price") is None:  # resting orders, no trade yet
            continue
        out[c.base] = LastTrade(c.id, c.base, c.quote, int(data["last_price"]),
                                data.get("updated_at"))
    return out


def _books_of(codes: list[str] | None) -> list:
    query = collection(books.BOOKS)
    if codes is None:
        return [books.config_from(s.to_dict()) for s in query.stream()]
    return [books.config_from(s.to_dict()) for i in range(0, len(codes), 30)  # "in" takes 30
            for s in query.where(filter=FieldFilter("base", "in", codes[i:i + 30])).stream()]


def _is_creator(code: str) -> bool:
    try:
        return get_asset(code).kind == AssetKind.CREATOR
    except NotFound:
        return False


def history(asset_code: str, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    get_asset(asset_code)
    docs, next_cursor = page(store.history_query(asset_code), store.PRICE_HISTORY, cursor, limit)
    return [{"asset": d.get("asset"), "usd": d.get("usd"), "btc": d.get("btc"), "at": d.get("at"),
             "source": d.get("source") or "admin", "last_trade_price": d.get("last_trade_price")}
            for d in (s.to_dict() for s in docs)], next_cursor


def rate(base_code: str, quote_code: str, currency: str = "USD") -> Rate:
    """Smallest units of `quote` per smallest unit of `base`, from the prices that count."""
    base, quote = get_asset(base_code), get_asset(quote_code)
    priced = current_prices([base.code, quote.code])
    pb, pq = priced.get(base.code), priced.get(quote.code)
    if pb is None or pq is None:
        missing = base.code if pb is None else quote.code
        raise Rejected(f"{missing} has no market price", field="asset", code="price_unavailable",
                       details={"asset": missing})
    return exact_rate(pb, base.decimals, pq, quote.decimals, currency.lower())


def rate_view(r: Rate, currency: str) -> dict:
    return {"base": r.base, "quote": r.quote, "numerator": r.numerator,
            "denominator": r.denominator, "currency": currency,
            "currency_decimals": CURRENCY_DECIMALS[currency]}
