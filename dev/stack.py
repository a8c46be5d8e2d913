"""`python -m dev.stack`, what `make dev` runs: the Firestore emulator, the Auth emulator,
localstripe, the dev server and demo data; `python -m dev.stack --reset` (`make dev-reset`) first
deletes the kept data.

Guarantees:
- Ports: $MINTBOOK_PORT (default 8080) for the dev server, $MINTBOOK_EMULATOR_PORT (default
  8085) for the emulator, $MINTBOOK_AUTH_PORT (default 9099) for the Auth emulator,
  $MINTBOOK_STRIPE_PORT (default 8420) for localstripe; a taken port is replaced by a free one,
  and the banner says which. Everything listens on 127.0.0.1 only.
- The Auth emulator (dev/auth_emulator.py) is started first and waited for last (it takes
  seconds); the dev server and this process use it (FIREBASE_AUTH_EMULATOR_HOST). The demo users
  get accounts there (`demo-alice@mintbook.test`, password DEMO_PASSWORD) before the demo data
  is loaded, so their role and status are mirrored into custom claims as for anyone who signs
  up; dev tokens keep working for them. Without firebase-tools installed (make dev installs it)
  the stack runs without it and says so: dev tokens only (MINTBOOK_NO_AUTH_SERVER=1).
- Every event function of the manifest is registered as an emulator trigger before any demo data
  is written, so the demo's writes fire them as production writes would.
- The emulators, localstripe and the dev server each run in a process group of their own.
  Ctrl-C, SIGTERM or SIGHUP stops every group (java and node included) and exits 0. A second
  Ctrl-C does not interrupt the clean-up.
- The data is kept by default (dev/kept.py: $MINTBOOK_DATA_DIR, default .dev-data/): the
  emulator starts from the export the last clean stop saved (the demo data, idempotent, is
  loaded on it again: see dev/demo.py), and a clean stop exports again once the dev server has stopped and before the
  emulator does; the Auth emulator's accounts are kept the same way. $MINTBOOK_KEEP_DATA=0
  keeps nothing: an empty start, no export.
- If the dev server dies by itself it is restarted on the same port against the same emulator
  (the data stays), and the stack says so and what the dead process lost. After
  MAX_RESTARTS deaths within RESTART_WINDOW_S it gives up, stops everything and exits 1.
- The web app (web/, dev/web.py) is built when its sources changed since the last build and
  served by `next start` on $MINTBOOK_WEB_PORT (default 3000), configured with this stack's
  addresses; the dev server answers CORS for it. Without web/node_modules (make dev installs
  it) the stack runs without the app and says so.
- The last line it prints once everything is up is "mintbook dev stack ready"; before it come
  the URLs (with pids), the web app's among them, a curl command with a working demo token and
  the command that pays a purchase.
The helpers below (ports, server environment, start and wait) are also what tests/conftest.py
uses, so tests run the stack the way `make dev` does.
"""
from __future__ import annotations

import argparse
import importlib
import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import IO, Any, Iterable

import requests

from dev.auth_emulator import AuthEmulator
from dev.emulator import FirestoreEmulator, die_with_parent, free_port, port_is_free, stop_group
from dev.kept import KeptData
from dev.server import REPO_ROOT, load_manifest
from dev.tokens import unsigned_id_token
from dev.web import WEB_PORT, WebApp

PROJECT = "demo-mintbook"
RULES_FILE = REPO_ROOT / "firestore.rules"
LOG_DIR = REPO_ROOT / ".stack"
# firebase-admin's emulator mode for a process given no Auth emulator (the benches): nothing
# listens here, and MINTBOOK_NO_AUTH_SERVER=1 says so.
AUTH_EMULATOR_MARKER = "127.0.0.1:9099"
DEMO_UID = "demo-alice"
DEMO_TOKEN_LIFETIME_S = 24 * 3600
STACK_READY = "mintbook dev stack ready"
LOCAL_STRIPE_WEBHOOK_SECRET = "whsec_mintbook_local"
LOCAL_PUBLIC_CALLS_PER_MIN = "10000"
SERVER_PORT = ("MINTBOOK_PORT", 8080)
EMULATOR_PORT = ("MINTBOOK_EMULATOR_PORT", 8085)
STRIPE_PORT = ("MINTBOOK_STRIPE_PORT", 8420)
AUTH_PORT = ("MINTBOOK_AUTH_PORT", 9099)
DEMO_PASSWORD = "mintbook"  # every demo user's, in the Auth emulator
MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0


