"""Market jobs: the settlement task, the pool's recount task, and a one-minute sweep that
restarts stalled settlements and recounts each open market's pool (for the 'most committed'
sort, and in case a recount task was lost)."""
from __future__ import annotations

from shared.services.markets import catalog, payouts, totals
from shared.web.job import job, task_id


@job("task_settle_market")
def task_settle_market(request) -> dict:
    return payouts.settle(task_id(request, "market_id"))


@job("task_market_totals")
def task_market_totals(request) -> dict:
    return totals.refresh(task_id(request, "market_id"))


@job("job_markets_sweep")
def job_markets_sweep(request) -> dict:
    restarted = payouts.restart_stalled()
    return {"restarted": restarted, "totals_refreshed": catalog.refresh_totals()}
