"""Discovery: market search, categories, trending and platform statistics.

Guarantees:
- search_markets reads at most SCAN_FACTOR * limit candidate markets (limit + 1 for a one-word
  query) plus one totals document per market answered and the cursor's document, whatever the
  number of markets: candidates come from one `array_contains` query on the maintained
  `keywords` field (shared/domain/discovery.py) for the query's longest word, the other words
  are checked on the candidates. A page may hold fewer than `limit` markets while
  `next_cursor` is set: the budget ran out before the page filled; the next page goes on.
- Trending and platform statistics are computed by job_discovery into discovery/trending and
  discovery/platform_stats, each with the `as_of` of its run; the public reads read that one
  document. Nothing a user does writes them: the job writes each once per run.
- The job reads what changed in the last 24 hours (hourly candles of traded books, swap volume
  rows), the creators of the traded books, the open markets with one count of recent commits
  each, a few more counts (aggregations) and two accounts per asset: never a scan of every
  user, order or forecast. It also counts the accounts and recent transfers per day for
  admin_ledger_stats (services/admin.py refresh_counts).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain import discovery as domain
from shared.domain.errors import InvalidInput
from shared.domain.markets.market import Category
from shared.store import exchange as exchange_store
from shared.store import swaps as swap_store
from shared.store.client import collection, db
from shared.store.markets import market as market_store
from shared.store.pages import decode, encode
from shared.store.users import USERS

from shared.services import admin
from shared.services.exchange.creators import CREATORS
from shared.services.markets import catalog

DISCOVERY, TRENDING, STATS = "discovery", "trending", "platform_stats"
SCAN_FACTOR = 4
TOP = 10
DAY_S = 86_400


def now() -> datetime:
    return datetime.now(timezone.utc)


def search_markets(text: str, category: str | None, cursor: str | None,
                   limit: int) -> tuple[list[dict], str | None]:
    wanted = domain.query_words(text)
    if not wanted:
        raise InvalidInput("the query has no letters or digits", field="q")
    query: firestore.Query = collection(market_store.MARKETS).where(
        filter=FieldFilter("keywords", "array_contains", wanted[0]))
    if category:
        query = query.where(filter=FieldFilter("category", "==", category))
    query = query.order_by("created_at", direction=firestore.Query.DESCENDING)
    if cursor:
        after = collection(market_store.MARKETS).document(decode(cursor)).get()
        if not after.exists:
            raise InvalidInput("cursor is not one this API returned", field="cursor",
                               code="invalid_cursor")
        query = query.start_after(after)
    scan = limit + 1 if len(wanted) == 1 else SCAN_FACTOR * limit
    candidates = list(query.limit(scan).stream())
    found: list[firestore.DocumentSnapshot] = []
    last = None
    for snap in candidates:
        if len(found) == limit:
            break
        last = snap
        if domain.matches(snap.get("keywords") or [], wanted[1:]):
            found.append(snap)
    more = last is not None and (last.id != candidates[-1].id or len(candidates) == scan)
    return catalog.views(found), (encode(last.id) if more else None)


def categories() -> dict:
    stats = _stored(STATS)
    counted = stats.get("open_markets_by_category", {})
    return {"items": [{"category": c.value, "open_markets": counted.get(c.value)}
                      for c in Category], "as_of": stats.get("as_of")}


def trending() -> dict:
    return {"creators_by_volume": [], "creators_by_change": [], "markets_by_commits": [],
            "as_of": None} | _stored(TRENDING)


def platform_stats() -> dict:
    stats = _stored(STATS)
    stats.pop("open_markets_by_category", None)
    return {"users": None, "open_markets": None, "trading_volume_24h": [],
            "swap_volume_24h": [], "circulation": [], "as_of": None} | stats


def _stored(name: str) -> dict:
    snap = collection(DISCOVERY).document(name).get()
    return snap.to_dict() or {} if snap.exists else {}


def refresh(at: datetime | None = None) -> dict:
    """job_discovery: recompute trending and the platform statistics as of `at`."""
    at = at or now()
    candles = _hourly_candles(at)
    rows = domain.fold_hours(candles)
    creators = _creators_of(list(rows))
    creator_rows = [r._replace(symbol=creators[b]["symbol"]) for b, r in rows.items()
                    if b in creators]
    trending_doc = {
        "creators_by_volume": [_creator_entry(r, creators[r.book])
                               for r in domain.top_by_volume(creator_rows, TOP)],
        "creators_by_change": [_creator_entry(r, creators[r.book])
                               for r in domain.top_by_change(creator_rows, TOP)],
        "markets_by_commits": _markets_by_commits(at),
        "as_of": at}
    by_category = {c.value: _open_markets(at, c.value) for c in Category}
    swaps, swap_rows = _swap_volume(at)
    stats_doc = {
        "users": admin.count(collection(USERS)),
        "open_markets": sum(by_category.values()),
        "open_markets_by_category": by_category,
        "trading_volume_24h": _trading_volume(rows.values()),
        "swap_volume_24h": swaps,
        "circulation": [{"asset": s["asset"], "supply": s["supply"], "as_of": s["as_of"]}
                        for s in admin.supply_by_asset()],
        "as_of": at}
    batch = db().batch()
    batch.set(collection(DISCOVERY).document(TRENDING), trending_doc)
    batch.set(collection(DISCOVERY).document(STATS), stats_doc)
    batch.commit()
    admin.refresh_counts(at)   # admin_ledger_stats' counts: aggregations a request never makes
    return {"traded_books": len(rows), "trending_creators": len(trending_doc["creators_by_volume"]),
            "trending_markets": len(trending_doc["markets_by_commits"]),
            "open_markets": stats_doc["open_markets"],
            "changed": len(candles) + swap_rows}   # the day's activity this run read


def _hourly_candles(at: datetime) -> list[dict]:
    """The hourly candles of the 24 hours up to `at` (the current hour's included)."""
    now_s = int(at.timestamp())
    since = now_s - now_s % 3600 - 23 * 3600
    query = (collection(exchange_store.CANDLES)
             .where(filter=FieldFilter("interval", "==", "1h"))
             .where(filter=FieldFilter("start", ">=", since)))
    return [s.to_dict() for s in query.stream()]


def _creators_of(books: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for i in range(0, len(books), 30):  # an `in` filter takes at most 30 values
        query = collection(CREATORS).where(filter=FieldFilter("book", "in", books[i:i + 30]))
        for snap in query.stream():
            data = snap.to_dict()
            found[data["book"]] = {"uid": snap.id, "symbol": data.get("symbol"),
                                   "name": data.get("name")}
    return found


def _creator_entry(row: domain.CreatorRow, creator: dict) -> dict:
    return {"uid": creator["uid"], "symbol": row.symbol, "name": creator.get("name"),
            "book": row.book, "volume_24h": row.volume, "quote_volume_24h": row.quote_volume,
            "last_price": row.close, "change_24h_bps": domain.change_bps(row),
            "sentiment": domain.sentiment(row.taker_buy, row.taker_sell)}


def _markets_by_commits(at: datetime) -> list[dict]:
    """Open markets ranked by their forecasts placed or raised in the last 24 hours (each
    forecaster once: a forecast document records its latest commit). One count per open
    market on (market_id, updated_at): forecasts' own updated_at index is exempted, since a
    timestamp index over every market's commits would be one sequential hot range."""
    since = at - timedelta(seconds=DAY_S)
    open_markets = (collection(market_store.MARKETS)
                    .where(filter=FieldFilter("status", "==", "open"))
                    .where(filter=FieldFilter("closes_at", ">", at))
                    .select(["slug", "title", "category"]))
    counts, about = {}, {}
    for snap in open_markets.stream():
        commits = admin.count(collection(market_store.FORECASTS)
                              .where(filter=FieldFilter("market_id", "==", snap.id))
                              .where(filter=FieldFilter("updated_at", ">=", since)))
        if commits:
            counts[snap.id], about[snap.id] = commits, snap.to_dict()
    return [{"id": market_id, "slug": about[market_id]["slug"],
             "title": about[market_id]["title"], "category": about[market_id]["category"],
             "commits_24h": commits} for market_id, commits in domain.top_counts(counts, TOP)]


def _open_markets(at: datetime, category: str) -> int:
    return admin.count(collection(market_store.MARKETS)
                       .where(filter=FieldFilter("status", "==", "open"))
                       .where(filter=FieldFilter("category", "==", category))
                       .where(filter=FieldFilter("closes_at", ">", at)))


def _trading_volume(rows) -> list[dict]:
    """Exchange volume per quote asset (a book is BASE-QUOTE), every book, creators or not."""
    quote: dict[str, dict] = {}
    for r in rows:
        q = quote.setdefault(r.book.split("-", 1)[1], {"base_volume": 0, "quote_volume": 0})
        q["base_volume"] += r.volume
        q["quote_volume"] += r.quote_volume
    return [{"quote": k, **v} for k, v in sorted(quote.items())]


def _swap_volume(at: datetime) -> tuple[list[dict], int]:
    """Each pair's volume over the last 24 hours, and how many volume rows that took."""
    since = (at - timedelta(hours=23)).strftime("%Y-%m-%dT%H")
    pairs: dict[str, dict] = {}
    rows = 0
    for row in swap_store.volume_since(since):
        rows += 1
        p = pairs.setdefault(row["pair"], {"pair": row["pair"], "base": row["base"],
                                           "quote": row["quote"], "base_volume": 0,
                                           "quote_volume": 0, "fills": 0})
        for name in ("base_volume", "quote_volume", "fills"):
            p[name] += int(row.get(name, 0))
    return [pairs[k] for k in sorted(pairs)], rows
