"""Enqueue work for a task function: Cloud Tasks in production, the dev server locally.

What a task gives, in production and locally alike:
- At-least-once delivery: the handler may run more than once for one task (a retry after a
  non-2xx answer or a lost response), so every handler must be idempotent.
- No ordering: tasks run in any order, even two enqueued one after the other by one caller.
- A named task is created at most once within about an hour: `enqueue` answers False when the
  name was already used, which is how callers coalesce wake-ups (one name per book per window).
- The handler gets an HTTP POST of the JSON payload with Cloud Tasks' X-CloudTasks-* headers;
  in production it is authenticated by an OIDC token of MINTBOOK_TASKS_SERVICE_ACCOUNT.
- With MINTBOOK_TASKS_EMULATOR_HOST=HOST:PORT (and no MINTBOOK_TASKS_URL) the Cloud Tasks client
  sends the same CreateTask requests to a Cloud Tasks emulator there, over plain gRPC with no
  Google credentials, as FIRESTORE_EMULATOR_HOST does for Firestore.
Enqueue after the transaction commits, never inside a transaction function: those may run several
times (docs: ARCHITECTURE section 2). A raised exception means the task may or may not exist.
"""
from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from shared.config import settings

QUEUE = "mintbook"
LOCAL_TIMEOUT_S = 10


def enqueue(function: str, payload: dict, *, task_name: str | None = None,
            delay_s: int = 0) -> bool:
    """Queue a POST of `payload` to task function `function`; False if `task_name` is taken."""
    tasks_url = settings().tasks_url
    if tasks_url:
        return _enqueue_local(tasks_url, function, payload, task_name, delay_s)
    return _enqueue_cloud(function, payload, task_name, delay_s)


def wake_later(function: str, key: str, payload: dict, delay_s: int, window_s: int) -> bool:
    """A wake-up task coalesced to one per `key` per `window_s`, run after `delay_s`.

    A failed enqueue is only logged: every wake-up in Mintbook is backed by a sweep job or by
    the next write asking again (a creator's followers count), so a lost one delays work,
    never loses it."""
    window = int(time.time() // max(window_s, 1))
    try:
        return enqueue(function, payload, task_name=f"{key}-{window}", delay_s=delay_s)
    except Exception:
        logging.getLogger("mintbook.tasks").exception("could not enqueue a wake-up",
                                                      extra={"task": function, "key": key})
        return False


_asked: dict[tuple[str, str], int] = {}  # (function, key) -> the last window asked for
_asked_lock = threading.Lock()


def wake_at_window_end(function: str, key: str, payload: dict, window_s: int) -> bool:
    """One task per `key` per `window_s`, delivered when the window ends: a recount asked for by
    every write of the window runs once after them all, and consecutive runs are `window_s`
    apart whatever the write rate. Each process asks at most once per window per key, so most
    writes send nothing."""
    now = time.time()
    window = int(now // window_s)
    with _asked_lock:
        if _asked.get((function, key)) == window:
            return False
        _asked[(function, key)] = window
    return wake_later(function, key, payload, delay_s=math.ceil((window + 1) * window_s - now),
                      window_s=window_s)


def function_url(function: str) -> str:
    s = settings()
    return f"https://{s.region}-{s.project}.cloudfunctions.net/{function}"


def _enqueue_local(tasks_url: str, function: str, payload: dict, task_name: str | None,
                   delay_s: int) -> bool:
    import requests

    body = {"function": function, "payload": payload, "task_name": task_name,
            "delay_s": delay_s}
    response = requests.post(f"{tasks_url.rstrip('/')}/_tasks/enqueue", json=body,
                             timeout=LOCAL_TIMEOUT_S)
    if response.status_code == 409:
        return False
    response.raise_for_status()
    return True


def _enqueue_cloud(function: str, payload: dict, task_name: str | None, delay_s: int) -> bool:
    from google.api_core.exceptions import AlreadyExists

    client = _client()
    s = settings()
    task = _task(function, payload, delay_s)
    if task_name:
        task["name"] = client.task_path(s.project, s.region, QUEUE, task_name)
    try:
        client.create_task(parent=client.queue_path(s.project, s.region, QUEUE), task=task)
    except AlreadyExists:
        return False
    return True


def _task(function: str, payload: dict, delay_s: int) -> dict[str, Any]:
    from google.cloud import tasks_v2
    from google.protobuf import timestamp_pb2

    url = function_url(function)
    task: dict[str, Any] = {"http_request": {
        "http_method": tasks_v2.HttpMethod.POST, "url": url,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(payload, separators=(",", ":")).encode(),
        "oidc_token": {"service_account_email": _service_account(), "audience": url},
    }}
    if delay_s > 0:
        at = timestamp_pb2.Timestamp()
        at.FromDatetime(datetime.now(timezone.utc) + timedelta(seconds=delay_s))
        task["schedule_time"] = at
    return task


def _service_account() -> str:
    # Task functions are private: a task without an OIDC token would be refused at the door,
    # and silently so. Refuse here instead, loudly.
    account = os.environ.get("MINTBOOK_TASKS_SERVICE_ACCOUNT")
    if not account:
        raise RuntimeError("MINTBOOK_TASKS_SERVICE_ACCOUNT is not set: Cloud Tasks needs it to "
                           "sign the OIDC token that private task functions require")
    return account


@lru_cache(maxsize=1)
def _client() -> Any:
    from google.cloud import tasks_v2

    emulator = settings().tasks_emulator_host
    if emulator:
        import grpc
        from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

        # An emulator speaks gRPC without TLS and checks no identity. Given a channel, the
        # transport ignores credentials and never looks for Google's default ones, so this runs
        # with none on the machine.
        channel = grpc.insecure_channel(emulator)
        return tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))
    return tasks_v2.CloudTasksClient()
