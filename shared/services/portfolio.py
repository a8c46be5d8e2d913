"""A user's portfolio: holdings valued in USD and in the platform token, positions in creator
tokens at average cost, and the portfolio's value per day.

Guarantees:
- Values are integers: USD in 1e-8 (prices.CURRENCY_DECIMALS) and the platform token in its
  smallest unit, each rounded down, at the price that counts (prices.current_prices: a traded
  creator token at its last trade price). An asset without a price is listed with no value and
  left out of the totals (never valued at zero silently: `unpriced` names it).
- Positions come from the user's positions read model (store/positions.py), which settlement
  folds from each of their fills once, in the transaction that posts it (domain FoldedPosition:
  in sequence order, whatever order postings arrive in; a position left stale by a posting
  later than its window is rebuilt here from the user's fills of that book): cost, average cost,
  realised and unrealised profit or loss at the book's last trade price, all in the quote
  asset's smallest units. A call reads at most MAX_POSITIONS positions, never the fills.
- History comes from the daily balance snapshots (job_snapshot_balances: an account's snapshot
  on each day it changed, carried forward over the days between), one point per day,
  each valued at that day's prices: the last price_history point at or before the end of the
  day (recorded by admins and job_price_feed), never today's price.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.config import settings
from shared.domain.accounts import AccountKind
from shared.domain.assets import AssetKind
from shared.domain.errors import NotFound, Unavailable
from shared.domain.portfolio import (MAX_POSITIONS, FoldedPosition, Position, PricePoint,
                                     day_end, price_on)
from shared.domain.prices import Price, rate
from shared.store import exchange as books
from shared.store import positions as positions_store
from shared.store import prices as price_store
from shared.store import wire
from shared.store.assets import get_asset
from shared.store.client import collection, db
from shared.store.ledger import ACCOUNTS
from shared.store.transactions import run_transaction

from shared.services.balances import SNAPSHOTS, balances
from shared.services.snapshots import last_run_date
from shared.services.prices.market import current_prices




def units() -> dict:
    platform = settings().platform_asset
    return {"usd": "1e-8 USD", "platform": f"smallest unit of {platform}",
            "positions": "smallest units of each position's quote asset"}


def _decimals(code: str) -> int | None:
    try:
        return get_asset(code).decimals
    except NotFound:
        return None


def _value(amount: int, code: str, priced: dict[str, Price]) -> tuple[int, int] | None:
    """(usd, platform) of `amount` of `code`, or None without a price."""
    platform = settings().platform_asset
    price, base, decimals = priced.get(code), priced.get(platform), _decimals(code)
    if price is None or decimals is None:
        return None
    usd = price.value(amount, decimals, "usd")
    if code == platform:
        return usd, amount
    if base is None:
        return None
    return usd, rate(price, decimals, base, get_asset(platform).decimals).convert(amount)


def portfolio(uid: str) -> dict:
    held = balances(uid)
    priced = current_prices(sorted({row["asset"] for row in held} | {settings().platform_asset}))
    holdings, unpriced = [], []
    total_usd = total_platform = 0
    for row in held:
        worth = _value(row["total"], row["asset"], priced)
        if worth is None:
            unpriced.append(row["asset"])
        else:
            total_usd += worth[0]
            total_platform += worth[1]
        holdings.append({"asset": row["asset"], "total": row["total"],
                         "value_usd": worth[0] if worth else None,
                         "value_platform": worth[1] if worth else None})
    return {"platform_asset": settings().platform_asset, "holdings": holdings,
            "total_usd": total_usd, "total_platform": total_platform, "unpriced": unpriced,
            "positions": positions(uid), "units": units()}


def positions(uid: str) -> list[dict]:
    """One position per creator-token book the user bought on, from their positions read model
    (store/positions.py): at most MAX_POSITIONS books, whatever the number of fills."""
    by_book: dict[str, Position] = {}
    for snap in positions_store.owned(uid, MAX_POSITIONS):
        data = snap.to_dict()
        folded = positions_store.folded_from(data)
        if folded.stale:
            folded = _rebuild(uid, data["book"])
        by_book[data["book"]] = folded.current
    configs = []
    for book_id in sorted(by_book):
        try:
            config = books.get_book(book_id)
        except NotFound:
            continue
        if get_asset(config.base).kind == AssetKind.CREATOR:
            configs.append(config)
    depth = {s.id: s for s in db().get_all([books.ref(books.DEPTH, c.id) for c in configs])} \
        if configs else {}
    out = []
    for config in configs:
        held = by_book[config.id]
        snap = depth.get(config.id)
        last = (snap.to_dict() or {}).get("last_price") if snap is not None else None
        if held.bought == 0 or last is None:
            continue
        out.append({"book": config.id, "asset": config.base, "quote": config.quote,
                    "quantity": held.quantity, "cost": held.cost,
                    "average_cost": held.average_cost, "last_price": int(last),
                    "market_value": held.quantity * int(last),
                    "unrealised_pnl": held.unrealised(int(last)), "realised_pnl": held.realised})
    return out


def _rebuild(uid: str, book_id: str) -> FoldedPosition:
    """A stale position (a posting arrived later than its window: domain FoldedPosition)
    rebuilt from every fill of the owner on the book; rare, and O(those fills). The fills are
    read outside the transaction (a query there would lock the range the book's batches write);
    if postings folded fills newer than those read into the base meanwhile, read again."""
    ref = positions_store.position_ref(uid, book_id)
    for _ in range(3):
        fills = positions_store.owner_fills(uid, book_id)
        newest = max((f.seq for f in fills), default=0)

        def work(txn: firestore.Transaction, fills=fills, newest=newest) -> FoldedPosition | None:
            folded = positions_store.folded_from(wire.get_all(txn, [ref])[ref.path])
            if not folded.stale:   # another rebuild got there first
                return folded
            if folded.through > newest:
                return None
            folded = folded.rebuilt(fills)
            wire.set(txn, ref, positions_store.folded_doc(uid, book_id, folded))
            return folded

        done = run_transaction(work, serialize_on=[f"positions:{uid}.{book_id}"])
        if done is not None:
            return done
    raise Unavailable("the position is changing too fast to rebuild; try again")


def history(uid: str, days: int) -> dict:
    """One point per day from the user's first snapshot, at most `days` up to the last snapshot
    run. An account has snapshots only for the days it changed (services/snapshots.py): on the
    days between, its balance is its latest snapshot's, so each asset's last snapshot before
    the window is read too (one query per asset without one on the window's first day)."""
    platform = settings().platform_asset
    last = last_run_date()
    if last is None:
        return {"platform_asset": platform, "points": [], "units": units()}
    first = (date.fromisoformat(last) - timedelta(days=days - 1)).isoformat()
    user_snapshots = (collection(SNAPSHOTS).where(filter=FieldFilter("owner", "==", uid))
                      .where(filter=FieldFilter("kind", "==", AccountKind.USER.value)))
    window = (user_snapshots.where(filter=FieldFilter("date", ">=", first))
              .where(filter=FieldFilter("date", "<=", last))
              .order_by("date", direction=firestore.Query.DESCENDING).limit(days * 16))
    changes: dict[str, dict[str, int]] = defaultdict(dict)   # asset -> date -> balance
    for snap in window.stream():
        data = snap.to_dict()
        changes[data["asset"]][data["date"]] = int(data["balance"])
    for asset in _user_assets(uid):
        if first in changes.get(asset, {}):
            continue
        before = (user_snapshots.where(filter=FieldFilter("asset", "==", asset))
                  .where(filter=FieldFilter("date", "<", first))
                  .order_by("date", direction=firestore.Query.DESCENDING).limit(1))
        for snap in before.stream():
            changes[asset][first] = int(snap.get("balance"))
    dated = sorted(d for per in changes.values() for d in per)
    if not dated:
        return {"platform_asset": platform, "points": [], "units": units()}
    dates = _days(dated[0], last)
    rows = {d: _carried(changes, d) for d in dates}
    assets = set(changes) | {platform}
    points = {a: _price_points(a, dates[0], dates[-1]) for a in sorted(assets)}
    return {"platform_asset": platform, "units": units(),
            "points": [_day_value(d, rows[d], points) for d in dates]}


def _user_assets(uid: str) -> list[str]:
    query = (collection(ACCOUNTS).where(filter=FieldFilter("owner", "==", uid))
             .where(filter=FieldFilter("kind", "==", AccountKind.USER.value)))
    return sorted({s.get("asset") for s in query.select(["asset"]).stream()})


def _days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


def _carried(changes: dict[str, dict[str, int]], day: str) -> list[tuple[str, int]]:
    """Each asset's balance on `day`: its latest snapshot at or before it."""
    rows = []
    for asset, per in changes.items():
        known = [d for d in per if d <= day]
        if known:
            rows.append((asset, per[max(known)]))
    return rows


def _day_value(day: str, rows: list[tuple[str, int]],
               points: dict[str, list[PricePoint]]) -> dict:
    platform = settings().platform_asset
    base = price_on(points[platform], day)
    total_usd = total_platform = 0
    unpriced = []
    for code, amount in sorted(rows):
        point, decimals = price_on(points.get(code, []), day), _decimals(code)
        if point is None or decimals is None or (code != platform and base is None):
            unpriced.append(code)
            continue
        price = Price(code, Fraction(point.usd), Fraction(point.btc), "history")
        total_usd += price.value(amount, decimals, "usd")
        total_platform += amount if code == platform else rate(
            price, decimals, Price(platform, Fraction(base.usd), Fraction(base.btc), "history"),
            get_asset(platform).decimals).convert(amount)
    return {"date": day, "value_usd": total_usd, "value_platform": total_platform,
            "unpriced": unpriced}


def _price_points(code: str, first: str, last: str) -> list[PricePoint]:
    """The last point of each day that has points, from the one in force through `first` to
    the end of `last`, ascending: all a day's value needs (domain price_on takes the last point
    at or before the day's end). One query of one document per such day, however often a day's
    price was set, so at most the window's days + 1 reads per asset."""
    first_close = day_end(first)
    before = day_end(last)
    out: list[PricePoint] = []
    while True:
        query = (collection(price_store.PRICE_HISTORY)
                 .where(filter=FieldFilter("asset", "==", code))
                 .where(filter=FieldFilter("at", "<", before))
                 .order_by("at", direction=firestore.Query.DESCENDING).limit(1))
        snap = next(iter(query.stream()), None)
        if snap is None:
            break
        d = snap.to_dict()
        out.append(PricePoint(d["at"], int(d["usd"]), int(d["btc"])))
        if d["at"] < first_close:  # the price in force through `first`: nothing older is needed
            break
        # the day before this point's: its last point is that day's close
        before = datetime.combine(d["at"].astimezone(timezone.utc).date(), datetime.min.time(),
                                  timezone.utc)
    return out[::-1]
