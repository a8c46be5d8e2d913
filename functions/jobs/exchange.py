"""Exchange tasks and job: wake one book's sequencer, settle one book's new fills (Cloud Tasks),
and the one-minute sweep that does both for every book with work left and applies any order's
ledger postings a sequencer left unapplied."""
from __future__ import annotations

from shared.services.exchange import sequencer
from shared.services.exchange import netting, order_settlement
from shared.web.job import job, task_id


@job("task_exchange_sequence")
def task_exchange_sequence(request) -> dict:
    return sequencer.wake(task_id(request, "book"))


@job("task_exchange_settle")
def task_exchange_settle(request) -> dict:
    return netting.settle(task_id(request, "book"))


@job("job_exchange_sweep")
def job_exchange_sweep(request) -> dict:
    return {"sequencers": sequencer.sweep(), "postings": order_settlement.sweep(),
            "settlement": netting.sweep()}
