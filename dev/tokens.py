"""Unsigned Firebase ID tokens for the emulators.

firebase-admin accepts them only while FIREBASE_AUTH_EMULATOR_HOST is set, and the Firestore
emulator's rules engine reads request.auth.uid from their `sub`. Never valid in production.
"""
from __future__ import annotations

import base64
import json
import time


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned_id_token(uid: str, project: str, **claims: object) -> str:
    now = int(time.time())
    payload = {
        "iss": f"https://securetoken.google.com/{project}", "aud": project,
        "auth_time": now, "iat": now, "exp": now + 3600, "sub": uid, "user_id": uid,
        "firebase": {"identities": {}, "sign_in_provider": "custom"}, **claims,
    }
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."
