"""Market jobs: the settlement task, and a one-minute sweep that restarts stalled settlements
and refreshes each open market's committed total (for the 'most committed' sort)."""
from __future__ import annotations

from shared.services.markets import catalog

from shared.services.markets import payouts
from shared.web.job import job, task_id


@job("task_settle_market")
def task_settle_market(request) -> dict:
    return payouts.settle(task_id(request, "market_id"))


@job("job_markets_sweep")
def job_markets_sweep(request) -> dict:
    restarted = payouts.restart_stalled()
    return {"restarted": restarted, "totals_refreshed": catalog.refresh_totals()}
