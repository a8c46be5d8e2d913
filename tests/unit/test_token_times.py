"""ID-token times are checked as google-auth checks them in production, to the second, with
firebase-admin's default clock skew (none), and dev tokens refresh themselves."""
from __future__ import annotations

import base64
import json

import pytest

from dev.tokens import LIFETIME_S, IdTokens, unsigned_id_token
from shared.domain.errors import Unauthenticated
from shared.integrations.firebase_auth import CLOCK_SKEW_S, check_times

NOW = 1_700_000_000


def claims(**changes: object) -> dict:
    return {"iat": NOW - 60, "auth_time": NOW - 60, "exp": NOW - 60 + LIFETIME_S, **changes}


def code_of(token_claims: dict, now: int = NOW) -> str | None:
    try:
        check_times(token_claims, now)
    except Unauthenticated as err:
        return err.code
    return None


def test_production_allows_no_clock_skew_by_default():
    import inspect

    from firebase_admin import auth

    default = inspect.signature(auth.verify_id_token).parameters["clock_skew_seconds"].default
    assert CLOCK_SKEW_S == default == 0


def test_a_current_token_passes():
    assert code_of(claims()) is None


def test_a_token_is_good_through_its_exp_second_and_expired_one_second_later():
    assert code_of(claims(exp=NOW)) is None
    assert code_of(claims(exp=NOW - 1)) == "token_expired"


def test_a_token_issued_now_passes_and_one_issued_a_second_later_is_invalid():
    assert code_of(claims(iat=NOW, auth_time=NOW)) is None
    assert code_of(claims(iat=NOW + 1)) == "invalid_token"
    assert code_of(claims(auth_time=NOW + 1)) == "invalid_token"


def test_issued_in_the_future_wins_over_expired_as_in_production():
    assert code_of(claims(iat=NOW + 10, exp=NOW - 10)) == "invalid_token"


@pytest.mark.parametrize("name", ["iat", "exp", "auth_time"])
@pytest.mark.parametrize("value", [None, "1700000000", True, float("nan"), float("inf")])
def test_a_missing_or_non_numeric_time_is_invalid(name, value):
    token_claims = claims(**{name: value})
    if value is None:
        del token_claims[name]
    assert code_of(token_claims) == "invalid_token"


def test_a_skew_widens_both_ends_by_that_many_seconds():
    check_times(claims(iat=NOW + 5, exp=NOW - 5), NOW, skew_s=5)
    with pytest.raises(Unauthenticated):
        check_times(claims(exp=NOW - 6), NOW, skew_s=5)


def payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_a_dev_token_lives_an_hour_from_when_it_is_made():
    made = payload(unsigned_id_token("ann", "demo-mintbook"))
    assert made["exp"] - made["iat"] == LIFETIME_S == 3600
    assert made["auth_time"] == made["iat"]


def test_kept_dev_tokens_are_made_again_once_they_are_old():
    clock = [1000.0]
    tokens = IdTokens("demo-mintbook", refresh_s=300, clock=lambda: clock[0])
    first = tokens("ann")
    assert tokens("ann") is first
    clock[0] += 299
    assert tokens("ann") is first
    clock[0] += 1
    fresh = tokens("ann")
    assert fresh is not first and payload(fresh)["sub"] == "ann"
    assert payload(tokens("bob"))["sub"] == "bob"
