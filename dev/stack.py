"""`python -m dev.stack`, what `make dev` runs: the Firestore emulator, the dev server, demo data.

Guarantees:
- Ports: $MINTBOOK_PORT (default 8080) for the dev server, $MINTBOOK_EMULATOR_PORT (default
  8085) for the emulator; a taken port is replaced by a free one, and the banner says which.
- Every event function of the manifest is registered as an emulator trigger before any demo data
  is written, so the demo's writes fire them as production writes would.
- The emulator and the dev server each run in a process group of their own. Ctrl-C, SIGTERM or
  SIGHUP stops both groups (java included) and exits 0; if the dev server dies by itself, the
  stack stops the emulator and exits 1. A second Ctrl-C does not interrupt the clean-up.
- The last line it prints once everything is up is "mintbook dev stack ready"; before it come
  the URLs (with pids) and a curl command with a working demo token.
The helpers below (ports, server environment, start and wait) are also what tests/conftest.py
uses, so tests run the stack the way `make dev` does.
"""
from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import time
import traceback
from types import FrameType
from typing import IO, Any, Iterable

import requests

from dev.emulator import FirestoreEmulator, die_with_parent, free_port, port_is_free, stop_group
from dev.server import REPO_ROOT, load_manifest
from dev.tokens import unsigned_id_token

PROJECT = "demo-mintbook"
RULES_FILE = REPO_ROOT / "firestore.rules"
LOG_DIR = REPO_ROOT / ".stack"
AUTH_EMULATOR_MARKER = "127.0.0.1:9099"  # firebase-admin's emulator mode; nothing listens here
DEMO_UID = "demo-alice"
DEMO_TOKEN_LIFETIME_S = 24 * 3600
STACK_READY = "mintbook dev stack ready"
LOCAL_STRIPE_WEBHOOK_SECRET = "whsec_mintbook_local"


class Stop(BaseException):
    """A stop signal arrived (BaseException, so no `except Exception` swallows it)."""


def pick_port(variable: str, default: int) -> int:
    wanted = int(os.environ.get(variable) or default)
    if port_is_free(wanted):
        return wanted
    port = free_port()
    print(f"port {wanted} ({variable}) is taken; using {port}", flush=True)
    return port


def server_env(emulator_host: str, server_port: int, project: str = PROJECT) -> dict[str, str]:
    """What the dev server (and anything acting as it, like a test process) needs set."""
    return {"GOOGLE_CLOUD_PROJECT": project, "FIRESTORE_EMULATOR_HOST": emulator_host,
            "FIREBASE_AUTH_EMULATOR_HOST": AUTH_EMULATOR_MARKER,
            "MINTBOOK_TASKS_URL": f"http://127.0.0.1:{server_port}",
            "MINTBOOK_BOOTSTRAP_ADMINS": "demo-admin",
            # Local Stripe (localstripe): a test key and the webhook secret it signs with.
            "STRIPE_SECRET_KEY": "sk_test_local",
            "MINTBOOK_STRIPE_WEBHOOK_SECRET": LOCAL_STRIPE_WEBHOOK_SECRET}


def start_server(port: int, env: dict[str, str], *, schedule: bool = False,
                 output: IO[bytes] | None = None) -> subprocess.Popen:
    """`python -m dev.server` in a process group of its own; output to `output` or inherited."""
    command = [sys.executable, "-m", "dev.server", "--port", str(port)]
    if schedule:
        command.append("--schedule")
    return subprocess.Popen(command, cwd=REPO_ROOT, env={**os.environ, **env,
                                                         "PYTHONUNBUFFERED": "1"},
                            stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                            start_new_session=True, preexec_fn=die_with_parent)


