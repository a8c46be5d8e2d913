"""Emulator suites start from an empty database with the platform asset bootstrapped."""
from __future__ import annotations

import pytest

from tests.support.sui_sdk import sui_sdk  # noqa: F401  (the Sui wallet tests)


@pytest.fixture
def ledger(clean_db) -> None:
    from shared.services.bootstrap import ensure_platform

    ensure_platform()


@pytest.fixture
def admin_uid() -> str:
    return "demo-admin"  # made superadmin on first sign-in (MINTBOOK_BOOTSTRAP_ADMINS)
