"""Market jobs: the settlement task, and a one-minute sweep that restarts stalled settlements
and refreshes each open market's committed total (for the 'most committed' sort)."""
from __future__ import annotations

from shared.domain.errors import InvalidInput
from shared.services import markets, markets_settlement
from shared.web.job import job


@job("task_settle_market")
def task_settle_market(request) -> dict:
    payload = request.get_json(silent=True) or {}
    market_id = payload.get("market_id")
    if not isinstance(market_id, str) or not market_id:
        raise InvalidInput("the task needs a market_id", field="market_id")
    return markets_settlement.settle(market_id)


@job("job_markets_sweep")
def job_markets_sweep(request) -> dict:
    restarted = markets_settlement.restart_stalled()
    return {"restarted": restarted, "totals_refreshed": markets.refresh_totals()}
