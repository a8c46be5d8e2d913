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
- A lost task delays a recount, never loses it: job_markets_sweep recounts every open market.
"""
from __future__ import annotations

from datetime import datetime, timezone

from shared.integrations.tasks import wake_at_window_end
from shared.store.markets import market as store

REFRESH_S = 2
TASK = "task_market_totals"


def refresh_soon(market_id: str) -> None:
    wake_at_window_end(TASK, f"totals-{market_id}", {"market_id": market_id}, REFRESH_S)


def refresh(market_id: str) -> dict:
    """Count the market's pool now and store it (the task's work)."""
    market, _ = store.get_market(market_id)
    as_of = datetime.now(timezone.utc)
    totals = {o: store.pending_stake(market_id, o) for o in market.outcome_ids()}
    forecasters = store.forecasters(market_id)
    store.write_totals(market_id, totals, forecasters, as_of)
    return {"market_id": market_id, "pool": sum(totals.values()), "forecasters": forecasters,
            "as_of": as_of.isoformat()}
