"""Firebase Auth through firebase-admin: who is calling (ID tokens), custom tokens and claims.

Unsigned tokens are accepted only while FIREBASE_AUTH_EMULATOR_HOST is set (firebase-admin's own
emulator mode); in production every token's signature is checked too. Audience and issuer are
checked by firebase-admin in both modes. Its emulator mode skips the times, so `check_times`
checks them in both modes, with the clock skew production verification uses (CLOCK_SKEW_S): a
token is refused when issued in the future (`invalid_token`), when its `auth_time` is in the
future or missing (`invalid_token`), and when past its `exp` (`token_expired`), to the second.
The uid must be usable as an account owner (no ':' or '/', never the 'sys.' prefix of system
accounts).

Every call then checks the token's account with Auth (`check_account`, the lookup
firebase-admin's `check_revoked=True` makes, after the checks above as in production's order):
a disabled account is `account_disabled`, a deleted one or a token issued before the account's
sessions were revoked `token_revoked`, at once. That costs one Auth lookup per call (about 2 ms
against the local emulator, one Identity Toolkit request in production); it is paid because a
disabled account must stop moving tokens now, not when its last ID token expires within the
hour. An Auth that cannot answer is `503 unavailable`: nothing was done, retry.

Dev tokens (dev/tokens.py) stand for users the Auth emulator has no account for: they carry
DEV_TOKEN_CLAIM and skip the account check, honoured only while tokens are unsigned (emulated
Auth), where anyone can write any claim anyway; production checks every token's account. Without
an Auth to ask (`settings().auth_server` false: the benches) no account is checked.
"""
from __future__ import annotations

import math
import time
from functools import lru_cache
from typing import Any

from shared.config import settings
from shared.domain.accounts import SYSTEM_PREFIX
from shared.domain.errors import Unauthenticated, Unavailable

# firebase-admin's verify_id_token default (clock_skew_seconds=0): no tolerance either way.
CLOCK_SKEW_S = 0
DEV_TOKEN_CLAIM = "mintbook_dev_token"  # set by dev/tokens.py; honoured under emulated Auth only


@lru_cache(maxsize=1)
def firebase_app():
    import firebase_admin
    from firebase_admin import credentials

    if settings().emulated_auth:
        import google.auth.credentials

        class EmulatorCredential(credentials.Base):
            def get_credential(self):
                return google.auth.credentials.AnonymousCredentials()

        credential = EmulatorCredential()
    else:
        credential = credentials.ApplicationDefault()
    return firebase_admin.initialize_app(credential, {"projectId": settings().project},
                                         name="mintbook")


def uid_from_bearer(header: str | None) -> str:
    from firebase_admin import auth

    if not header or not header.startswith("Bearer ") or not header[7:].strip():
        raise Unauthenticated("sign in: send 'Authorization: Bearer <Firebase ID token>'",
                              code="missing_token")
    try:
        claims = auth.verify_id_token(header[7:].strip(), app=firebase_app(),
                                      clock_skew_seconds=CLOCK_SKEW_S)
    except auth.ExpiredIdTokenError:
        raise Unauthenticated("the ID token has expired", code="token_expired") from None
    except (auth.InvalidIdTokenError, ValueError):
        raise Unauthenticated("the ID token is not valid", code="invalid_token") from None
    check_times(claims, int(time.time()))
    uid = claims.get("uid") or ""
    if ":" in uid or "/" in uid or uid.startswith(SYSTEM_PREFIX) or len(uid) > 128:
        raise Unauthenticated("this uid cannot hold accounts", code="invalid_token")
    if checks_account(claims):
        check_account(uid, claims["iat"])
    return uid


def checks_account(claims: dict[str, Any]) -> bool:
    """Whether this token's account is looked up: always in production; under emulated Auth
    unless it is a dev token or there is no Auth to ask."""
    config = settings()
    if not config.emulated_auth:
        return True
    return config.auth_server and claims.get(DEV_TOKEN_CLAIM) is not True


def check_account(uid: str, issued_at: int | float) -> None:
    """Refuse the token of a deleted or disabled account, or one issued before the account's
    sessions were revoked (its tokens_valid_after), as firebase-admin's check_revoked does."""
    from firebase_admin import auth, exceptions

    try:
        account = auth.get_user(uid, app=firebase_app())
    except auth.UserNotFoundError:
        raise Unauthenticated("the ID token's account no longer exists: sign in again",
                              code="token_revoked") from None
    except exceptions.FirebaseError as err:
        raise Unavailable(f"could not check the account with Firebase Auth ({err.code}); "
                          "nothing was done") from err
    if account.disabled:
        raise Unauthenticated("this account is disabled", code="account_disabled")
    if issued_at * 1000 < (account.tokens_valid_after_timestamp or 0):
        raise Unauthenticated("the ID token was revoked: sign in again", code="token_revoked")


def check_times(claims: dict[str, Any], now: int, skew_s: int = CLOCK_SKEW_S) -> None:
    """Refuse a token that is not current at `now` (whole seconds, as google-auth counts them),
    in the order production verification checks: issued in the future, then expired."""
    iat, exp, auth_time = (claims.get(name) for name in ("iat", "exp", "auth_time"))
    if not all(_is_time(value) for value in (iat, exp, auth_time)):
        raise Unauthenticated("the ID token lacks a valid iat, exp or auth_time claim",
                              code="invalid_token")
    if now < iat - skew_s:
        raise Unauthenticated("the ID token was issued in the future (check the clock)",
                              code="invalid_token")
    if now < auth_time - skew_s:
        raise Unauthenticated("the ID token's sign-in time is in the future", code="invalid_token")
    if exp + skew_s < now:
        raise Unauthenticated("the ID token has expired", code="token_expired")


def _is_time(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def custom_token(uid: str) -> str:
    """A Firebase custom token for `uid` (wallet sign-in hands it to the client)."""
    from firebase_admin import auth

    token = auth.create_custom_token(uid, app=firebase_app())
    return token.decode() if isinstance(token, bytes) else token


def set_claims(uid: str, claims: dict) -> bool:
    """Replace the account's custom claims; False when Auth has no account for `uid` (a dev-token
    user, or an account deleted since), which has no tokens to carry them."""
    from firebase_admin import auth

    try:
        auth.set_custom_user_claims(uid, claims, app=firebase_app())
    except auth.UserNotFoundError:
        return False
    return True


def disable_account(uid: str) -> bool:
    """Disable sign-in for `uid` and revoke its sessions (a deleted user); False when there is
    no Auth to ask or it has no account for `uid` (a dev-token user)."""
    if not settings().auth_server:
        return False
    from firebase_admin import auth

    try:
        auth.update_user(uid, disabled=True, app=firebase_app())
        auth.revoke_refresh_tokens(uid, app=firebase_app())
    except auth.UserNotFoundError:
        return False
    return True