class Stop(BaseException):
    """A stop signal arrived (BaseException, so no `except Exception` swallows it)."""


def pick_port(variable: str, default: int) -> int:
    wanted = int(os.environ.get(variable) or default)
    if port_is_free(wanted):
        return wanted
    port = free_port()
    print(f"port {wanted} ({variable}) is taken; using {port}", flush=True)
    return port


def web_origins(web_port: int) -> str:
    """The origins the web app is served from locally (MINTBOOK_CORS_ORIGINS): the browser calls
    the functions from there; localhost:3000 (`next dev`'s default, the deployed default) too."""
    origins = dict.fromkeys(("http://localhost:3000", f"http://127.0.0.1:{web_port}",
                             f"http://localhost:{web_port}"))
    return ",".join(origins)


def server_env(emulator_host: str, server_port: int, project: str = PROJECT,
               auth_host: str | None = None, web_port: int = WEB_PORT[1]) -> dict[str, str]:
    """What the dev server (and anything acting as it, like a test process) needs set.
    `auth_host` is the Auth emulator's HOST:PORT; without one there is no Auth to ask.
    `web_port` is where the web app runs: the functions answer its CORS requests."""
    return {"GOOGLE_CLOUD_PROJECT": project, "FIRESTORE_EMULATOR_HOST": emulator_host,
            "MINTBOOK_CORS_ORIGINS": web_origins(web_port),
            "FIREBASE_AUTH_EMULATOR_HOST": auth_host or AUTH_EMULATOR_MARKER,
            "MINTBOOK_NO_AUTH_SERVER": "0" if auth_host else "1",
            "MINTBOOK_TASKS_URL": f"http://127.0.0.1:{server_port}",
            "MINTBOOK_BOOTSTRAP_ADMINS": "demo-admin",
            # Every local caller (the tests, schemathesis, the browser tests, benches, the web
            # app under `make dev`) is 127.0.0.1: one per-IP bucket for all of them, so the
            # local default is 10,000 public calls a minute (production: 100); set
            # MINTBOOK_PUBLIC_CALLS_PER_MIN to try another. The dev server stands where
            # Google's front end would: one trusted hop, which tests fill in to pose as clients.
            "MINTBOOK_PUBLIC_CALLS_PER_MIN": os.environ.get("MINTBOOK_PUBLIC_CALLS_PER_MIN",
                                                            LOCAL_PUBLIC_CALLS_PER_MIN),
            "MINTBOOK_TRUSTED_PROXY_HOPS": os.environ.get("MINTBOOK_TRUSTED_PROXY_HOPS", "1"),
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


def demo_email(uid: str) -> str:
    return f"{uid}@mintbook.test"


def create_demo_accounts(auth: AuthEmulator) -> None:
    """An email and password account for each demo user, with the demo uid (kept ones stay)."""
    from dev.demo import ADMIN, USERS

    for uid in (*USERS, ADMIN):
        auth.accounts.create_account(uid, demo_email(uid), DEMO_PASSWORD)


def curl_example(base_url: str) -> str:
    token = unsigned_id_token(DEMO_UID, PROJECT, exp=int(time.time()) + DEMO_TOKEN_LIFETIME_S)
    # The token is base64url and dots only, so plain double quotes are safe to paste.
    return f'curl -s -H "Authorization: Bearer {token}" {base_url}/get_balances'


def sign_in_command(auth_port: int) -> str:
    """A shell line that signs in as a demo user and keeps the ID token in $TOKEN."""
    prefix = "" if auth_port == AUTH_PORT[1] else f"{AUTH_PORT[0]}={auth_port} "
    return (f"TOKEN=$({prefix}.venv/bin/python -m dev.auth_emulator sign-in "
            f"{demo_email('demo-bob')} {DEMO_PASSWORD})")


def pay_command(emulator_port: int, stripe_port: int | None) -> str:
    """How to pay a purchase on this stack, with the port variables when not the defaults."""
    prefix = "" if emulator_port == EMULATOR_PORT[1] else f"{EMULATOR_PORT[0]}={emulator_port} "
    if stripe_port is not None and stripe_port != STRIPE_PORT[1]:
        prefix += f"{STRIPE_PORT[0]}={stripe_port} "
    return f"{prefix}.venv/bin/python -m dev.pay PURCHASE_ID [--card declined]"


def data_line(kept: KeptData | None, imported: Path | None) -> str:
    if kept is None:
        return "not kept (MINTBOOK_KEEP_DATA=0): this run starts empty and saves nothing"
    where = kept.display()
    if imported is None:
        return (f"kept in {where}: nothing kept yet, demo data loaded; saved when the stack "
                "stops; make dev-reset starts clean")
    return (f"kept in {where}: loaded what the last stop saved (demo data loaded again: it is "
            "idempotent); saved again when the stack stops; make dev-reset starts clean")


def auth_lines(auth: AuthEmulator | None) -> list[str]:
    if auth is None:
        return ["auth emulator:      none (firebase-tools not installed in dev/auth-emulator: "
                "make dev installs it); dev tokens only"]
    return [f"auth emulator:      {auth.url}  (pid {auth.pid}, log {auth.log_path})",
            f"sign in:            every demo user is demo-NAME@mintbook.test, password "
            f"{DEMO_PASSWORD}; anyone can sign up:",
            f"  {sign_in_command(auth.port)}"]


def web_line(web: WebApp | None) -> str:
    if web is None:
        return ("web app:            none (web/node_modules missing: make dev installs it)")
    return (f"web app:            {web.url}  (pid {web.pid}, log {web.log_path}): the wallet; "
            "sign in as a demo user")


DEMO_READS = ("list_markets", "get_depth?book=NOVA-CHIP", "list_trades?book=NOVA-CHIP",
              "list_prices", "get_leaderboard?period=all&category=all")


def banner(base_url: str, server: subprocess.Popen, emulator: FirestoreEmulator,
           triggers: list[str], data: str, pay: str, auth: AuthEmulator | None = None,
           web: WebApp | None = None) -> str:
    auth_env = f"FIREBASE_AUTH_EMULATOR_HOST={auth.host_port} " if auth else ""
    return "\n".join([
        web_line(web),
        f"dev server:         {base_url}  (pid {server.pid})",
        f"firestore emulator: {emulator.url}  (pid {emulator.pid}, log {emulator.log_path})",
        *auth_lines(auth),
        f"openapi:            {base_url}/openapi.json",
        f"triggers:           {', '.join(triggers) or 'none'}",
        f"data:               {data}",
        f"use the emulators:  export FIRESTORE_EMULATOR_HOST={emulator.host_port} "
        f"{auth_env}GOOGLE_CLOUD_PROJECT={PROJECT}",
        f"pay a purchase:     {pay}",
        f"try (as {DEMO_UID}, token valid {DEMO_TOKEN_LIFETIME_S // 3600} h):",
        f"  {curl_example(base_url)}",
        "the demo world (anyone may read these):",
        *(f"  curl -s '{base_url}/{path}'" for path in DEMO_READS),
        f"{STACK_READY} (Ctrl-C stops everything)",
    ])


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def recovery_note() -> str:
    """What a restarted dev server lost, and which jobs of the manifest recover it."""
    jobs = {f.name: f.schedule for f in load_manifest().FUNCTIONS if f.kind == "job"}
    sweeps = ", ".join(f"{name} ({jobs[name]})" for name in sorted(jobs) if "sweep" in name)
    note = ("  lost with the old process: its local task queue (tasks not yet delivered); "
            f"the sweeps redo what those tasks do: {sweeps or 'none in the manifest'}")
    if "job_stripe_sync" in jobs:
        note += ("\n  a Stripe webhook sent while it was down is not sent again: job_stripe_sync "
                 f"({jobs['job_stripe_sync']}) applies the payment")
    return note


class RestartableServer:
    """The dev server process on one port; `restart()` puts a new one in the same place."""

    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.port, self.env = port, env
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> subprocess.Popen:
        self.process = start_server(self.port, self.env, schedule=True)
        wait_for_server(self.process, self.url)
        return self.process

    def restart(self) -> subprocess.Popen:
        self.stop()  # whatever is left of the dead one's group
        return self.start()

    def wait(self) -> int:
        """Block until the process exits (a Stop signal interrupts); its exit code."""
        assert self.process is not None
        while self.process.poll() is None:
            time.sleep(0.5)
        return self.process.returncode

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)


