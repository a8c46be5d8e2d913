"""Decode Firestore CloudEvents into plain dicts.

The payload is a protobuf DocumentEventData. Cloud Functions delivers it as raw bytes; the
emulator delivers the same protobuf base64-encoded; both are accepted. Values convert to the
Python types the server SDK would return (ints stay ints, timestamps become aware datetimes).
"""
from __future__ import annotations

import base64
import binascii
from typing import Any, NamedTuple


class DocumentChange(NamedTuple):
    path: str                  # "users/abc"
    before: dict | None
    after: dict | None

    @property
    def doc_id(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def document_change(cloud_event: Any) -> DocumentChange:
    from google.events.cloud.firestore import DocumentEventData

    raw = cloud_event.data
    if isinstance(raw, str):
        raw = raw.encode()
    try:
        payload = DocumentEventData.deserialize(base64.b64decode(raw, validate=True))
    except (binascii.Error, ValueError, TypeError):
        payload = DocumentEventData.deserialize(raw)
    subject = cloud_event["subject"] or ""
    path = subject.removeprefix("documents/")
    before = _fields(payload.old_value) if payload.old_value.name else None
    after = _fields(payload.value) if payload.value.name else None
    return DocumentChange(path=path, before=before, after=after)


def _fields(document: Any) -> dict:
    return {name: _value(v) for name, v in document.fields.items()}


def _value(v: Any) -> Any:
    kind = type(v).pb(v).WhichOneof("value_type")
    if kind == "map_value":
        return {k: _value(x) for k, x in v.map_value.fields.items()}
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values]
    if kind == "null_value":
        return None
    if kind == "timestamp_value":
        return v.timestamp_value  # proto-plus gives a DatetimeWithNanoseconds
    if kind == "integer_value":
        return int(v.integer_value)
    return getattr(v, kind)
