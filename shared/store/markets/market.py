"""Market documents <-> domain values, the counted pool totals, and a snapshot cache.

Guarantees:
- A market document is written only by moderators' actions and by settlement; commits never read
  or write it. What commits need (status, close time, cap, pool totals) comes from `snapshot`:
  the market and its market_totals document, read together outside any transaction and cached
  per process for SNAPSHOT_TTL_S seconds.
- market_totals/{market} is written only by the totals task (services/markets/totals.py): per
  outcome the sum of its pending holds, the forecasters, and `as_of`. A market never counted
  reads as an empty pool with `as_of` None.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import NamedTuple

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.discovery import title_keywords
from shared.domain.errors import NotFound
from shared.domain.idempotency import derive_id
from shared.domain.markets.market import Category, Market, MarketStatus, Outcome, Suspension

from shared.store.client import collection, db
from shared.store.ledger import HOLDS  # a commit's record is its hold (services/markets/forecasts.py)

MARKETS, SLUGS, FORECASTS, TOTALS = "markets", "market_slugs", "forecasts", "market_totals"
REPUTATION, REPUTATION_EVENTS = "reputation", "reputation_events"
REPUTATION_FEED = "reputation"  # every reputation event is on it (services/markets/leaderboards)
SNAPSHOT_TTL_S = 2.0


def market_path(market_id: str) -> str:
    return f"{MARKETS}/{market_id}"


def forecast_id(market_id: str, uid: str) -> str:
    """The id of a user's forecast in a market, and of its reputation event:
    "<4 hex of a hash of (market, uid)>.<market>_<uid>". The prefix spreads a new market's
    forecasts over the key space (ids led by the market id all land in one key range), and the
    id stays computable from (market, uid); queries by market go through the `market_id` field."""
    return f"{derive_id(market_id, uid)[:4]}.{market_id}_{uid}"


def forecast_path(market_id: str, uid: str) -> str:
    return f"{FORECASTS}/{forecast_id(market_id, uid)}"


def market_from(market_id: str, data: dict) -> Market:
    return Market(
        id=market_id, slug=data["slug"], title=data["title"], category=Category(data["category"]),
        outcomes=tuple(Outcome(o["id"], o["label"]) for o in data["outcomes"]),
        opens_at=data["opens_at"], closes_at=data["closes_at"],
        max_per_user=int(data["max_per_user"]), asset=data["asset"],
        description=data.get("description", ""), status=MarketStatus(data["status"]),
        cut_bps=int(data.get("cut_bps", 0)),
        suspensions=tuple(Suspension(s["start"], s.get("end")) for s in data.get("suspensions", [])),
        created_by=data.get("created_by", ""), version=int(data.get("version", 0)))


def market_doc(m: Market) -> dict:
    return {"slug": m.slug, "title": m.title, "keywords": title_keywords(m.title),
            "description": m.description,
            "category": m.category.value,
            "outcomes": [{"id": o.id, "label": o.label} for o in m.outcomes],
            "opens_at": m.opens_at, "closes_at": m.closes_at, "max_per_user": m.max_per_user,
            "asset": m.asset, "status": m.status.value, "cut_bps": m.cut_bps,
            "suspensions": [{"start": s.start, "end": s.end} for s in m.suspensions],
            "created_by": m.created_by, "version": m.version,
            "updated_at": firestore.SERVER_TIMESTAMP}


def get_market(market_id: str) -> tuple[Market, dict]:
    snap = collection(MARKETS).document(market_id).get() if _safe(market_id) else None
    if snap is None or not snap.exists:
        raise NotFound(f"no market {market_id!r}", field="market_id", code="unknown_market")
    data = snap.to_dict()
    return market_from(snap.id, data), data


def market_id_for_slug(slug: str) -> str:
    snap = collection(SLUGS).document(slug).get() if _safe(slug) else None
    if snap is None or not snap.exists:
        raise NotFound(f"no market {slug!r}", field="slug", code="unknown_market")
    return snap.to_dict()["market_id"]


def _safe(doc_id: str) -> bool:
    return bool(doc_id) and "/" not in doc_id and len(doc_id) <= 200


class Totals(NamedTuple):
    """The pool as the totals task last counted it."""

    by_outcome: dict[str, int]
    forecasters: int = 0
    as_of: datetime | None = None


def totals_from(market: Market, data: dict | None) -> Totals:
    counted = (data or {}).get("totals", {})
    return Totals({o: int(counted.get(o, 0)) for o in market.outcome_ids()},
                  int((data or {}).get("forecasters", 0)), (data or {}).get("as_of"))


def read_with_totals(market_ids: list[str]) -> dict[str, tuple[Market, dict, Totals]]:
    """Markets and their totals, two documents each, in one get_all; unknown ids left out."""
    refs = [collection(c).document(m) for m in market_ids if _safe(m) for c in (MARKETS, TOTALS)]
    found = {s.reference.path: s for s in db().get_all(refs)}
    out = {}
    for market_id in market_ids:
        snap = found.get(market_path(market_id))
        if snap is not None and snap.exists:
            market = market_from(market_id, snap.to_dict())
            counted = found.get(f"{TOTALS}/{market_id}")
            data = counted.to_dict() if counted is not None and counted.exists else None
            out[market_id] = (market, snap.to_dict(), totals_from(market, data))
    return out


def with_totals(market_id: str) -> tuple[Market, dict, Totals]:
    found = read_with_totals([market_id])
    if market_id not in found:
        raise NotFound(f"no market {market_id!r}", field="market_id", code="unknown_market")
    return found[market_id]


def write_totals(market_id: str, totals: dict[str, int], forecasters: int,
                 as_of: datetime) -> None:
    collection(TOTALS).document(market_id).set(
        {"totals": totals, "forecasters": forecasters, "as_of": as_of})


def pending_stake(market_id: str, outcome: str) -> int:
    """What the outcome's pending holds hold: one aggregation, billed per 1,000 holds."""
    query = (collection(HOLDS).where(filter=FieldFilter("market_id", "==", market_id))
             .where(filter=FieldFilter("outcome", "==", outcome))
             .where(filter=FieldFilter("status", "==", "pending")))
    value = query.sum("amount", alias="stake").get()[0][0].value
    return int(value or 0)


class Snapshot(NamedTuple):
    market: Market
    totals: dict[str, int]
    read_at: float
    as_of: datetime | None = None


_cache: dict[str, Snapshot] = {}
_lock = threading.Lock()


def snapshot(market_id: str, max_age_s: float = SNAPSHOT_TTL_S) -> Snapshot:
    """The market and its counted totals as read at most `max_age_s` seconds ago."""
    hit = _cache.get(market_id)
    if hit and time.monotonic() - hit.read_at < max_age_s:
        return hit
    market, _, totals = with_totals(market_id)
    fresh = Snapshot(market, totals.by_outcome, time.monotonic(), totals.as_of)
    with _lock:
        _cache[market_id] = fresh
    return fresh


def forget_snapshots() -> None:
    _cache.clear()


def forecasters(market_id: str) -> int:
    query = collection(FORECASTS).where(filter=FieldFilter("market_id", "==", market_id))
    return int(query.count().get()[0][0].value)