def supervise(server: RestartableServer, emulator: FirestoreEmulator) -> int:
    """Restart the dev server each time it dies, until a signal (Stop) or too many deaths; the
    exit code for the latter."""
    deaths: list[float] = []
    while True:
        code = server.wait()
        now = time.monotonic()
        deaths = [t for t in deaths if now - t < RESTART_WINDOW_S] + [now]
        if len(deaths) > MAX_RESTARTS:
            print(f"dev server exited with {code}, {len(deaths)} times in "
                  f"{RESTART_WINDOW_S:.0f} s; stopping the stack", flush=True)
            return 1
        if not emulator.is_ready():
            print(f"dev server exited with {code} and the emulator does not answer; "
                  "stopping the stack", flush=True)
            return 1
        print(f"dev server exited with {code}; restarting it on port {server.port} against the "
              "same emulator (the data stays)", flush=True)
        try:
            process = server.restart()
        except RuntimeError as err:  # it died again while starting: counted on the next turn
            print(f"dev server restart failed: {err}", flush=True)
            continue
        print(f"dev server restarted: {server.url}  (pid {process.pid})\n{recovery_note()}",
              flush=True)


def _localstripe(kept: KeptData | None):
    """localstripe on $MINTBOOK_STRIPE_PORT (default 8420), if .venv-stripe exists (make dev
    builds it); without it purchases cannot reach a Stripe API and the stack says so."""
    from dev.localstripe import LocalStripe, available

    if not available():
        print("no localstripe (.venv-stripe missing): purchases will fail", flush=True)
        return None
    return LocalStripe(port=pick_port(*STRIPE_PORT), log_path=LOG_DIR / "localstripe.log",
                       data_file=kept.localstripe_file if kept else None)


