"""Fixtures every suite shares. Nothing here starts a process unless a test asks for it, so
tests/unit runs without java.

- `emulator` (session): the Firestore emulator on a free port, loaded with firestore.rules, and
  the Auth emulator (firebase-tools from dev/auth-emulator, installed with npm ci when its
  lockfile changed); the test process's environment points at both (FIRESTORE_EMULATOR_HOST,
  FIREBASE_AUTH_EMULATOR_HOST and the rest that the dev server gets), so services called
  in-process use them too. The Auth emulator takes seconds to start: it starts with the
  Firestore emulator, and the dev server and each test wait for it only when they need it.
- `auth_emulator` (session): that Auth emulator, ready (`auth_emulator.accounts` signs up, signs
  in, disables, ...).
- `stack` (session): the emulator plus the dev server subprocess with every trigger registered,
  started as `make dev` starts them; its output goes to dev-server.log in the session's tmp dir.
- `server_url`, `api`: the dev server's address and a client (`api.call(...)`); both fail fast,
  with the server's log, if the server has died.
- `clean_db`: empties the database before the test.
- `localstripe` (session), `stripe_api`: the local Stripe API, and a Stripe client on it.
- `firestore_rest`: documents over the emulator's REST API, as the owner or as a user.
Event triggers are on only for tests that use the stack: the rest share its emulator, and must
not see event functions rewrite the documents they seed (whichever order the tests run in).
A failed test that used the stack gets the tail of the dev server's log in its report.
Every Firestore query the session runs (in this process and in the dev server, which inherits
the environment) records its shape; the session fails at the end if firestore.indexes.json lacks
an index one of them needs (dev/query_shapes.py).
"""
from __future__ import annotations

import os

# Before anything imports gRPC: the suite starts servers with fork + exec (a preexec_fn runs
# Python in the child), and gRPC's fork handlers, with the parent's gRPC threads busy, have
# aborted such a child ("epoll_wait error: Bad file descriptor"); an exec'd child needs none.
# The benches do the same (bench/count.py).
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

from dev.auth_emulator import PACKAGE as AUTH_EMULATOR_PACKAGE
from dev.auth_emulator import AuthEmulator
from dev.emulator import FirestoreEmulator
from dev.localstripe import LocalStripe
from dev.localstripe import available as localstripe_available
from tests.support.api import Api
from tests.support.firestore_rest import FirestoreRest
from tests.support.npm import installed
from tests.support.stack import DevServer, env_for, new_auth_emulator, new_emulator, wipe

if TYPE_CHECKING:
    import stripe

DEV_SERVER = pytest.StashKey[DevServer]()
AUTH_EMULATOR = pytest.StashKey[AuthEmulator]()
RECORDED_QUERIES = pytest.StashKey[tuple[Path, bool]]()  # (folder, made by this session)
RECORD_QUERIES_ENV = "MINTBOOK_RECORD_QUERIES"  # read by dev/query_recorder.py


def pytest_configure(config: pytest.Config) -> None:
    made = not os.environ.get(RECORD_QUERIES_ENV)
    if made:
        os.environ[RECORD_QUERIES_ENV] = tempfile.mkdtemp(prefix="mintbook-queries-")
    config.stash[RECORDED_QUERIES] = (Path(os.environ[RECORD_QUERIES_ENV]), made)
    from dev.instrument import install

    install()  # the test process runs product code too: same hooks as the dev server


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from dev.query_shapes import report

    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker: the controlling process reports on every worker's shapes
    folder, made = session.config.stash.get(RECORDED_QUERIES, (None, False))
    if folder is None or not folder.is_dir():
        return
    missing = report(folder)
    if missing is None:
        if made:
            shutil.rmtree(folder, ignore_errors=True)
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_sep("=", "missing Firestore indexes", red=True)
        reporter.write_line(missing)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _forget_cached_settings() -> None:
    # settings() reads the environment once per process; a unit test that ran earlier would
    # have cached a configuration without the emulator.
    from shared.config import settings

    settings.cache_clear()


