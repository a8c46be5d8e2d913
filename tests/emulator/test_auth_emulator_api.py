"""Real Firebase Auth locally: accounts of the Auth emulator (firebase-tools) calling Mintbook.

A user signs up and signs in with an email and a password over the emulator's REST API (the
identitytoolkit endpoints the Firebase SDKs call) and calls Mintbook with the ID token it gets.
Role and status are mirrored into the account's custom claims (sync_profile, run by the users
trigger), and a refreshed ID token carries them. Every call looks the token's account up, so a
disabled or deleted account's tokens, and a token issued before the account's sessions were
revoked, are refused at once, and nothing moves. Dev tokens, whose uids have no account, keep
working and get no claims.
"""
from __future__ import annotations

import base64
import json
import time
import uuid

import pytest

from dev.auth_emulator import AuthError
from shared.store.client import collection
from tests.support.waiting import eventually

from .helpers import balance, error, key, ok

pytestmark = pytest.mark.usefixtures("ledger")

PASSWORD = "correct horse battery"
WELCOME_BONUS = 10_000


def new_email() -> str:
    return f"{uuid.uuid4().hex[:12]}@example.com"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def claims_of(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def transfer(api, token: str, to: str, amount: int):
    return api.call("POST", "create_transfer", headers=bearer(token), idempotency_key=key(),
                    json={"to": to, "asset": "CHIP", "amount": amount})


def chips(api, token: str) -> int:
    rows = ok(api.call("GET", "get_balances", headers=bearer(token)))["items"]
    return next((r["total"] for r in rows if r["asset"] == "CHIP"), 0)


def test_a_user_signs_up_and_in_with_a_password_and_moves_tokens_with_the_id_token(
        api, auth_emulator):
    # given an account made by signing up with an email and a password
    accounts = auth_emulator.accounts
    email = new_email()
    signed_up = accounts.sign_up(email, PASSWORD)
    assert claims_of(signed_up.id_token)["firebase"]["sign_in_provider"] == "password"

    # when its ID token calls Mintbook, then Mintbook knows it by the account's uid
    me = ok(api.call("GET", "get_me", headers=bearer(signed_up.id_token)))
    assert (me["uid"], me["role"], me["status"]) == (signed_up.uid, "user", "active")

    # when the user signs in again with the password, then it is the same account, and its new
    # token moves tokens
    signed_in = accounts.sign_in(email, PASSWORD)
    assert signed_in.uid == signed_up.uid
    ok(api.call("GET", "get_me", "ben"))
    ok(transfer(api, signed_in.id_token, "ben", 250))
    assert chips(api, signed_in.id_token) <= WELCOME_BONUS - 250  # and the fee
    assert balance(api, "ben")["total"] == WELCOME_BONUS + 250

    # and a wrong password gets no token
    with pytest.raises(AuthError) as refused:
        accounts.sign_in(email, "wrong password")
    assert refused.value.reason.startswith(("INVALID_PASSWORD", "INVALID_LOGIN_CREDENTIALS"))


def test_role_and_status_are_mirrored_into_the_accounts_custom_claims(api, auth_emulator,
                                                                       admin_uid):
    # given a user who signed up and called Mintbook once
    accounts = auth_emulator.accounts
    signed_up = accounts.sign_up(new_email(), PASSWORD)
    uid = signed_up.uid
    ok(api.call("GET", "get_me", headers=bearer(signed_up.id_token)))

    # then the new user's role and status are the account's custom claims, and a refreshed ID
    # token carries them
    eventually(lambda: accounts.custom_claims(uid) == {"role": "user", "status": "active"},
               what="claims of the new user")
    refreshed = claims_of(accounts.refresh(signed_up.refresh_token).id_token)
    assert (refreshed["role"], refreshed["status"]) == ("user", "active")

    # when an admin makes them a moderator, and then suspends them
    ok(api.call("GET", "get_me", admin_uid))
    ok(api.call("POST", "admin_set_role", admin_uid, idempotency_key=key(),
                json={"uid": uid, "role": "moderator", "reason": "test: promote"}))
    eventually(lambda: accounts.custom_claims(uid).get("role") == "moderator",
               what="the role claim")
    ok(api.call("POST", "admin_set_status", admin_uid, idempotency_key=key(),
                json={"uid": uid, "status": "suspended", "reason": "test: suspend"}))

    # then the claims follow, and the next refreshed token says so
    eventually(lambda: accounts.custom_claims(uid) == {"role": "moderator",
                                                       "status": "suspended"},
               what="the status claim")
    refreshed = claims_of(accounts.refresh(signed_up.refresh_token).id_token)
    assert (refreshed["role"], refreshed["status"]) == ("moderator", "suspended")


def test_a_disabled_accounts_tokens_are_refused_at_once_and_nothing_moves(api, auth_emulator):
    # given a signed-up user who called Mintbook, and a recipient
    accounts = auth_emulator.accounts
    email = new_email()
    signed_up = accounts.sign_up(email, PASSWORD)
    token = signed_up.id_token
    ok(api.call("GET", "get_me", headers=bearer(token)))
    ok(api.call("GET", "get_me", "ben"))

    # when the account is disabled (as from the Firebase console)
    accounts.set_disabled(signed_up.uid)

    # then its still unexpired token is refused on every call, and nothing moves
    error(api.call("GET", "get_me", headers=bearer(token)), 401, "account_disabled")
    error(transfer(api, token, "ben", 500), 401, "account_disabled")
    assert balance(api, "ben")["total"] == WELCOME_BONUS
    # and Auth itself gives it no new token
    with pytest.raises(AuthError, match="USER_DISABLED"):
        accounts.sign_in(email, PASSWORD)

    # when it is enabled again, then the same token works and the balance is untouched
    accounts.set_disabled(signed_up.uid, False)
    assert chips(api, token) == WELCOME_BONUS


def test_a_deleted_accounts_tokens_are_refused(api, auth_emulator):
    # given a signed-up user who called Mintbook
    accounts = auth_emulator.accounts
    email = new_email()
    signed_up = accounts.sign_up(email, PASSWORD)
    ok(api.call("GET", "get_me", headers=bearer(signed_up.id_token)))
    ok(api.call("GET", "get_me", "ben"))

    # when the account is deleted
    accounts.delete_account(signed_up.uid)

    # then its token is refused, and nothing moves
    error(api.call("GET", "get_me", headers=bearer(signed_up.id_token)), 401, "token_revoked")
    error(transfer(api, signed_up.id_token, "ben", 500), 401, "token_revoked")
    assert balance(api, "ben")["total"] == WELCOME_BONUS
    with pytest.raises(AuthError):
        accounts.sign_in(email, PASSWORD)


def test_a_token_issued_before_a_revocation_is_refused_and_a_new_sign_in_works(api,
                                                                               auth_emulator):
    # given a signed-up user's token
    accounts = auth_emulator.accounts
    email = new_email()
    old = accounts.sign_up(email, PASSWORD)
    ok(api.call("GET", "get_me", headers=bearer(old.id_token)))

    # when the account's sessions are revoked in a later second than the token was issued
    while int(time.time()) <= claims_of(old.id_token)["iat"]:
        time.sleep(0.05)
    accounts.revoke_sessions(old.uid)

    # then the old token is refused, and signing in again gives one that works
    error(api.call("GET", "get_me", headers=bearer(old.id_token)), 401, "token_revoked")
    fresh = accounts.sign_in(email, PASSWORD)
    assert ok(api.call("GET", "get_me", headers=bearer(fresh.id_token)))["uid"] == old.uid


def test_dev_tokens_keep_working_for_uids_without_an_account(api, auth_emulator):
    # given a uid the Auth emulator has no account for, as the demo users' and the tests'
    uid = f"dev-{uuid.uuid4().hex[:8]}"
    assert auth_emulator.accounts.account(uid) is None

    # when it calls with a dev token, then Mintbook serves it, and the users trigger keeps its
    # profile in step without an account to put claims on (none is made for it)
    assert ok(api.call("GET", "get_me", uid))["uid"] == uid
    assert balance(api, uid)["total"] == WELCOME_BONUS
    eventually(lambda: collection("profiles").document(uid).get().exists,
               what="the dev-token user's profile")
    assert auth_emulator.accounts.account(uid) is None