def _web_app(port: int, server_url: str, emulator: FirestoreEmulator, auth: AuthEmulator | None,
             stripe: Any) -> WebApp | None:
    """The web app built (when its sources changed) and started, if web/node_modules is there."""
    from dev.web import WEB_DIR, build, runtime_env

    if not (WEB_DIR / "node_modules" / ".installed").exists():
        return None
    print("web app: next build (only when web/ changed since the last one) ...", flush=True)
    started = time.monotonic()
    build(LOG_DIR / "web-build.log")
    print(f"web app: built in {time.monotonic() - started:.1f} s", flush=True)
    env = runtime_env(server_url, emulator.host_port, auth.url if auth else None,
                      stripe.url if stripe else None)
    return WebApp(port, env, LOG_DIR / "web.log").start()


def keeps_data() -> bool:
    return os.environ.get("MINTBOOK_KEEP_DATA", "1").strip().lower() not in ("0", "no", "false")


def _auth_emulator(kept: KeptData | None) -> AuthEmulator | None:
    """The Auth emulator on $MINTBOOK_AUTH_PORT (default 9099), not yet started, if firebase-tools
    is installed in dev/auth-emulator (make dev installs it)."""
    from dev.auth_emulator import available

    if not available():
        return None
    return AuthEmulator(folder=LOG_DIR / "auth-emulator", port=pick_port(*AUTH_PORT),
                        project=PROJECT, import_from=kept.auth_export() if kept else None)


