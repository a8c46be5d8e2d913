"""Firebase Auth through firebase-admin: who is calling (ID tokens), custom tokens and claims.

Unsigned tokens are accepted only while FIREBASE_AUTH_EMULATOR_HOST is set (firebase-admin's own
emulator mode); in production every token's signature is checked too. Audience and issuer are
checked by firebase-admin in both modes. Its emulator mode skips the times, so `check_times`
checks them in both modes, with the clock skew production verification uses (CLOCK_SKEW_S): a
token is refused when issued in the future (`invalid_token`), when its `auth_time` is in the
future or missing (`invalid_token`), and when past its `exp` (`token_expired`), to the second.
The uid must be usable as an account owner (no ':' or '/', never the 'sys.' prefix of system
accounts).
"""
from __future__ import annotations

import math
import time
from functools import lru_cache
from typing import Any

from shared.config import settings
from shared.domain.accounts import SYSTEM_PREFIX
from shared.domain.errors import Unauthenticated

# firebase-admin's verify_id_token default (clock_skew_seconds=0): no tolerance either way.
CLOCK_SKEW_S = 0


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
    return uid


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


def set_claims(uid: str, claims: dict) -> None:
    from firebase_admin import auth

    auth.set_custom_user_claims(uid, claims, app=firebase_app())
