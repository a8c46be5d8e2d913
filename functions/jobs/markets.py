"""Market jobs: the settlement task (a market's main task, or one partition's), the pool's
recount task, and a one-minute sweep that restarts stalled settlements and recounts a page of
the open markets' pools in turn (for the 'most committed' sort, and in case a recount task was
lost: services/markets/totals.py)."""
from __future__ import annotations

from shared.domain.errors import InvalidInput
from shared.services.markets import settlement, totals
from shared.web.job import job, task_id

MAX_PARTITION = 1_000


@job("task_settle_market")
def task_settle_market(request) -> dict:
    partition = (request.get_json(silent=True) or {}).get("partition")
    if partition is not None and (type(partition) is not int
                                  or not 0 <= partition < MAX_PARTITION):
        raise InvalidInput("partition is a small non-negative integer", field="partition")
    return settlement.settle(task_id(request, "market_id"), partition)


@job("task_market_totals")
def task_market_totals(request) -> dict:
    return totals.refresh(task_id(request, "market_id"))


@job("job_markets_sweep")
def job_markets_sweep(request) -> dict:
    restarted = settlement.restart_stalled()
    return {"restarted": restarted, "totals_refreshed": totals.sweep()}