def wait_for_server(process: subprocess.Popen, url: str, timeout_s: float = 60.0) -> None:
    """Return once GET / answers 200; raise if the server exits or the timeout passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dev server exited with {process.returncode} before it was ready")
        try:
            if requests.get(url + "/", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"dev server not ready at {url} after {timeout_s}s")


def register_triggers(emulator: FirestoreEmulator, functions: Iterable[Any]) -> list[str]:
    names = []
    for function in functions:
        if function.kind == "event":
            emulator.register_trigger(function.name, function.event_type, function.document)
            names.append(function.name)
    return names


def load_demo(base_url: str) -> None:
    try:
        demo = importlib.import_module("dev.demo")
    except ModuleNotFoundError as err:
        if err.name != "dev.demo":
            raise
        print("no demo data: dev/demo.py does not exist yet (it should define load(base_url))",
              flush=True)
        return
    try:
        demo.load(base_url)
    except Exception:  # a broken demo should not take the stack down with it
        traceback.print_exc()
        print("demo data failed to load; the stack keeps running", flush=True)


def curl_example(base_url: str) -> str:
    token = unsigned_id_token(DEMO_UID, PROJECT, exp=int(time.time()) + DEMO_TOKEN_LIFETIME_S)
    # The token is base64url and dots only, so plain double quotes are safe to paste.
    return f'curl -s -H "Authorization: Bearer {token}" {base_url}/get_balances'


def banner(base_url: str, server: subprocess.Popen, emulator: FirestoreEmulator,
           triggers: list[str]) -> str:
    return "\n".join([
        f"dev server:         {base_url}  (pid {server.pid})",
        f"firestore emulator: {emulator.url}  (pid {emulator.pid}, log {emulator.log_path})",
        f"openapi:            {base_url}/openapi.json",
        f"triggers:           {', '.join(triggers) or 'none'}",
        f"use the emulator:   export FIRESTORE_EMULATOR_HOST={emulator.host_port} "
        f"GOOGLE_CLOUD_PROJECT={PROJECT}",
        f"try (as {DEMO_UID}, token valid {DEMO_TOKEN_LIFETIME_S // 3600} h):",
        f"  {curl_example(base_url)}",
        f"{STACK_READY} (Ctrl-C stops everything)",
    ])


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def _watch(server: subprocess.Popen) -> int:
    """Block until a signal (Stop) or until the dev server dies; the exit code for the latter."""
    while server.poll() is None:
        time.sleep(0.5)
    print(f"dev server exited with {server.returncode}; stopping the stack", flush=True)
    return 1


def _localstripe(server_port: int):
    """localstripe on $MINTBOOK_STRIPE_PORT (default 8420), if .venv-stripe exists (make dev
    builds it); without it purchases cannot reach a Stripe API and the stack says so."""
    from dev.localstripe import LocalStripe, available

    if not available():
        print("no localstripe (.venv-stripe missing): purchases will fail", flush=True)
        return None
    return LocalStripe(port=pick_port("MINTBOOK_STRIPE_PORT", 8420),
                       log_path=LOG_DIR / "localstripe.log")


def run() -> int:
    server_port = pick_port("MINTBOOK_PORT", 8080)
    emulator = FirestoreEmulator(port=pick_port("MINTBOOK_EMULATOR_PORT", 8085),
                                 functions_port=server_port, project=PROJECT,
                                 rules_path=RULES_FILE, log_path=LOG_DIR / "emulator.log")
    env = server_env(emulator.host_port, server_port)
    os.environ.update(env)  # demo code in this process talks to the same emulator
    base_url = f"http://127.0.0.1:{server_port}"
    server: subprocess.Popen | None = None
    stripe = _localstripe(server_port)
    try:
        emulator.start()
        triggers = register_triggers(emulator, load_manifest().FUNCTIONS)
        if stripe is not None:
            stripe.start()
            stripe.send_webhooks_to(f"{base_url}/stripe_webhook", LOCAL_STRIPE_WEBHOOK_SECRET)
            env.update(stripe.env())
            print(f"localstripe:        {stripe.url}  (pid {stripe.process.pid})", flush=True)
        server = start_server(server_port, env, schedule=True)
        wait_for_server(server, base_url)
        load_demo(base_url)
        print(banner(base_url, server, emulator, triggers), flush=True)
        return _watch(server)
    except Stop:
        return 0
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        if server is not None:
            stop_group(server)
        if stripe is not None:
            stripe.stop()
        emulator.stop()
        print("mintbook dev stack stopped", flush=True)


def main() -> int:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    try:
        return run()
    except Stop:  # arrived before run() reached its try
        return 0
    except Exception as err:
        traceback.print_exc()
        print(f"the dev stack failed: {err}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
