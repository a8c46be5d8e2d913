"""Exchange tasks and job: wake one book's sequencer, settle one book's new fills (Cloud Tasks),
and the one-minute sweep that does both for every book with work left."""
from __future__ import annotations

from shared.domain.errors import InvalidInput
from shared.services import exchange_sequencer as sequencer
from shared.services import exchange_settlement as settlement
from shared.web.job import job


@job("task_exchange_sequence")
def task_exchange_sequence(request) -> dict:
    body = request.get_json(silent=True) or {}
    book_id = body.get("book")
    if not isinstance(book_id, str) or not book_id:
        raise InvalidInput("the task needs a book", field="book")
    return sequencer.wake(book_id)


@job("task_exchange_settle")
def task_exchange_settle(request) -> dict:
    body = request.get_json(silent=True) or {}
    book_id = body.get("book")
    if not isinstance(book_id, str) or not book_id:
        raise InvalidInput("the task needs a book", field="book")
    return settlement.settle(book_id)


@job("job_exchange_sweep")
def job_exchange_sweep(request) -> dict:
    return {"sequencers": sequencer.sweep(), "settlement": settlement.sweep()}