def _save(kept: KeptData, emulator: FirestoreEmulator, auth: AuthEmulator | None) -> None:
    print(f"saving the emulator's data to {kept.display()} ...", flush=True)
    started = time.monotonic()
    if auth is not None:
        try:
            kept.save_auth(auth)
        except Exception as err:
            print(f"the Auth emulator's accounts were not saved ({err}); {kept.display()} keeps "
                  "the ones the last clean stop saved", flush=True)
    try:
        kept.save(emulator)
    except Exception as err:
        print(f"the data was not saved ({err}); {kept.display()} keeps what the last clean "
              "stop saved", flush=True)
        return
    print(f"data saved to {kept.display()} in {time.monotonic() - started:.1f} s: the next "
          "make dev starts from it (make dev-reset starts clean)", flush=True)


def run(kept: KeptData | None) -> int:
    server_port = pick_port(*SERVER_PORT)
    web_port = pick_port(*WEB_PORT)
    imported = kept.firestore_export() if kept else None
    emulator = FirestoreEmulator(port=pick_port(*EMULATOR_PORT), functions_port=server_port,
                                 project=PROJECT, rules_path=RULES_FILE,
                                 log_path=LOG_DIR / "emulator.log", import_from=imported)
    auth = _auth_emulator(kept)
    env = server_env(emulator.host_port, server_port, auth_host=auth.host_port if auth else None,
                     web_port=web_port)
    os.environ.update(env)  # demo code in this process talks to the same emulators
    server = RestartableServer(server_port, env)
    stripe = _localstripe(kept)
    web: WebApp | None = None
    ready = False
    try:
        if kept is not None:
            kept.prepare()
        if auth is not None:
            auth.start()  # seconds of firebase-tools start-up, while the rest starts
        try:
            emulator.start()
        except RuntimeError:
            if imported is not None:
                print(f"the emulator did not start from the data kept in {kept.display()}; "
                      "make dev-reset deletes it and starts clean", flush=True)
            raise
        triggers = register_triggers(emulator, load_manifest().FUNCTIONS)
        if stripe is not None:
            stripe.start()
            stripe.send_webhooks_to(f"{server.url}/stripe_webhook", LOCAL_STRIPE_WEBHOOK_SECRET)
            env.update(stripe.env())
            print(f"localstripe:        {stripe.url}  (pid {stripe.process.pid})", flush=True)
        process = server.start()
        if auth is not None:
            auth.wait_ready()
            create_demo_accounts(auth)
        load_demo(server.url)  # idempotent: on kept data it adds only this hour's closing market
        web = _web_app(web_port, server.url, emulator, auth, stripe)
        pay = pay_command(emulator.port, stripe.port if stripe else None)
        print(banner(server.url, process, emulator, triggers, data_line(kept, imported), pay,
                     auth, web), flush=True)
        ready = True
        return supervise(server, emulator)
    except Stop:
        return 0
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        if web is not None:
            web.stop()
        server.stop()
        if kept is not None and ready:
            _save(kept, emulator, auth)
        if stripe is not None:
            stripe.stop()
        if auth is not None:
            auth.stop()
        emulator.stop()
        print("mintbook dev stack stopped", flush=True)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m dev.stack",
                                     description="The local stack: what `make dev` runs.")
    parser.add_argument("--reset", action="store_true",
                        help="delete the kept data first (make dev-reset)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    kept = KeptData.from_environment() if keeps_data() else None
    if args.reset:
        where = KeptData.from_environment()
        where.clear()
        print(f"kept data deleted ({where.display()}): starting clean", flush=True)
    try:
        return run(kept)
    except Stop:  # arrived before run() reached its try
        return 0
    except Exception as err:
        traceback.print_exc()
        print(f"the dev stack failed: {err}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