@pytest.fixture(scope="session")
def emulator(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[FirestoreEmulator]:
    instance = new_emulator(tmp_path_factory.mktemp("emulator"))
    installed(AUTH_EMULATOR_PACKAGE)
    auth = new_auth_emulator(tmp_path_factory.mktemp("auth-emulator"))
    with pytest.MonkeyPatch.context() as env:
        for name, value in env_for(instance, auth).items():
            env.setenv(name, value)
        _forget_cached_settings()
        try:
            auth.start()  # waited for by the dev server and the tests (_auth_emulator_ready)
            request.config.stash[AUTH_EMULATOR] = auth
            instance.start()
            yield instance
        finally:
            instance.stop()
            auth.stop()
    _forget_cached_settings()


@pytest.fixture(scope="session")
def auth_emulator(emulator: FirestoreEmulator, request: pytest.FixtureRequest) -> AuthEmulator:
    return request.config.stash[AUTH_EMULATOR].wait_ready()


@pytest.fixture(autouse=True)
def _auth_emulator_ready(request: pytest.FixtureRequest) -> None:
    # A test may reach Auth in-process or through the dev server; at once once it has answered.
    auth = request.config.stash.get(AUTH_EMULATOR, None)
    if auth is not None:
        auth.wait_ready()


@pytest.fixture(scope="session")
def localstripe(emulator: FirestoreEmulator,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe | None]:
    """localstripe (the local Stripe API) sending signed webhooks to the dev server's
    stripe_webhook; None when .venv-stripe is missing (`make test` builds it)."""
    if not localstripe_available():
        yield None
        return
    instance = LocalStripe(log_path=tmp_path_factory.mktemp("localstripe") / "localstripe.log")
    with pytest.MonkeyPatch.context() as env:
        for name, value in instance.env().items():
            env.setenv(name, value)  # the dev server started after this inherits it
        instance.start()
        try:
            instance.send_webhooks_to(f"http://127.0.0.1:{emulator.functions_port}/stripe_webhook",
                                      env_for(emulator)["MINTBOOK_STRIPE_WEBHOOK_SECRET"])
            yield instance
        finally:
            instance.stop()


@pytest.fixture
def stripe_api(localstripe: LocalStripe | None) -> stripe.StripeClient:
    """A Stripe client on localstripe, for playing the frontend and the Stripe dashboard."""
    import stripe

    if localstripe is None:
        pytest.fail("localstripe is not installed: run `make test` (it builds .venv-stripe)")
    return stripe.StripeClient("sk_test_local", base_addresses={"api": localstripe.url})


@pytest.fixture(scope="session")
def stack(emulator: FirestoreEmulator, localstripe: LocalStripe | None,
          request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    server = DevServer(emulator, tmp_path_factory.mktemp("dev-server") / "dev-server.log",
                       auth=request.config.stash[AUTH_EMULATOR])
    request.config.stash[DEV_SERVER] = server
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _triggers_only_with_the_stack(request: pytest.FixtureRequest) -> None:
    server = request.config.stash.get(DEV_SERVER, None)
    if server is not None and server.alive():
        server.use_triggers("stack" in request.fixturenames)


@pytest.fixture
def server_url(stack: DevServer) -> str:
    if not stack.alive():
        pytest.fail(f"the dev server has died; its log ends:\n{stack.log_tail()}", pytrace=False)
    return stack.url


@pytest.fixture
def api(server_url: str, emulator: FirestoreEmulator) -> Iterator[Api]:
    client = Api(server_url, emulator.project)
    yield client
    client.close()


@pytest.fixture
def clean_db(request: pytest.FixtureRequest, emulator: FirestoreEmulator) -> None:
    wipe(emulator, request.config.stash.get(DEV_SERVER, None))


@pytest.fixture
def firestore_rest(emulator: FirestoreEmulator) -> Iterator[FirestoreRest]:
    client = FirestoreRest(emulator.url, emulator.project)
    yield client
    client.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[Any]:
    outcome = yield
    report = outcome.get_result()
    server = item.config.stash.get(DEV_SERVER, None)
    if report.failed and server is not None and "stack" in getattr(item, "fixturenames", ()):
        state = "running" if server.alive() else "DEAD"
        report.sections.append((f"dev server log, last lines ({state}; {server.log_path})",
                                server.log_tail()))
