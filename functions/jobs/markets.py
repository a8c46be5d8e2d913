"""Market jobs: the settlement task, and a one-minute sweep that restarts stalled settlements
and refreshes each open market's committed total (for the 'most committed' sort)."""
from __future__ import annotations

from shared.services import markets, markets_settlement
from shared.web.job import job, task_id


@job("task_settle_market")
def task_settle_market(request) -> dict:
    return markets_settlement.settle(task_id(request, "market_id"))


@job("job_markets_sweep")
def job_markets_sweep(request) -> dict:
    restarted = markets_settlement.restart_stalled()
    return {"restarted": restarted, "totals_refreshed": markets.refresh_totals()}
