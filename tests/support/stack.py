"""The local stack for a test session, started the way `make dev` starts it (dev/stack.py).

Guarantees:
- Free ports only (never 8080/8085/3000), so tests run beside a developer's `make dev`; the web
  app's port is chosen once per session (`web_port`) and the dev server answers CORS for it.
- The emulator and the dev server each run in their own process group; `stop()` ends both
  groups even when the session failed half-way, and it is safe to call twice.
- The Auth emulator (dev/auth_emulator.py) of the session, when given, is what the dev server
  and the test process ask (FIREBASE_AUTH_EMULATOR_HOST); the dev server is started while it is
  still starting, and `DevServer.start()` returns once both answer. Without one (servers some
  tests start beside the session's), there is no Auth to ask: dev tokens only.
- The dev server's stdout and stderr go to a log file; `log_tail()` reads its end for reports.
- Triggers can be switched off and on (`use_triggers`): tests that do not use the dev server
  share its emulator, and must not see event functions rewrite the documents they seed.
"""
from __future__ import annotations

import functools
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dev.auth_emulator import AuthEmulator
from dev.emulator import FirestoreEmulator, free_port, log_tail, stop_group
from dev.server import load_manifest
from tests.support.api import Api
from dev.stack import (PROJECT, RULES_FILE, register_triggers, server_env, start_server,
                       wait_for_server)


def new_emulator(log_dir: Path) -> FirestoreEmulator:
    """An emulator (not yet started) whose triggers go to a dev server on a free port."""
    return FirestoreEmulator(port=free_port(), functions_port=free_port(), project=PROJECT,
                             rules_path=RULES_FILE, log_path=log_dir / "emulator.log")


def new_auth_emulator(folder: Path) -> AuthEmulator:
    """An Auth emulator (not yet started) on a free port, working in `folder`."""
    return AuthEmulator(folder=folder, project=PROJECT)


@functools.cache
def web_port() -> int:
    """Where this session's web app listens (tests/support/web.py): chosen once, before the dev
    server starts, because the dev server answers CORS for that origin only."""
    return free_port()


def env_for(emulator: FirestoreEmulator, auth: AuthEmulator | None = None) -> dict[str, str]:
    """The environment of the dev server, which the test process takes on as well."""
    assert emulator.functions_port is not None
    return server_env(emulator.host_port, emulator.functions_port, emulator.project,
                      auth_host=auth.host_port if auth else None, web_port=web_port())


@dataclass
class DevServer:
    emulator: FirestoreEmulator
    log_path: Path
    auth: AuthEmulator | None = None
    process: subprocess.Popen | None = None
    triggers: list[str] = field(default_factory=list)
    triggers_on: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.emulator.functions_port}"

    def start(self) -> DevServer:
        with open(self.log_path, "wb") as log:
            self.process = start_server(self.emulator.functions_port or 0,
                                        env_for(self.emulator, self.auth), output=log)
        try:
            wait_for_server(self.process, self.url)
            if self.auth is not None:
                self.auth.wait_ready()
            self.triggers = register_triggers(self.emulator, load_manifest().FUNCTIONS)
            self.triggers_on = True
        except BaseException as err:
            self.stop()
            raise RuntimeError(f"{err}\n--- dev server log (tail) ---\n{self.log_tail()}") from err
        return self

    def use_triggers(self, on: bool) -> None:
        if on == self.triggers_on:
            return
        events = [f for f in load_manifest().FUNCTIONS if f.kind == "event"]
        if on:
            register_triggers(self.emulator, events)
        else:
            for function in events:
                self.emulator.disable_trigger(function.name, function.event_type)
        self.triggers_on = on

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 60) -> str:
        return log_tail(self.log_path, lines)

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)


def wipe(emulator: FirestoreEmulator, server: DevServer | None) -> None:
    """Delete every document, and what this process and the dev server cached of them (asset and
    book configurations never change in production, so only a wipe makes those caches stale),
    and the dev server's queued tasks and used task names (they were for the deleted data)."""
    import requests

    from shared.store import assets, exchange

    emulator.reset()
    assets.forget_cache()
    exchange.forget_cache()
    if server is not None and server.process is not None:
        requests.post(f"{server.url}/_caches/forget", timeout=10).raise_for_status()


@contextmanager
def extra_server(emulator: FirestoreEmulator, log_path: Path,
                 env: dict[str, str] | None = None) -> Iterator[Api]:
    """A dev server of its own beside the session's (on the same emulator unless `env` says
    otherwise), as an Api; stopped, with its process group, when the block ends."""
    port = free_port()
    with open(log_path, "wb") as log:
        process = start_server(port, env or env_for(emulator), output=log)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_server(process, url)
        client = Api(url, emulator.project)
        try:
            yield client
        finally:
            client.close()
    finally:
        stop_group(process)
