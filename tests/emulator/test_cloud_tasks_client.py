"""The Cloud Tasks client path (shared/integrations/tasks.py with no MINTBOOK_TASKS_URL): the
CreateTask requests Mintbook sends, and what it makes of the answers.

The real google-cloud-tasks client talks gRPC to gcloud-tasks-emulator (.venv-tasks, started on
a free port by dev/tasks_emulator.py), chosen by configuration alone: MINTBOOK_TASKS_EMULATOR_HOST,
as FIRESTORE_EMULATOR_HOST chooses the Firestore emulator. Its queue is paused, so it holds the
tasks for the test to read back instead of POSTing them to cloudfunctions.net.

The emulator (0.6.2) accepts a task name that is already taken, where Cloud Tasks answers
ALREADY_EXISTS for about an hour: the test that shows it pins that down, so a version that learns
the rule is noticed. The coalescing path is tested against a small real gRPC server instead,
which answers CreateTask as Cloud Tasks does for a name it has seen: ALREADY_EXISTS.

Nothing here is skipped: without .venv-tasks (`make test` builds it) the tests fail.
"""
from __future__ import annotations

import json
import threading
from concurrent import futures
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Iterator

import grpc
import pytest
from google.api_core.exceptions import GoogleAPICallError
from google.cloud import tasks_v2
from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

from dev.tasks_emulator import TasksEmulator
from dev.tasks_emulator import available as tasks_emulator_available

PROJECT = "demo-mintbook"
REGION = "us-central1"
QUEUE = f"projects/{PROJECT}/locations/{REGION}/queues/mintbook"
INVOKER = f"mintbook-invoker@{PROJECT}.iam.gserviceaccount.com"
FUNCTION = "task_exchange_settle"
FUNCTION_URL = f"https://{REGION}-{PROJECT}.cloudfunctions.net/{FUNCTION}"


def _forget_cached_clients() -> None:
    from shared.config import settings
    from shared.integrations import tasks

    settings.cache_clear()
    tasks._client.cache_clear()


