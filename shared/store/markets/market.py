"""Market documents <-> domain values, pool totals from the escrow shards, and a snapshot cache.

Guarantees:
- A market document is written only by moderators' actions and by settlement; commits never read
  or write it. What commits need (status, close time, cap, pool totals) comes from `snapshot`,
  read outside any transaction and cached per process for SNAPSHOT_TTL_S seconds.
- Pool totals are the escrow shard accounts: per outcome, the sum over shards of
  credits_pending + credits_posted (holds not voided), read with one get_all.
"""
from __future__ import annotations

import threading
import time
from typing import NamedTuple

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.errors import NotFound
from shared.domain.idempotency import derive_id
from shared.domain.markets.market import Category, Market, MarketStatus, Outcome, Suspension
from shared.domain.markets.payouts import CommitRecord

from shared.store.client import collection, db
from shared.store.ledger import ACCOUNTS, HOLDS  # a commit's record is its hold (services/markets/forecasts.py)

MARKETS, SLUGS, FORECASTS = "markets", "market_slugs", "forecasts"
SETTLEMENTS, STEPS = "market_settlements", "steps"
REPUTATION, REPUTATION_EVENTS = "reputation", "reputation_events"
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


def settlement_path(market_id: str) -> str:
    return f"{SETTLEMENTS}/{market_id}"


def step_path(market_id: str, n: int) -> str:
    return f"{SETTLEMENTS}/{market_id}/{STEPS}/{n:05d}"


def market_from(market_id: str, data: dict) -> Market:
    return Market(
        id=market_id, slug=data["slug"], title=data["title"], category=Category(data["category"]),
        outcomes=tuple(Outcome(o["id"], o["label"]) for o in data["outcomes"]),
        opens_at=data["opens_at"], closes_at=data["closes_at"],
        max_per_user=int(data["max_per_user"]), asset=data["asset"],
        description=data.get("description", ""), status=MarketStatus(data["status"]),
        shards=int(data.get("shards", 8)), cut_bps=int(data.get("cut_bps", 0)),
        suspensions=tuple(Suspension(s["start"], s.get("end")) for s in data.get("suspensions", [])),
        created_by=data.get("created_by", ""), version=int(data.get("version", 0)))


def market_doc(m: Market) -> dict:
    return {"slug": m.slug, "title": m.title, "description": m.description,
            "category": m.category.value,
            "outcomes": [{"id": o.id, "label": o.label} for o in m.outcomes],
            "opens_at": m.opens_at, "closes_at": m.closes_at, "max_per_user": m.max_per_user,
            "asset": m.asset, "status": m.status.value, "shards": m.shards, "cut_bps": m.cut_bps,
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


def outcome_totals(market: Market) -> dict[str, int]:
    """Per outcome: stake still held or posted in its escrow shards (one get_all)."""
    ids = market.escrow_accounts()
    refs = [collection(ACCOUNTS).document(a) for shard_ids in ids.values() for a in shard_ids]
    held = {s.id: s.to_dict() for s in db().get_all(refs) if s.exists}
    return {o: sum(int(held[a].get("credits_pending", 0)) + int(held[a].get("credits_posted", 0))
                   for a in shard_ids if a in held)
            for o, shard_ids in ids.items()}


class Snapshot(NamedTuple):
    market: Market
    totals: dict[str, int]
    read_at: float


_cache: dict[str, Snapshot] = {}
_lock = threading.Lock()


def snapshot(market_id: str, max_age_s: float = SNAPSHOT_TTL_S) -> Snapshot:
    """The market and its pool totals as of at most `max_age_s` seconds ago."""
    hit = _cache.get(market_id)
    if hit and time.monotonic() - hit.read_at < max_age_s:
        return hit
    market, _ = get_market(market_id)
    fresh = Snapshot(market, outcome_totals(market), time.monotonic())
    with _lock:
        _cache[market_id] = fresh
    return fresh


def forget_snapshots() -> None:
    _cache.clear()


def commit_records(market_id: str) -> list[CommitRecord]:
    query = collection(HOLDS).where(filter=FieldFilter("market_id", "==", market_id))
    out = []
    for s in query.stream():
        d = s.to_dict()
        out.append(CommitRecord(hold_id=s.id, uid=d["owner"], outcome=d["outcome"],
                                amount=int(d["amount"]), p_ppm=int(d["p_ppm"]),
                                committed_at=d["created_at"]))
    return out


def pending_commit_ids(market_id: str) -> list[str]:
    query = (collection(HOLDS).where(filter=FieldFilter("market_id", "==", market_id))
             .where(filter=FieldFilter("status", "==", "pending")))
    return [s.id for s in query.stream()]


def forecasters(market_id: str) -> int:
    query = collection(FORECASTS).where(filter=FieldFilter("market_id", "==", market_id))
    return int(query.count().get()[0][0].value)
