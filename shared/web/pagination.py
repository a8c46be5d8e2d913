"""Opaque cursors for every list: the id of the last document returned, base64url-encoded.

A page query orders by its field and then by document id, so resuming after a document is exact
even when many share the same timestamp.
"""
from __future__ import annotations

import base64
import binascii

from shared.domain.errors import InvalidInput

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def encode(doc_id: str) -> str:
    return base64.urlsafe_b64encode(doc_id.encode()).decode().rstrip("=")


def decode(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("cursor is not one this API returned", field="cursor",
                           code="invalid_cursor") from None
    if not value or "/" in value:
        raise InvalidInput("cursor is not one this API returned", field="cursor",
                           code="invalid_cursor")
    return value
