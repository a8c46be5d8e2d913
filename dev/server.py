"""The dev server: every function of functions/manifest.py behind one local port.

Routes:
- `/<name>` and `/<name>/<subpath>`: http, job and task functions; the function sees `/<subpath>`
  as its path, as on Cloud Functions.
- `POST /functions/projects/<project>/triggers/<name>`: event functions; the Firestore emulator
  delivers CloudEvents here (`--functions_emulator`), and they reach the function unchanged.
- `GET /openapi.json`: the committed openapi.json, at the repository root or in functions/
  (404 when there is none).
- `POST /_tasks/enqueue` {function, payload, task_name?, delay_s?}: local Cloud Tasks
  (dev/tasks_local.py), delivered back to `/<function>`; `GET /_tasks`: its counters.
- `POST /_caches/forget`: drop this process's cached asset and book configurations and its
  local task queue's queued tasks and used task names (tests call it after wiping the emulator).
- `POST /_dev/test_card` {purchase_id, card: "3ds"|"3ds-declined"}: put a 3-D Secure test card
  on a pending purchase's PaymentIntent on localstripe (dev/pay.py `attach_card`), for the web
  app's dev-only "pay with a test card" button; CORS as the functions answer it. Never deployed.
- `GET /`: what is mounted.

Guarantees:
- Every function's app is built before the server listens (functions-framework's create_app; all
  of them together cost about half a second, nearly all of it the shared imports), so an import
  error shows at start and no first request pays for it. A function that fails to build answers
  500 with its error while the others serve: one broken module must not stop the whole stack.
- Requests are served concurrently, one thread each.
- Each request's Firestore RPCs carry the operation tag "<function> <kind> <request id>"
  (dev/instrument.py), which dev/firestore_counter.py bills to it. The request id is the
  X-Request-Id header (made up, and passed on to the function, when absent), a task's
  X-CloudTasks-TaskName, or an event's ce-id.
- It prints a line with "dev server ready" once it listens, and nothing runs at import time.
"""
from __future__ import annotations

import argparse
import json
import logging
import re
import signal
import sys
import traceback
import uuid
from datetime import datetime
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, Callable, Collection, Iterable

import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from dev.instrument import install, operation_tag, tagged
from dev.scheduler import ScheduleLoop
from dev.tasks_local import Delivery, Task, TaskQueue

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
# The committed API description: at the repository root, or beside the functions that serve it.
OPENAPI_FILES = (REPO_ROOT / "openapi.json", FUNCTIONS_DIR / "openapi.json")
TRIGGER_PATH = re.compile(r"^/functions/projects/[^/]+/triggers/([^/]+)/?$")
DISPATCH_TIMEOUT_S = 600  # Cloud Tasks' default dispatch deadline for HTTP targets
READY = "dev server ready"
REQUEST_KINDS = ("http", "job", "task")  # kinds called by URL (by clients, Scheduler, Tasks)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
log = logging.getLogger("mintbook.dev.server")


def load_manifest() -> ModuleType:
    """functions/manifest.py, imported the way functions/main.py imports it."""
    if str(FUNCTIONS_DIR) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS_DIR))
    import manifest

    return manifest


def build_app(name: str, kind: str) -> WSGIApp:
    import functions_framework

    signature = "cloudevent" if kind == "event" else "http"
    try:
        return functions_framework.create_app(target=name, source=str(FUNCTIONS_DIR / "main.py"),
                                              signature_type=signature)
    except Exception:
        error = traceback.format_exc()
        log.error("function %s failed to load; it answers 500 until fixed:\n%s", name, error)
        return _broken_app(name, error)


def build_apps(functions: Iterable[Any]) -> dict[str, WSGIApp]:
    apps = {f.name: build_app(f.name, f.kind) for f in functions}
    # create_app re-executes main.py and appends functions/ to sys.path on every call; keep one
    # entry of each so later imports do not scan the same folder dozens of times.
    sys.path[:] = list(dict.fromkeys(sys.path))
    return apps


def _broken_app(name: str, error: str) -> WSGIApp:
    message = f"function {name} failed to load: {error.strip().splitlines()[-1]}"
    return _json(500, _failure("function_load_failed", message))


def _json(status: int, body: dict) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


