"""Firebase Auth through firebase-admin: who is calling (ID tokens), custom tokens and claims.

Unsigned tokens are accepted only while FIREBASE_AUTH_EMULATOR_HOST is set (firebase-admin's own
emulator mode); in production every token's signature, audience and expiry are checked. The uid
must be usable as an account owner (no ':' or '/', never the 'sys.' prefix of system accounts).
"""
from __future__ import annotations

from functools import lru_cache

from shared.config import settings
from shared.domain.accounts import SYSTEM_PREFIX
from shared.domain.errors import Unauthenticated


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
        claims = auth.verify_id_token(header[7:].strip(), app=firebase_app())
    except auth.ExpiredIdTokenError:
        raise Unauthenticated("the ID token has expired", code="token_expired") from None
    except (auth.InvalidIdTokenError, ValueError):
        raise Unauthenticated("the ID token is not valid", code="invalid_token") from None
    uid = claims.get("uid") or ""
    if ":" in uid or "/" in uid or uid.startswith(SYSTEM_PREFIX) or len(uid) > 128:
        raise Unauthenticated("this uid cannot hold accounts", code="invalid_token")
    return uid


def custom_token(uid: str) -> str:
    """A Firebase custom token for `uid` (wallet sign-in hands it to the client)."""
    from firebase_admin import auth

    token = auth.create_custom_token(uid, app=firebase_app())
    return token.decode() if isinstance(token, bytes) else token


def set_claims(uid: str, claims: dict) -> None:
    from firebase_admin import auth

    auth.set_custom_user_claims(uid, claims, app=firebase_app())
