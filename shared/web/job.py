"""Scheduled jobs and task handlers as HTTP functions.

They are deployed private (only Cloud Scheduler's or Cloud Tasks' service account may invoke
them), so they do no user auth; they answer in the envelope and a failure answers 500 so the
scheduler or queue retries.
"""
from __future__ import annotations

import logging
import uuid
from typing import Callable

from flask import Request, Response

from shared.domain.errors import MintbookError

from shared.web import logs
from shared.web.envelope import respond
from shared.web.errors import describe, status_for

log = logging.getLogger("mintbook.jobs")


def job(name: str) -> Callable:
    def wrap(fn: Callable[[Request], object]) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            logs.configure()
            token = logs.request_id.set(request.headers.get("X-CloudTasks-TaskName") or uuid.uuid4().hex)
            try:
                result = fn(request)
                log.info("job %s done", name, extra={"function": name, "result": result})
                return respond(200, data=result)
            except MintbookError as err:
                log.warning("job %s refused", name, extra={"function": name, "code": err.code})
                return respond(status_for(err), errors=[describe(err)])
            except Exception:
                log.exception("job %s failed", name)
                return respond(500, errors=[{"code": "internal", "field": None, "message": "job failed"}])
            finally:
                logs.request_id.reset(token)

        handler.__name__ = name
        return handler

    return wrap


def task_id(request: Request, field: str) -> str:
    """The non-empty string `field` of a task's JSON payload, or InvalidInput (a 400 the queue
    does not retry)."""
    from shared.domain.errors import InvalidInput

    value = (request.get_json(silent=True) or {}).get(field)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"the task needs a {field}", field=field)
    return value
