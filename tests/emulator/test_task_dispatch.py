"""Tasks enqueued through shared.integrations.tasks reach their function on the dev server.

The task target is the reconciliation job, which succeeds on an empty database; its effect seen
from outside is the dev server's task counters (`GET /_tasks`).
"""
from __future__ import annotations

import uuid

import pytest
import requests

from shared.integrations import tasks
from tests.support.waiting import eventually


def _succeeded(server_url: str) -> int:
    return requests.get(f"{server_url}/_tasks", timeout=10).json()["data"]["succeeded"]


def test_named_task_runs_once_and_its_name_cannot_be_reused(server_url, clean_db):
    # given the dev server's task counters
    before = _succeeded(server_url)
    name = f"reconcile-{uuid.uuid4().hex}"
    # when the same named task is enqueued twice
    first = tasks.enqueue("job_reconcile", {}, task_name=name)
    second = tasks.enqueue("job_reconcile", {}, task_name=name)
    # then only the first is accepted, and it is delivered and succeeds
    assert (first, second) == (True, False)
    eventually(lambda: _succeeded(server_url) > before, timeout_s=20, what="the task delivered")


def test_unnamed_tasks_are_never_deduplicated(server_url, clean_db):
    # when two unnamed tasks are enqueued with the same payload, then both are accepted
    assert tasks.enqueue("job_reconcile", {"n": 1}) is True
    assert tasks.enqueue("job_reconcile", {"n": 1}) is True


def test_enqueueing_for_an_unknown_function_raises(server_url):
    # a typo in a function name must not vanish silently
    with pytest.raises(requests.HTTPError) as raised:
        tasks.enqueue("no_such_function", {})
    assert raised.value.response.status_code == 404
