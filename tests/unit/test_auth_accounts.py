"""Which tokens get their account looked up, and when there is an Auth to ask at all.

Production looks up every token's account, whatever it claims; under emulated Auth a dev token
(dev/tokens.py) skips the lookup, a token from the Auth emulator gets it, and a process told there
is no Auth (MINTBOOK_NO_AUTH_SERVER=1, as the benches are) looks nothing up and mirrors no claims.
"""
from __future__ import annotations

import base64
import json
from typing import Iterator

import pytest

from dev.tokens import unsigned_id_token
from shared.config import settings
from shared.integrations.firebase_auth import DEV_TOKEN_CLAIM, checks_account

EMULATOR = "127.0.0.1:9099"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("FIREBASE_AUTH_EMULATOR_HOST", "MINTBOOK_NO_AUTH_SERVER"):
        monkeypatch.delenv(name, raising=False)
    settings.cache_clear()
    yield monkeypatch
    settings.cache_clear()


def configure(env: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        env.setenv(name, value)
    settings.cache_clear()


def claims(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_dev_tokens_say_they_are_dev_tokens():
    assert claims(unsigned_id_token("ann", "demo-mintbook"))[DEV_TOKEN_CLAIM] is True


def test_production_checks_every_tokens_account_and_always_has_an_auth(env):
    configure(env, MINTBOOK_NO_AUTH_SERVER="1")
    assert settings().auth_server and not settings().emulated_auth
    assert checks_account({DEV_TOKEN_CLAIM: True})
    assert checks_account({})


def test_under_the_auth_emulator_only_dev_tokens_skip_the_account_check(env):
    configure(env, FIREBASE_AUTH_EMULATOR_HOST=EMULATOR, MINTBOOK_NO_AUTH_SERVER="0")
    assert settings().auth_server
    assert not checks_account(claims(unsigned_id_token("ann", "demo-mintbook")))
    assert checks_account({"firebase": {"sign_in_provider": "password"}})
    assert checks_account({DEV_TOKEN_CLAIM: "true"})  # only the boolean dev/tokens.py writes


def test_without_an_auth_to_ask_no_account_is_checked(env):
    configure(env, FIREBASE_AUTH_EMULATOR_HOST=EMULATOR, MINTBOOK_NO_AUTH_SERVER="1")
    assert not settings().auth_server
    assert not checks_account({"firebase": {"sign_in_provider": "password"}})
