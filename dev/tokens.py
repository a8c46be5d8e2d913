"""Unsigned Firebase ID tokens for the emulators.

firebase-admin accepts them only while FIREBASE_AUTH_EMULATOR_HOST is set, and the Firestore
emulator's rules engine reads request.auth.uid from their `sub`. Never valid in production.

A dev token names a uid the Auth emulator has no account for (demo users, test users), so it
carries the claim `mintbook_dev_token: true`, and Mintbook skips the account lookup it makes for
every other token (shared/integrations/firebase_auth.py): a real sign-in through the Auth
emulator (dev/auth_emulator.py) gets a token without it, whose account is checked.

Like a real ID token, one lives an hour from the moment it is made (`exp`), and Mintbook refuses
it a second later (`401 token_expired`). So whatever runs longer makes a token per call, as the
test client does, or keeps one in an `IdTokens`, which makes a new one when the kept one is
`refresh_s` old: a real client's getIdToken() does the same.
"""
from __future__ import annotations

import base64
import json
import threading
import time
from typing import Callable

from shared.integrations.firebase_auth import DEV_TOKEN_CLAIM

LIFETIME_S = 3600


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned_id_token(uid: str, project: str, **claims: object) -> str:
    now = int(time.time())
    payload = {
        "iss": f"https://securetoken.google.com/{project}", "aud": project,
        "auth_time": now, "iat": now, "exp": now + LIFETIME_S, "sub": uid, "user_id": uid,
        "firebase": {"identities": {}, "sign_in_provider": "custom"}, DEV_TOKEN_CLAIM: True,
        **claims,
    }
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(payload)}."


class IdTokens:
    """Tokens of `project` per uid, each made again once it is `refresh_s` old (thread-safe)."""

    def __init__(self, project: str, refresh_s: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.project, self.refresh_s, self.clock = project, refresh_s, clock
        self._made: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def __call__(self, uid: str) -> str:
        now = self.clock()
        with self._lock:
            made = self._made.get(uid)
            if made is None or now - made[0] >= self.refresh_s:
                made = self._made[uid] = (now, unsigned_id_token(uid, self.project))
        return made[1]
