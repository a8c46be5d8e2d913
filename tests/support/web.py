"""The web app in a real browser, for tests/e2e/test_web_*.py: `next build` (the local build, once
per source change: dev/web.py) and `next start` against the session's stack, driven by
Playwright (PyPI) in Debian's chromium.

Fixtures (tests/e2e/conftest.py offers them to every module, once per session):
- `web_app` (session): the app served on the session's web port (the dev server's CORS names
  it), configured with the session's dev server, emulators and localstripe.
- `browser` (session): chromium at /usr/bin/chromium (`make test` installs it with apt when it
  is missing; Playwright's own browser download is never used).
- `demo_data`: the database emptied, then `make dev`'s demo data loaded through the API (users,
  assets, transfers, packages) and the demo users' email and password accounts.
- `page`: a fresh browser context and page; its final state is saved as
  .screenshots/web/<test name>.png (git-ignored), pass or fail.
A missing chromium fails the test and says how to install it: it is never a skip.
"""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Iterator

import pytest

from dev.web import WEB_DIR, WebApp, build, runtime_env
from tests.support.npm import REPO_ROOT, installed
from tests.support.stack import web_port

SCREENSHOTS = REPO_ROOT / ".screenshots" / "web"
CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 60_000  # a loaded 2-core machine: listeners, webhooks and tasks in between


def chromium() -> str:
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        pytest.fail("Debian's chromium is needed for the browser tests: `make test` installs it "
                    "(apt-get install chromium); never `playwright install`", pytrace=False)
    return path


@pytest.fixture(scope="session")
def web_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    installed(WEB_DIR)
    started = time.monotonic()
    folder = build(tmp_path_factory.mktemp("web") / "next-build.log")
    print(f"\nweb app: next build (or the kept one) took {time.monotonic() - started:.1f} s")
    return folder


@pytest.fixture(scope="session")
def web_app(web_build: Path, stack, emulator, auth_emulator, localstripe,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    if localstripe is None:
        pytest.fail("localstripe is not installed: run `make test` (it builds .venv-stripe)")
    env = runtime_env(stack.url, emulator.host_port, auth_emulator.url, localstripe.url)
    app = WebApp(web_port(), env, tmp_path_factory.mktemp("web") / "next-start.log")
    try:
        yield app.start()
    finally:
        app.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium(),
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def demo_data(clean_db, stack, auth_emulator) -> None:
    from dev.demo import load
    from dev.stack import create_demo_accounts

    create_demo_accounts(auth_emulator)
    load(stack.url)


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        try:
            tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        finally:
            context.close()


def units(text: str, decimals: int) -> int:
    """What the app shows ("1,234.50") as an integer amount with `decimals`."""
    whole, _, fraction = text.strip().replace(",", "").partition(".")
    assert len(fraction) == decimals, f"{text!r} is not shown with {decimals} decimals"
    return int(whole + fraction)


def sign_in_as(page, web_url: str, uid: str) -> None:
    """The local build's "sign in as" button for a demo user (or the any-uid form)."""
    page.goto(web_url + "/")
    buttons = page.get_by_test_id("mintbook-dev-sign-in")
    if buttons.get_by_role("button", name=uid, exact=True).count():
        buttons.get_by_role("button", name=uid, exact=True).click()
    else:
        page.get_by_label("any uid").fill(uid)
        page.get_by_role("button", name="Sign in as this uid").click()
    page.get_by_test_id("signed-in-as").wait_for()
