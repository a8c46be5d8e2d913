"""One list of functions: functions/manifest.py, functions/main.py and the dev server agree.

- main resolves every manifest name to a callable and nothing else;
- every entry point the function modules define (an @endpoint handler, a @job handler, a public
  CloudEvent function in functions/events) is in the manifest, under its own name and kind;
- the dev server, started for real (it builds every function before it listens; no emulator is
  needed for that), mounts exactly the http, job and task functions and routes triggers to
  exactly the event functions; the stack registers exactly the event functions as triggers.
"""
from __future__ import annotations

import inspect
import pkgutil
from importlib import import_module
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from dev.emulator import free_port, stop_group
from dev.server import FUNCTIONS_DIR, load_manifest
from dev.stack import register_triggers, server_env, start_server, wait_for_server

MANIFEST = load_manifest()
FUNCTIONS = MANIFEST.FUNCTIONS
REQUEST_KINDS = {"http", "job", "task"}


def test_main_resolves_every_manifest_name_and_only_those() -> None:
    import main

    for f in FUNCTIONS:
        module, attribute = f.target.split(":")
        assert getattr(main, f.name) is getattr(import_module(module), attribute), f.name
    assert dir(main) == sorted(f.name for f in FUNCTIONS)
    with pytest.raises(AttributeError):
        getattr(main, "not_a_function")


def test_manifest_names_are_unique() -> None:
    names = [f.name for f in FUNCTIONS]
    assert len(names) == len(set(names)) == len(MANIFEST.BY_NAME)


def defined_entry_points() -> dict[str, tuple[str, str]]:
    """name -> (kind family, "module:attribute") for every entry point functions/ defines."""
    found: dict[str, tuple[str, str]] = {}
    for package in ("api", "jobs", "events"):
        for info in pkgutil.iter_modules([str(FUNCTIONS_DIR / package)]):
            module = import_module(f"{package}.{info.name}")
            for attribute, value in vars(module).items():
                kind = _entry_kind(package, module.__name__, value)
                if kind and not attribute.startswith("_"):
                    found[getattr(value, "__name__", attribute)] = (kind, f"{module.__name__}:"
                                                                          f"{attribute}")
    return found


def _entry_kind(package: str, module: str, value: Any) -> str | None:
    if not inspect.isfunction(value):
        return None
    if hasattr(value, "spec"):
        return "http"
    if value.__qualname__.startswith("job.") and value.__module__ == "shared.web.job":
        return "job"  # job or task: both are @job handlers
    if package == "events" and value.__module__ == module:
        return "event"
    return None


def test_every_entry_point_the_modules_define_is_in_the_manifest() -> None:
    defined = defined_entry_points()
    listed = {f.name: ("job" if f.kind == "task" else f.kind, f.target) for f in FUNCTIONS}
    assert {n: d for n, d in defined.items() if n not in listed} == {}, "missing from manifest"
    assert {n: (d, listed[n]) for n, d in defined.items() if listed[n] != d} == {}
    assert set(listed) == set(defined), "listed, but no module defines it"


class RecordingEmulator:
    def __init__(self) -> None:
        self.registered: list[tuple[str, str, str]] = []

    def register_trigger(self, name: str, event_type: str, document: str) -> None:
        self.registered.append((name, event_type, document))


def test_the_stack_registers_exactly_the_event_functions_as_triggers() -> None:
    emulator = RecordingEmulator()
    names = register_triggers(emulator, FUNCTIONS)  # type: ignore[arg-type]
    events = [f for f in FUNCTIONS if f.kind == "event"]
    assert names == [f.name for f in events]
    assert emulator.registered == [(f.name, f.event_type, f.document) for f in events]


@pytest.fixture(scope="module")
def dev_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("dev-server") / "server.log"
    # Building the apps touches no database; an address nothing listens on keeps it that way.
    env = server_env("127.0.0.1:9", port)
    with open(log_path, "wb") as log:
        process = start_server(port, env, output=log)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_server(process, url, timeout_s=180)
        except RuntimeError as err:  # say why: the server's own last words
            raise RuntimeError(f"{err}; its log ends:\n{log_path.read_text(errors='replace')[-4000:]}")
        yield url, log_path
    finally:
        stop_group(process)


def test_the_dev_server_mounts_exactly_the_manifest(dev_server: tuple[str, Path]) -> None:
    url, log_path = dev_server
    index = requests.get(url + "/", timeout=30).json()["data"]["functions"]
    assert {(f["name"], f["kind"]) for f in index} == {(f.name, f.kind) for f in FUNCTIONS}
    assert "failed to load" not in log_path.read_text(errors="replace")


def test_the_dev_server_routes_urls_and_triggers_by_kind(dev_server: tuple[str, Path]) -> None:
    url, _ = dev_server
    for f in FUNCTIONS:
        # /robots.txt under a function: functions-framework's app answers it with its own 404
        # and never calls the function, so no job runs and no database is needed.
        by_url = requests.get(f"{url}/{f.name}/robots.txt", timeout=60)
        by_trigger = requests.post(f"{url}/functions/projects/demo/triggers/{f.name}",
                                   data=b"{}", timeout=60)
        if f.kind in REQUEST_KINDS:  # reaches the function's app, never as an event
            assert _not_routed(by_url) is False, f.name
            assert _not_routed(by_trigger) is True, f.name
        else:
            assert _not_routed(by_url) is True, f.name
            assert _not_routed(by_trigger) is False, f.name


def _not_routed(response: requests.Response) -> bool:
    """The router's own 404 ("no function at ..."), as opposed to an answer from a function."""
    if response.status_code != 404:
        return False
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return False
    return any(str(e.get("message", "")).startswith("no function at") for e in errors)



def test_ready_answers_503_while_firestore_does_not_and_health_still_200(
        dev_server: tuple[str, Path]) -> None:
    # this dev server's Firestore is an address nothing listens on
    url, _ = dev_server
    ready = requests.get(f"{url}/ready", timeout=60)
    assert ready.status_code == 503, ready.text
    assert ready.json()["errors"][0]["code"] == "not_ready"
    assert ready.headers.get("Retry-After") == "5"
    assert requests.get(f"{url}/health", timeout=60).status_code == 200
