"""Market social jobs: leaderboards every ten minutes, and closing-soon reminders.

Both are safe to run late, twice or concurrently: boards are recomputed from immutable
reputation events, and badges and notifications are created at most once.
"""
from __future__ import annotations

from shared.services.markets import leaderboards

from shared.services.markets import notifications
from shared.web.job import job


@job("job_leaderboards")
def job_leaderboards(request) -> dict:
    return leaderboards.recompute()


@job("job_markets_closing_soon")
def job_markets_closing_soon(request) -> dict:
    return notifications.remind_closing()
