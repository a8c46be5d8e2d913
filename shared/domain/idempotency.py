"""Scoped idempotency keys.

A client key means nothing alone: the id of an operation is derived from (caller, operation name,
client key), so keys of different users or operations never collide, and the request's
fingerprint is kept beside it so a reused key with a different request is a conflict.
"""
from __future__ import annotations

import hashlib
import json
from typing import NamedTuple

from shared.domain.errors import InvalidInput

MAX_KEY_LENGTH = 255


def derive_id(*parts: str) -> str:
    """A stable document id from parts; the unit separator keeps ('ab','c') != ('a','bc')."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def fingerprint(payload: object) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def require_key(key: str | None) -> str:
    if not key:
        raise InvalidInput("this call needs an Idempotency-Key header", field="Idempotency-Key",
                           code="idempotency_key_required")
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput("Idempotency-Key must be 1-255 printable characters",
                           field="Idempotency-Key", code="invalid_idempotency_key")
    return key


class Operation(NamedTuple):
    """One mutating request: who asked, for what, under which key, with which content."""

    caller: str
    name: str
    key: str
    fingerprint: str

    @property
    def id(self) -> str:
        return derive_id(self.caller, self.name, self.key)

    @classmethod
    def of(cls, caller: str, name: str, key: str, payload: object) -> Operation:
        return cls(caller, name, require_key(key), fingerprint(payload))
