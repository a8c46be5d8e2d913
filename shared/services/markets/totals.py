"""What readers see of a market's pool: per-outcome totals and forecasters, counted by a task.

A commit writes only the forecaster's own documents (services/markets/forecasts.py), so no
document a commit writes holds the pool. A task counts it instead: `refresh` sums each
outcome's pending holds and counts the forecasts with aggregation queries, and writes
market_totals/{market} with `as_of`, the time the counting began.

Guarantees:
- A commit asks for a recount (`refresh_soon`): one named task per market per REFRESH_S
  window, delivered when the window ends, so a busy market is recounted once every REFRESH_S seconds
  whatever its commit rate; market_totals/{market} takes one write per REFRESH_S. Each process
  asks at most once per window per market, so most commits send no task at all.
- Totals count holds that are pending, i.e. until settlement; a settled market's pool is the one
  its settlement froze (the market document's `settlement`).
- What a reader sees is at most REFRESH_S plus the task's delivery plus the reader's cache
  (store.SNAPSHOT_TTL_S) old under load, and every answer carries `totals_as_of`. The implied
  probability a commit records is computed from that same snapshot (README, "Scale").
- A lost task delays a recount, never loses it: job_markets_sweep recounts SWEEP_PAGE unsettled
  markets a run, in turn by id (`sweep`), so each is recounted at least once every
  ceil(unsettled / SWEEP_PAGE) runs (a run a minute: 1,000 markets within 50 minutes), at a
  cost per run that does not grow with the number of markets.
"""
from __future__ import annotations

from datetime import datetime, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.field_path import FieldPath

from shared.domain.markets.market import Market
from shared.integrations.tasks import wake_at_window_end
from shared.store.changes import CHECKPOINTS
from shared.store.client import collection
from shared.store.markets import market as store

REFRESH_S = 2
TASK = "task_market_totals"
SWEEP_PAGE = 20
ROTATION = "market_totals.rotation"  # change_feeds/{ROTATION}: the last market a sweep recounted


def refresh_soon(market_id: str) -> None:
    wake_at_window_end(TASK, f"totals-{market_id}", {"market_id": market_id}, REFRESH_S)


def refresh(market_id: str, market: Market | None = None) -> dict:
    """Count the market's pool now and store it (the task's work)."""
    market = market or store.get_market(market_id)[0]
    as_of = datetime.now(timezone.utc)
    totals = {o: store.pending_stake(market_id, o) for o in market.outcome_ids()}
    forecasters = store.forecasters(market_id)
    store.write_totals(market_id, totals, forecasters, as_of)
    return {"market_id": market_id, "pool": sum(totals.values()), "forecasters": forecasters,
            "as_of": as_of.isoformat()}


def sweep(limit: int = SWEEP_PAGE) -> int:
    """Recount the next `limit` unsettled markets after the rotation's cursor, by id, starting
    over after the last one, and write each one's pool to its market as `committed_total` (the
    'most committed' sort) when it changed; how many changed."""
    cursor = collection(CHECKPOINTS).document(ROTATION)
    after = (cursor.get().to_dict() or {}).get("after")
    markets = collection(store.MARKETS)
    query = markets.where(filter=FieldFilter("status", "in", ["open", "suspended"]))
    if after:
        query = query.where(filter=FieldFilter(FieldPath.document_id(), ">",
                                               markets.document(after)))
    docs = list(query.order_by(FieldPath.document_id()).limit(limit).stream())
    changed = 0
    for d in docs:
        data = d.to_dict()
        total = refresh(d.id, store.market_from(d.id, data))["pool"]
        if total != data.get("committed_total"):
            d.reference.update({"committed_total": total})
            changed += 1
    cursor.set({"after": docs[-1].id if len(docs) == limit else None,
                "updated_at": firestore.SERVER_TIMESTAMP})
    return changed
