"""A local stand-in for one Cloud Tasks queue: named tasks, delays, retries, the task headers.

Guarantees, the same ones code may rely on in production and no more:
- At-least-once delivery: a task is delivered until its handler answers 2xx, retried with
  exponential backoff (honouring a Retry-After on 429/503). Unlike Cloud Tasks the attempts are
  bounded (`max_attempts`), so a broken handler cannot spin forever on a laptop; the task is then
  dropped and logged.
- No ordering: due tasks run concurrently on a small pool, whatever order they were queued in.
- A task name is refused (`enqueue` returns None) while a task of that name was created within
  the last `dedup_window_s` (one hour, as Cloud Tasks does after a named task ran or was deleted).
- Each delivery carries the headers Cloud Tasks sends: X-CloudTasks-QueueName, -TaskName,
  -TaskRetryCount (attempts before this one), -TaskExecutionCount (earlier attempts that got a
  non-5xx answer), -TaskETA (scheduled time, epoch seconds), and -TaskPreviousResponse on retries.
How a task reaches its handler is the caller's `deliver` function (the dev server POSTs it).
"""
from __future__ import annotations

import heapq
import itertools
import logging
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

log = logging.getLogger("mintbook.dev.tasks")

TASK_NAME = re.compile(r"^[A-Za-z0-9_-]{1,500}$")  # Cloud Tasks' task id alphabet and length
MAX_DELAY_S = 30 * 24 * 3600                       # Cloud Tasks schedules at most 30 days ahead


@dataclass(frozen=True)
class Delivery:
    """What an attempt got back: an HTTP status (None when no answer) and any Retry-After."""

    status: int | None
    retry_after_s: float | None = None


@dataclass
class Task:
    name: str
    function: str
    payload: dict
    eta: float                       # epoch seconds, as X-CloudTasks-TaskETA reports it
    queue: str
    attempts: int = 0
    executions: int = 0
    previous_status: int | None = None
    history: list[int | None] = field(default_factory=list)

    def headers(self) -> dict[str, str]:
        headers = {"X-CloudTasks-QueueName": self.queue, "X-CloudTasks-TaskName": self.name,
                   "X-CloudTasks-TaskRetryCount": str(self.attempts),
                   "X-CloudTasks-TaskExecutionCount": str(self.executions),
                   "X-CloudTasks-TaskETA": f"{self.eta:.6f}", "User-Agent": "Google-Cloud-Tasks"}
        if self.previous_status is not None:
            headers["X-CloudTasks-TaskPreviousResponse"] = str(self.previous_status)
        return headers


Deliver = Callable[[Task], Delivery]


class TaskQueue:
    """One queue; `start()` runs its dispatcher thread, `stop()` ends it (queued tasks are lost,
    as they would be if the dev server stopped)."""

    def __init__(self, deliver: Deliver, *, queue: str = "mintbook", max_attempts: int = 5,
                 min_backoff_s: float = 0.1, max_backoff_s: float = 10.0, workers: int = 8,
                 dedup_window_s: float = 3600.0, clock: Callable[[], float] = time.time) -> None:
        self.deliver = deliver
        self.queue = queue
        self.max_attempts = max_attempts
        self.min_backoff_s = min_backoff_s
        self.max_backoff_s = max_backoff_s
        self.dedup_window_s = dedup_window_s
        self.clock = clock
        self._due: list[tuple[float, int, Task]] = []
        self._seq = itertools.count()
        self._names: dict[str, float] = {}  # task name -> when it may be used again
        self._counts = {"queued": 0, "running": 0, "succeeded": 0, "failed": 0, "retried": 0}
        self._cond = threading.Condition()
        self._stopping = False
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="task")
        self._thread = threading.Thread(target=self._dispatch_loop, name="task-dispatch",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def enqueue(self, function: str, payload: dict, task_name: str | None = None,
                delay_s: float = 0) -> Task | None:
        """Queue a task; None when `task_name` was used within the dedup window."""
        if task_name is not None and not TASK_NAME.match(task_name):
            raise ValueError("task_name must be 1-500 letters, digits, '-' or '_'")
        if not 0 <= delay_s <= MAX_DELAY_S:
            raise ValueError(f"delay_s must be between 0 and {MAX_DELAY_S}")
        now = self.clock()
        name = task_name or uuid.uuid4().hex
        task = Task(name, function, payload, now + delay_s, self.queue)
        with self._cond:
            self._forget_expired_names(now)
            if name in self._names:
                return None
            self._names[name] = now + self.dedup_window_s
            self._push(task, task.eta)
        return task

    def forget(self) -> int:
        """Drop every queued task and every used task name; the number of tasks dropped. Tests
        call it when they wipe the database: the tasks were for data that is gone, and a name
        kept would refuse, for an hour, the same name for new data with the same ids (the
        settlement tasks of a demo market created again after the wipe)."""
        with self._cond:
            dropped = len(self._due)
            self._due.clear()
            self._names.clear()
            return dropped

    def stats(self) -> dict[str, int]:
        with self._cond:
            return {**self._counts, "pending": len(self._due)}

    def _forget_expired_names(self, now: float) -> None:
        for name in [n for n, until in self._names.items() if until <= now]:
            del self._names[name]

    def _push(self, task: Task, when: float) -> None:
        heapq.heappush(self._due, (when, next(self._seq), task))
        self._counts["queued"] += 1
        self._cond.notify_all()

    def _dispatch_loop(self) -> None:
        while True:
            with self._cond:
                task = self._next_due()
                if task is None:
                    return
                self._counts["queued"] -= 1
                self._counts["running"] += 1
            try:
                self._pool.submit(self._attempt, task)
            except RuntimeError:  # stop() shut the pool down in between: the task is dropped
                return

    def _next_due(self) -> Task | None:
        """Block until a task is due (None once stopping). Caller holds the condition."""
        while not self._stopping:
            if self._due and self._due[0][0] <= self.clock():
                return heapq.heappop(self._due)[2]
            wait = self._due[0][0] - self.clock() if self._due else None
            self._cond.wait(timeout=wait)
        return None

    def _attempt(self, task: Task) -> None:
        try:
            outcome = self.deliver(task)
        except Exception:  # a bug in deliver must not kill the worker: count it as no answer
            log.exception("delivering task %s failed", task.name)
            outcome = Delivery(None)
        with self._cond:
            self._counts["running"] -= 1
            self._settle(task, outcome)

    def _settle(self, task: Task, outcome: Delivery) -> None:
        task.history.append(outcome.status)
        if outcome.status is not None and 200 <= outcome.status < 300:
            self._counts["succeeded"] += 1
            return
        task.attempts += 1
        if outcome.status is not None and outcome.status < 500:
            task.executions += 1
        task.previous_status = outcome.status
        if task.attempts >= self.max_attempts:
            self._counts["failed"] += 1
            log.error("task %s to %s dropped after %d attempts: %s", task.name, task.function,
                      task.attempts, task.history)
            return
        self._counts["retried"] += 1
        self._push(task, self.clock() + self._backoff(task.attempts, outcome))

    def _backoff(self, attempts: int, outcome: Delivery) -> float:
        backoff = self.min_backoff_s * 2 ** (attempts - 1)
        if outcome.retry_after_s is not None and outcome.status in (429, 503):
            backoff = max(backoff, outcome.retry_after_s)
        return min(backoff, self.max_backoff_s)