def _point_tasks_at(host_port: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment a deployed function has, with the Cloud Tasks endpoint moved to
    `host_port`. The session may have set MINTBOOK_TASKS_URL (local dispatch) for other suites."""
    monkeypatch.delenv("MINTBOOK_TASKS_URL", raising=False)
    monkeypatch.setenv("MINTBOOK_TASKS_EMULATOR_HOST", host_port)
    monkeypatch.setenv("MINTBOOK_TASKS_SERVICE_ACCOUNT", INVOKER)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", PROJECT)
    monkeypatch.setenv("FUNCTION_REGION", REGION)
    _forget_cached_clients()


@pytest.fixture(scope="module")
def tasks_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TasksEmulator]:
    if not tasks_emulator_available():
        pytest.fail("gcloud-tasks-emulator is not installed: run `make test` "
                    "(it builds .venv-tasks from requirements-tasks.txt)", pytrace=False)
    log = tmp_path_factory.mktemp("tasks-emulator") / "tasks-emulator.log"
    instance = TasksEmulator(queues=(QUEUE,), log_path=log).start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def cloud_tasks(tasks_emulator: TasksEmulator,
                monkeypatch: pytest.MonkeyPatch) -> Iterator[tasks_v2.CloudTasksClient]:
    """Mintbook's Cloud Tasks path pointed at the emulator, its queue paused and empty; yields a
    client of the test's own for reading the queue back."""
    _point_tasks_at(tasks_emulator.host_port, monkeypatch)
    with grpc.insecure_channel(tasks_emulator.host_port) as channel:
        reader = tasks_v2.CloudTasksClient(transport=CloudTasksGrpcTransport(channel=channel))
        reader.pause_queue(name=QUEUE)
        reader.purge_queue(name=QUEUE)
        yield reader
    _forget_cached_clients()


def held_tasks(reader: tasks_v2.CloudTasksClient) -> list[tasks_v2.Task]:
    request = {"parent": QUEUE, "response_view": tasks_v2.Task.View.FULL}
    return list(reader.list_tasks(request=request))


def test_a_named_delayed_task_reaches_cloud_tasks_signed_for_its_function(cloud_tasks):
    from shared.integrations.tasks import enqueue

    # given the Cloud Tasks path, configured as a deployed function is
    before = datetime.now(timezone.utc)
    # when a named task is enqueued to run in 30 s
    created = enqueue(FUNCTION, {"book": "CHIP-USD", "note": "é"}, task_name="exsettle-CHIP-USD-7",
                      delay_s=30)
    after = datetime.now(timezone.utc)
    # then Cloud Tasks holds one task under that name in the mintbook queue, a POST of the JSON
    # payload to the function's URL with an OIDC token of the invoker for that URL, due in 30 s
    assert created is True
    [task] = held_tasks(cloud_tasks)
    assert task.name == f"{QUEUE}/tasks/exsettle-CHIP-USD-7"
    http = task.http_request
    assert http.http_method == tasks_v2.HttpMethod.POST
    assert http.url == FUNCTION_URL
    assert dict(http.headers) == {"Content-Type": "application/json"}
    assert json.loads(http.body) == {"book": "CHIP-USD", "note": "é"}
    assert http.oidc_token.service_account_email == INVOKER
    assert http.oidc_token.audience == FUNCTION_URL
    assert before + timedelta(seconds=30) <= task.schedule_time <= after + timedelta(seconds=30)


def test_an_unnamed_task_for_now_carries_no_name_and_no_schedule_time(cloud_tasks):
    from shared.integrations.tasks import enqueue

    # when a task without a name or delay is enqueued
    assert enqueue(FUNCTION, {"book": "LUNA-CHIP"}) is True
    # then Cloud Tasks names it (the emulator, like the service, makes an id) and, with no
    # schedule time sent, runs it as soon as it can
    [task] = held_tasks(cloud_tasks)
    assert task.name.startswith(f"{QUEUE}/tasks/")
    assert "schedule_time" not in task
    assert json.loads(task.http_request.body) == {"book": "LUNA-CHIP"}


def test_the_emulator_accepts_a_taken_task_name_so_it_cannot_show_coalescing(cloud_tasks):
    from shared.integrations.tasks import enqueue

    # given a task named n-1 already in the queue
    assert enqueue(FUNCTION, {"n": 1}, task_name="n-1") is True
    # when another is created under the same name
    again = enqueue(FUNCTION, {"n": 2}, task_name="n-1")
    # then gcloud-tasks-emulator 0.6.2 keeps both (Cloud Tasks would answer ALREADY_EXISTS):
    # test_a_taken_task_name_makes_enqueue_answer_false covers that answer. If this fails, the
    # emulator has learnt the rule and that test can use it instead.
    assert again is True
    assert [t.name for t in held_tasks(cloud_tasks)] == [f"{QUEUE}/tasks/n-1"] * 2


def test_another_refusal_is_raised_not_taken_for_a_taken_name(cloud_tasks, monkeypatch):
    from shared.integrations.tasks import enqueue, wake_later

    # given a project whose queue does not exist (Cloud Tasks answers NOT_FOUND, the emulator
    # FAILED_PRECONDITION)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "demo-no-queue")
    _forget_cached_clients()
    # when a task is enqueued there, then the caller learns the task may not exist: an error,
    # not the False that means "already queued"
    with pytest.raises(GoogleAPICallError):
        enqueue(FUNCTION, {"n": 1}, task_name="lost-1")
    # and a wake-up, which a sweep backs, is logged and reported as not queued
    assert wake_later(FUNCTION, "lost", {"n": 1}, delay_s=0, window_s=10) is False
    assert held_tasks(cloud_tasks) == []


def test_without_an_invoker_account_nothing_is_enqueued(cloud_tasks, monkeypatch):
    from shared.integrations.tasks import enqueue

    # given no MINTBOOK_TASKS_SERVICE_ACCOUNT: a task without an OIDC token would be refused by
    # its private function, silently
    monkeypatch.delenv("MINTBOOK_TASKS_SERVICE_ACCOUNT")
    # when a task is enqueued, then it is refused loudly and Cloud Tasks gets nothing
    with pytest.raises(RuntimeError, match="MINTBOOK_TASKS_SERVICE_ACCOUNT"):
        enqueue(FUNCTION, {"n": 1}, task_name="unsigned-1")
    assert held_tasks(cloud_tasks) == []


class TakenNames:
    """A Cloud Tasks CreateTask over real gRPC that keeps Cloud Tasks' de-duplication rule: a
    name seen before is ALREADY_EXISTS. It records every request it gets."""

    MESSAGE = ("The task cannot be created because a task with this name existed too recently. "
               "For more information about task de-duplication see the Cloud Tasks docs.")

    def __init__(self) -> None:
        self.requests: list[tasks_v2.CreateTaskRequest] = []
        self.created: dict[str, tasks_v2.Task] = {}
        self.lock = threading.Lock()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        handler = grpc.unary_unary_rpc_method_handler(
            self.create_task, request_deserializer=tasks_v2.CreateTaskRequest.deserialize,
            response_serializer=tasks_v2.Task.serialize)
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            "google.cloud.tasks.v2.CloudTasks", {"CreateTask": handler}),))
        self.port = self.server.add_insecure_port("127.0.0.1:0")

    def create_task(self, request: tasks_v2.CreateTaskRequest, context: Any) -> tasks_v2.Task:
        with self.lock:
            self.requests.append(request)
            name = request.task.name or f"{request.parent}/tasks/{len(self.requests)}"
            if name in self.created:
                context.abort(grpc.StatusCode.ALREADY_EXISTS, self.MESSAGE)
            task = tasks_v2.Task(request.task, name=name)
            self.created[name] = task
            return task


