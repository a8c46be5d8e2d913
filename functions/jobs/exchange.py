"""Exchange tasks and job: wake one book's sequencer, settle one book's new fills (Cloud Tasks),
and the one-minute sweep that does both for every book with work left."""
from __future__ import annotations

from shared.services.exchange import sequencer
from shared.services.exchange import netting
from shared.web.job import job, task_id


@job("task_exchange_sequence")
def task_exchange_sequence(request) -> dict:
    return sequencer.wake(task_id(request, "book"))


@job("task_exchange_settle")
def task_exchange_settle(request) -> dict:
    return netting.settle(task_id(request, "book"))


@job("job_exchange_sweep")
def job_exchange_sweep(request) -> dict:
    return {"sequencers": sequencer.sweep(), "settlement": netting.sweep()}
