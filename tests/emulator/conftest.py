"""Emulator suites start from an empty database with the platform asset bootstrapped."""
from __future__ import annotations

import pytest


@pytest.fixture
def ledger(clean_db) -> None:
    from shared.services.bootstrap import ensure_platform

    ensure_platform()


@pytest.fixture
def admin_uid() -> str:
    return "demo-admin"  # made superadmin on first sign-in (MINTBOOK_BOOTSTRAP_ADMINS)


@pytest.fixture(scope="session")
def sui_sdk(tmp_path_factory: pytest.TempPathFactory):
    """The official Sui SDK, signing as a wallet does (tests/support/sui_sdk.py)."""
    from tests.support.sui_sdk import SuiSdk

    sdk = SuiSdk(tmp_path_factory.mktemp("sui-sdk"))
    yield sdk
    sdk.close()
