"""The local Cloud Tasks queue and schedule loop keep the promises production code relies on."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from dev.scheduler import ScheduleLoop, next_due
from dev.tasks_local import Delivery, Task, TaskQueue
from tests.support.waiting import eventually


class Handler:
    """A fake task function: answers the given statuses in turn, records the headers it saw."""

    def __init__(self, *statuses: int | None) -> None:
        self.statuses = list(statuses)
        self.seen: list[dict[str, str]] = []
        self.lock = threading.Lock()

    def __call__(self, task: Task) -> Delivery:
        with self.lock:
            self.seen.append(task.headers())
            status = self.statuses.pop(0) if self.statuses else 200
        return Delivery(status)


@pytest.fixture
def queue_for():
    queues: list[TaskQueue] = []

    def make(handler: Handler, **options) -> TaskQueue:
        queue = TaskQueue(handler, min_backoff_s=0.01, max_backoff_s=0.05, **options)
        queue.start()
        queues.append(queue)
        return queue

    yield make
    for queue in queues:
        queue.stop()


def test_failed_task_is_retried_until_it_succeeds_with_cloud_tasks_headers(queue_for):
    # given a handler that fails twice (a 500, then a 409) before succeeding
    handler = Handler(500, 409, 200)
    queue = queue_for(handler)
    # when a named task is enqueued
    queue.enqueue("settle", {"book": "b1"}, task_name="settle-b1")
    # then it is delivered three times, with retry and execution counts as Cloud Tasks sends
    eventually(lambda: queue.stats()["succeeded"] == 1, timeout_s=5)
    assert [h["X-CloudTasks-TaskRetryCount"] for h in handler.seen] == ["0", "1", "2"]
    assert [h["X-CloudTasks-TaskExecutionCount"] for h in handler.seen] == ["0", "0", "1"]
    assert [h.get("X-CloudTasks-TaskPreviousResponse") for h in handler.seen] == [None, "500",
                                                                                   "409"]
    assert {h["X-CloudTasks-TaskName"] for h in handler.seen} == {"settle-b1"}
    assert {h["X-CloudTasks-QueueName"] for h in handler.seen} == {"mintbook"}


def test_task_that_never_succeeds_is_dropped_after_the_attempt_limit(queue_for):
    # given a handler that always fails, or never answers
    handler = Handler(*[503, None] * 10)
    queue = queue_for(handler, max_attempts=3)
    # when a task is enqueued, then it is attempted exactly three times and counted failed
    queue.enqueue("settle", {})
    eventually(lambda: queue.stats()["failed"] == 1, timeout_s=5)
    assert len(handler.seen) == 3
    assert queue.stats()["pending"] == 0


def test_task_name_is_refused_for_an_hour_then_free_again(queue_for):
    # given a queue on a clock we move by hand
    now = [1_000_000.0]
    queue = queue_for(Handler(), clock=lambda: now[0])
    assert queue.enqueue("settle", {}, task_name="n1") is not None
    # when the same name comes back within the hour, then it is refused
    now[0] += 3599
    assert queue.enqueue("settle", {}, task_name="n1") is None
    # and once the hour has passed it is accepted again
    now[0] += 2
    assert queue.enqueue("settle", {}, task_name="n1") is not None


def test_forget_drops_queued_tasks_and_frees_their_names(queue_for):
    # given a task used its name and another waits for its ETA (data a test then wipes)
    handler = Handler()
    queue = queue_for(handler)
    queue.enqueue("settle", {}, task_name="settle-m1-main-start")
    eventually(lambda: queue.stats()["succeeded"] == 1, timeout_s=5)
    queue.enqueue("settle", {"old": True}, task_name="settle-m1-main-later", delay_s=3600)
    # when the queue forgets, then the waiting task is gone and both names are free again
    assert queue.forget() == 1
    assert queue.stats()["pending"] == 0
    assert queue.enqueue("settle", {}, task_name="settle-m1-main-start") is not None
    assert queue.enqueue("settle", {}, task_name="settle-m1-main-later") is not None
    eventually(lambda: queue.stats()["succeeded"] == 3, timeout_s=5)
    assert sorted(h["X-CloudTasks-TaskName"] for h in handler.seen) == [
        "settle-m1-main-later", "settle-m1-main-start", "settle-m1-main-start"]


def test_delayed_task_waits_for_its_eta(queue_for):
    handler = Handler()
    queue = queue_for(handler)
    task = queue.enqueue("settle", {}, delay_s=0.4)
    threading.Event().wait(0.15)
    assert handler.seen == []
    eventually(lambda: handler.seen, timeout_s=5)
    assert float(handler.seen[0]["X-CloudTasks-TaskETA"]) == pytest.approx(task.eta)


@pytest.mark.parametrize("name", ["", "a/b", "a.b", "x" * 501])
def test_task_names_cloud_tasks_would_reject_are_rejected(queue_for, name):
    with pytest.raises(ValueError):
        queue_for(Handler()).enqueue("settle", {}, task_name=name)


def test_next_due_follows_cron_in_utc():
    at = datetime(2026, 1, 1, 0, 7, tzinfo=timezone.utc)
    assert next_due("*/15 * * * *", at) == datetime(2026, 1, 1, 0, 15, tzinfo=timezone.utc)
    assert next_due("5 0 * * *", at) == datetime(2026, 1, 2, 0, 5, tzinfo=timezone.utc)


def test_missed_due_times_fire_once_not_once_each():
    # given a job every 15 minutes, and a clock that jumps 46 minutes (a laptop asleep)
    start = datetime(2026, 1, 1, 0, 1, tzinfo=timezone.utc)
    now = [start]
    fired: list[tuple[str, datetime]] = []
    loop = ScheduleLoop({"job_reconcile": "*/15 * * * *"},
                        lambda name, due: fired.append((name, due)), clock=lambda: now[0])
    now[0] = start + timedelta(minutes=46)
    # when the loop runs, then the job fires once, and its next due time is after the jump
    loop.start()
    try:
        eventually(lambda: fired, timeout_s=5)
        threading.Event().wait(0.1)
    finally:
        loop.stop()
    assert fired == [("job_reconcile", datetime(2026, 1, 1, 0, 15, tzinfo=timezone.utc))]
    assert loop.upcoming()["job_reconcile"] == datetime(2026, 1, 1, 1, 0, tzinfo=timezone.utc)