class Router:
    """The WSGI app: finds the function a request is for and hands it over."""

    def __init__(self, apps: dict[str, WSGIApp], kinds: dict[str, str],
                 openapi_files: tuple[Path, ...] = OPENAPI_FILES) -> None:
        self.apps = apps
        self.kinds = kinds
        self.openapi_files = openapi_files
        self.tasks: TaskQueue | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        trigger = TRIGGER_PATH.match(path)
        if trigger:
            return self._forward(trigger.group(1), ("event",), path.rstrip("/"), environ,
                                 start_response)
        if path.startswith("/_tasks"):
            return self._tasks_api(Request(environ))(environ, start_response)
        if path == "/_caches/forget" and environ.get("REQUEST_METHOD") == "POST":
            return self._forget_caches()(environ, start_response)
        if path == "/_dev/test_card":
            return self._test_card(Request(environ))(environ, start_response)
        if path == "/openapi.json":
            return self._openapi()(environ, start_response)
        if path == "/":
            return self._index()(environ, start_response)
        name = path[1:].split("/", 1)[0]
        return self._forward(name, REQUEST_KINDS, "/" + name, environ, start_response)

    def _forward(self, name: str, kinds: Collection[str], prefix: str, environ: dict,
                 start_response: Callable) -> Iterable[bytes]:
        if self.kinds.get(name) not in kinds:
            missing = _failure("not_found", f"no function at {environ.get('PATH_INFO')}")
            return _json(404, missing)(environ, start_response)
        inner = dict(environ)
        inner["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
        inner["PATH_INFO"] = environ["PATH_INFO"][len(prefix):] or "/"
        kind = self.kinds[name]
        with tagged(operation_tag(name, kind, _request_id(inner, kind))):
            return self.apps[name](inner, start_response)

    def _forget_caches(self) -> Response:
        """Tests wipe the emulator under a running server: drop what this process cached (asset
        and book configurations are immutable in production, so only a wipe makes them stale)
        and what its task queue holds for the old data (TaskQueue.forget: a task name used
        before the wipe would refuse the same name for a market created again with the same id,
        so the demo's market would never settle)."""
        from shared.store import assets, exchange

        assets.forget_cache()
        exchange.forget_cache()
        dropped = self.tasks.forget() if self.tasks else 0
        return _json(200, {"success": True, "errors": [], "data": {
            "forgot": ["assets", "books", "tasks"], "tasks_dropped": dropped}})

    def _test_card(self, request: Request) -> Response:
        from dev.pay import THREE_D_SECURE, PayError, attach_card, local_urls
        from shared.web.envelope import add_cors

        if request.method == "OPTIONS":
            return add_cors(request, Response(status=204), "POST")
        body = request.get_json(silent=True) or {}
        if body.get("card") not in THREE_D_SECURE or not isinstance(body.get("purchase_id"), str):
            failure = _failure("invalid_input", f"card is one of {sorted(THREE_D_SECURE)}, "
                                                "purchase_id a string")
            return add_cors(request, _json(400, failure), "POST")
        try:
            status = attach_card(body["purchase_id"], body["card"], *local_urls())
        except PayError as err:
            return add_cors(request, _json(409, _failure("not_payable", str(err))), "POST")
        answer = {"success": True, "data": {"payment_intent_status": status}, "errors": []}
        return add_cors(request, _json(200, answer), "POST")

    def _openapi(self) -> Response:
        for path in self.openapi_files:
            if path.is_file():
                return Response(path.read_bytes(), mimetype="application/json")
        return _json(404, _failure("not_found", "openapi.json has not been generated"))

    def _index(self) -> Response:
        return _json(200, {"success": True, "errors": [], "data": {
            "functions": [{"name": n, "kind": k} for n, k in self.kinds.items()],
            "tasks": self.tasks.stats() if self.tasks else None}})

    def _tasks_api(self, request: Request) -> Response:
        if request.path == "/_tasks" and request.method == "GET" and self.tasks:
            return _json(200, {"success": True, "errors": [], "data": self.tasks.stats()})
        if request.path != "/_tasks/enqueue" or request.method != "POST" or not self.tasks:
            return _json(404, _failure("not_found", "POST /_tasks/enqueue or GET /_tasks"))
        return self._enqueue(request.get_json(silent=True))

    def _enqueue(self, body: Any) -> Response:
        assert self.tasks is not None
        if not isinstance(body, dict) or not isinstance(body.get("payload", {}), dict):
            return _json(400, _failure("invalid_input", "a JSON object with a payload object"))
        function = body.get("function")
        if not isinstance(function, str) or self.kinds.get(function) not in REQUEST_KINDS:
            return _json(404, _failure("unknown_function", f"no task target named {function!r}"))
        try:
            task = self.tasks.enqueue(function, body.get("payload") or {}, body.get("task_name"),
                                      float(body.get("delay_s") or 0))
        except (TypeError, ValueError) as err:
            return _json(400, _failure("invalid_input", str(err)))
        if task is None:
            return _json(409, _failure("task_exists", "a task with this name was created "
                                                      "within the last hour"))
        return _json(200, {"success": True, "errors": [],
                           "data": {"task_name": task.name, "eta": task.eta}})


def _request_id(environ: dict, kind: str) -> str:
    """The id a request's Firestore work is billed to; an HTTP call without an X-Request-Id
    gets one here, and its function logs that same id."""
    if kind == "task" and environ.get("HTTP_X_CLOUDTASKS_TASKNAME"):
        return environ["HTTP_X_CLOUDTASKS_TASKNAME"]
    if kind == "event" and environ.get("HTTP_CE_ID"):
        return environ["HTTP_CE_ID"]
    return environ.setdefault("HTTP_X_REQUEST_ID", uuid.uuid4().hex)


def _failure(code: str, message: str) -> dict:
    return {"success": False, "data": None, "errors": [{"code": code, "field": None,
                                                        "message": message}]}


def deliver_over_http(base_url: str) -> Callable[[Task], Delivery]:
    def deliver(task: Task) -> Delivery:
        try:
            response = requests.post(f"{base_url}/{task.function}", json=task.payload,
                                     headers=task.headers(), timeout=DISPATCH_TIMEOUT_S)
        except requests.RequestException as err:
            log.warning("task %s to %s got no answer: %s", task.name, task.function, err)
            return Delivery(None)
        retry_after = response.headers.get("Retry-After", "")
        return Delivery(response.status_code,
                        float(retry_after) if retry_after.isdigit() else None)

    return deliver


def fire_over_http(base_url: str) -> Callable[[str, datetime], None]:
    def fire(name: str, due: datetime) -> None:
        headers = {"X-CloudScheduler": "true", "X-CloudScheduler-JobName": name,
                   "X-CloudScheduler-ScheduleTime": due.isoformat().replace("+00:00", "Z"),
                   "User-Agent": "Google-Cloud-Scheduler"}
        response = requests.post(f"{base_url}/{name}", json={}, headers=headers,
                                 timeout=DISPATCH_TIMEOUT_S)
        log.info("scheduled %s -> %s", name, response.status_code)
        response.raise_for_status()

    return fire


def _configure_logging() -> None:
    """Plain lines on stderr for the server's own loggers, kept off the root logger so they do
    not mix with the functions' JSON logs (shared/web/logs.py installs those on the root)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    for name in ("mintbook.dev", "werkzeug"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m dev.server",
                                     description="Every Mintbook function on one local port.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--schedule", action="store_true", help="fire jobs on their cron")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    _configure_logging()
    install()  # dev and test hooks (dev/instrument.py), before any product code runs
    functions = load_manifest().FUNCTIONS
    router = Router(build_apps(functions), {f.name: f.kind for f in functions})
    server = make_server(args.host, args.port, router, threaded=True)
    base_url = f"http://127.0.0.1:{server.port}"
    router.tasks = TaskQueue(deliver_over_http(base_url))
    router.tasks.start()
    schedule = ScheduleLoop({f.name: f.schedule for f in functions if f.kind == "job"},
                            fire_over_http(base_url)) if args.schedule else None
    if schedule:
        schedule.start()
    # SIGTERM ends the process the way Ctrl-C does, so the finally below always runs.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    print(f"{READY} on http://{args.host}:{server.port} ({len(functions)} functions)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        router.tasks.stop()
        if schedule:
            schedule.stop()
    return 0


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
