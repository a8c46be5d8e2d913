"""The browser tests' fixtures (tests/support/web.py), shared by every tests/e2e/test_web_*.py
module: one Playwright and one chromium per session (Playwright's sync API allows one at a time),
one web build, one `next start`. None of them starts anything unless a test asks for it."""
from tests.support.sui_sdk import sui_sdk  # noqa: F401  (a Sui browser wallet)
from tests.support.web import browser, demo_data, page, web_app, web_build  # noqa: F401
