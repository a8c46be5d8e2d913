"""A small client for the dev server: one call per function, as the frontend would make it."""
from __future__ import annotations

from typing import Any

import requests

from dev.tokens import unsigned_id_token

TIMEOUT_S = 30


class Api:
    def __init__(self, base_url: str, project: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.project = project
        self.http = requests.Session()

    def token(self, uid: str, **claims: Any) -> str:
        return unsigned_id_token(uid, self.project, **claims)

    def call(self, method: str, name: str, uid: str | None = None, json: Any = None,
             params: dict | None = None, idempotency_key: str | None = None,
             headers: dict | None = None) -> requests.Response:
        """`method` on function `name` (a path below it may follow: "name/sub"), signed in as
        `uid` when given."""
        sent = dict(headers or {})
        if uid is not None:
            sent.setdefault("Authorization", f"Bearer {self.token(uid)}")
        if idempotency_key is not None:
            sent["Idempotency-Key"] = idempotency_key
        return self.http.request(method, f"{self.base_url}/{name}", json=json, params=params,
                                 headers=sent, timeout=TIMEOUT_S)

    def close(self) -> None:
        self.http.close()
