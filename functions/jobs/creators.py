"""Creator task: recount one creator's followers (asked for by follows, once per window)."""
from __future__ import annotations

from shared.services.exchange import creator_pages
from shared.web.job import job, task_id


@job("task_creator_followers")
def task_creator_followers(request) -> dict:
    return creator_pages.recount_followers(task_id(request, "creator"))
