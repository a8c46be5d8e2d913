"""ID tokens through the dev server, checked as production checks them.

firebase-admin skips an emulator token's signature and times; Mintbook checks the times itself
(shared/integrations/firebase_auth.py) with production's clock skew (none), so these answers are
production's: expired by a second is `token_expired`; issued or signed in in the future, lacking
a time, or for another project (audience or issuer) is `invalid_token`; nothing moves.
"""
from __future__ import annotations

import time

import pytest

from dev.tokens import unsigned_id_token

from .helpers import balance, error, key, ok

pytestmark = pytest.mark.usefixtures("ledger")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def token(api, uid: str = "ann", **claims: object) -> str:
    return unsigned_id_token(uid, api.project, **claims)


def test_a_token_expired_by_one_second_is_token_expired(api):
    now = int(time.time())
    expired = token(api, iat=now - 3601, auth_time=now - 3601, exp=now - 1)
    error(api.call("GET", "get_me", headers=bearer(expired)), 401, "token_expired")
    error(api.call("POST", "create_transfer", headers=bearer(expired), idempotency_key=key(),
                   json={"to": "ben", "asset": "CHIP", "amount": 5}), 401, "token_expired")


def test_an_expired_token_changes_nothing(api):
    ok(api.call("GET", "get_me", "ann"))
    api.call("GET", "get_me", "ben")
    now = int(time.time())
    expired = token(api, iat=now - 7200, auth_time=now - 7200, exp=now - 3600)
    error(api.call("POST", "create_transfer", headers=bearer(expired), idempotency_key=key(),
                   json={"to": "ben", "asset": "CHIP", "amount": 500}), 401, "token_expired")
    assert balance(api, "ann")["total"] == 10_000 and balance(api, "ben")["total"] == 10_000


def test_a_token_that_expires_in_two_seconds_is_accepted(api):
    now = int(time.time())
    assert ok(api.call("GET", "get_me", headers=bearer(token(api, exp=now + 2))))["uid"] == "ann"


@pytest.mark.parametrize("claims", [
    pytest.param({"iat": "future"}, id="issued_in_the_future"),
    pytest.param({"auth_time": "future"}, id="signed_in_in_the_future"),
    pytest.param({"auth_time": None}, id="no_auth_time"),
    pytest.param({"exp": None}, id="no_exp"),
    pytest.param({"exp": "tomorrow"}, id="exp_not_a_number"),
    pytest.param({"iat": True}, id="iat_a_boolean"),
])
def test_tokens_with_bad_times_are_invalid(api, claims):
    future = int(time.time()) + 120
    claims = {name: future if value == "future" else value for name, value in claims.items()}
    error(api.call("GET", "get_me", headers=bearer(token(api, **claims))), 401, "invalid_token")


@pytest.mark.parametrize("claims", [
    pytest.param({"aud": "someone-elses-project"}, id="wrong_audience"),
    pytest.param({"iss": "https://securetoken.google.com/someone-elses-project"},
                 id="wrong_issuer"),
    pytest.param({"aud": "someone-elses-project",
                  "iss": "https://securetoken.google.com/someone-elses-project"},
                 id="another_project"),
])
def test_tokens_of_another_project_are_invalid(api, claims):
    error(api.call("GET", "get_me", headers=bearer(token(api, **claims))), 401, "invalid_token")


def test_a_token_for_another_project_made_by_the_helper_is_invalid(api):
    foreign = unsigned_id_token("ann", "someone-elses-project")
    error(api.call("GET", "get_me", headers=bearer(foreign)), 401, "invalid_token")