@pytest.fixture
def taken_names(monkeypatch: pytest.MonkeyPatch) -> Iterator[TakenNames]:
    service = TakenNames()
    service.server.start()
    _point_tasks_at(f"127.0.0.1:{service.port}", monkeypatch)
    try:
        yield service
    finally:
        _forget_cached_clients()
        service.server.stop(grace=None)


def test_a_taken_task_name_makes_enqueue_answer_false(taken_names):
    from shared.integrations.tasks import enqueue

    # given a task named settle-m1-start, created
    assert enqueue("task_settle_market", {"market_id": "m1"}, task_name="settle-m1-start") is True
    # when the same name is enqueued again, then Cloud Tasks answers ALREADY_EXISTS and enqueue
    # answers False: the work is already queued
    assert enqueue("task_settle_market", {"market_id": "m1"},
                   task_name="settle-m1-start") is False
    assert list(taken_names.created) == [f"{QUEUE}/tasks/settle-m1-start"]
    assert [r.parent for r in taken_names.requests] == [QUEUE, QUEUE]


def test_wake_ups_in_one_window_coalesce_into_one_task(taken_names, monkeypatch):
    from shared.integrations import tasks

    # given a clock in the middle of a 10 s window
    monkeypatch.setattr(tasks, "time", SimpleNamespace(time=lambda: 1_000_004.0))
    # when a book is woken three times in the window, then once in the next
    woken = [tasks.wake_later(FUNCTION, "exsettle-CHIP-USD", {"book": "CHIP-USD"}, delay_s=10,
                              window_s=10) for _ in range(3)]
    monkeypatch.setattr(tasks, "time", SimpleNamespace(time=lambda: 1_000_011.0))
    woken.append(tasks.wake_later(FUNCTION, "exsettle-CHIP-USD", {"book": "CHIP-USD"},
                                  delay_s=10, window_s=10))
    # then one task per window was created; the repeats answered False
    assert woken == [True, False, False, True]
    assert list(taken_names.created) == [f"{QUEUE}/tasks/exsettle-CHIP-USD-100000",
                                         f"{QUEUE}/tasks/exsettle-CHIP-USD-100001"]
