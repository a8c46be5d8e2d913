"""Market social jobs: leaderboards every ten minutes, closing-soon reminders, and the task
that carries a notification fan-out on, a page at a time.

All are safe to run late, twice or concurrently: boards are recomputed from immutable
reputation events, and badges and notifications are created at most once.
"""
from __future__ import annotations

from shared.services.markets import fanouts, leaderboards, notifications
from shared.web.job import job, task_id

FANOUT_BUDGET_S = 20.0


@job("job_leaderboards")
def job_leaderboards(request) -> dict:
    return leaderboards.recompute()


@job("job_markets_closing_soon")
def job_markets_closing_soon(request) -> dict:
    return notifications.remind_closing()


@job("task_market_fanout")
def task_market_fanout(request) -> dict:
    market_id, kind = task_id(request, "market_id"), task_id(request, "kind")
    return fanouts.resume(kind, market_id, FANOUT_BUDGET_S)
