"""Transaction reads and writes coded straight to and from Firestore's protobuf messages.

Why: the client library builds every write and parses every read through proto-plus wrappers
(and deep-copies each snapshot's data twice), and on the ledger's hot paths that costs more
Python time than anything else in a transaction: measured on the webhook, writes alone were a
third of its CPU for ten small documents. The wire format is the same; only the Python around it
is cheaper.

Guarantees:
- `create`, `set`, `merge` and `update` put on the wire what `txn.create(ref, data)`,
  `txn.set(ref, data)`, `txn.set(ref, data, merge=True)` and `txn.update(ref, data)` would, and
  `get_all` returns what the snapshots' `to_dict()` would (tests compare both directions with
  the library on generated documents).
- Written values: None, bool, int, float, str, bytes, datetime, lists and dicts of those;
  `firestore.SERVER_TIMESTAMP` and `firestore.Increment` at the top level of a document. A merge
  or update takes flat documents only (no nested dicts, whose merge means per-leaf masks).
  Anything else raises TypeError before the transaction commits.
- It sends the client's own request shapes through a few of its private names (`_helpers`,
  `_firestore_api`, `_database_string`, `_rpc_metadata`, `_document_path`, `_add_write_pbs`):
  every emulator test of a ledger path goes through them, and requirements.txt pins the
  library's major version.
"""
from __future__ import annotations

import datetime
import re
from typing import Any

from google.api_core.datetime_helpers import DatetimeWithNanoseconds
from google.cloud import firestore
from google.cloud.firestore_v1 import _helpers, field_path
from google.cloud.firestore_v1.transforms import Increment
from google.cloud.firestore_v1.types import common, document, write
from google.protobuf import struct_pb2

_Write = write.Write.pb()
_Value = document.Value.pb()
_Precondition = common.Precondition.pb()
_Mask = common.DocumentMask.pb()
_Transform = write.DocumentTransform.FieldTransform.pb()
_REQUEST_TIME = write.DocumentTransform.FieldTransform.ServerValue.REQUEST_TIME
_SIMPLE = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*\Z")


class ReadTime:
    """Reads at one instant without a transaction (Firestore serves any time in the last hour):
    a consistent snapshot of many documents and queries that no transaction's lifetime bounds
    (270 s, or 60 s idle) and that locks nothing. Pass it where a transaction is read through
    (`get_all`, `stream`)."""

    def __init__(self, at: datetime.datetime) -> None:
        self.at = at


Reads = firestore.Transaction | ReadTime | None   # in a transaction, at a read time, or now


def stream(query: firestore.Query, reads: Reads) -> Any:
    """The query's documents as `reads` sees them."""
    if isinstance(reads, ReadTime):
        return query.stream(read_time=reads.at)
    return query.stream(transaction=reads)


def get_all(txn: Reads, refs: list[firestore.DocumentReference]) -> dict[str, dict | None]:
    """One BatchGetDocuments round trip (in `txn` when given, or at a ReadTime): document
    path -> data, or None for a missing document."""
    if not refs:
        return {}
    client = refs[0]._client
    request = {"database": client._database_string,
               "documents": [ref._document_path for ref in refs]}
    if isinstance(txn, ReadTime):
        request["read_time"] = txn.at
    else:
        request["transaction"] = _helpers.get_transaction_id(txn) if txn is not None else None
    prefix = len(client._database_string) + len("/documents/")
    out: dict[str, dict | None] = {}
    for response in client._firestore_api.batch_get_documents(request=request,
                                                               metadata=client._rpc_metadata):
        pb = response._pb
        if pb.WhichOneof("result") == "found":
            out[pb.found.name[prefix:]] = _decode_map(pb.found.fields, client)
        else:
            out[pb.missing[prefix:]] = None
    return out


def create(txn: firestore.Transaction, ref: firestore.DocumentReference, data: dict) -> None:
    """Create the document; the commit fails if it exists."""
    txn._add_write_pbs([_encode(ref, data, merge=False, exists=False)])


def set(txn: firestore.Transaction, ref: firestore.DocumentReference, data: dict) -> None:
    """Replace the whole document."""
    txn._add_write_pbs([_encode(ref, data, merge=False, exists=None)])


def merge(txn: firestore.Transaction, ref: firestore.DocumentReference, data: dict) -> None:
    """Write these fields and keep the others (set with merge=True)."""
    txn._add_write_pbs([_encode(ref, data, merge=True, exists=None)])


def update(txn: firestore.Transaction, ref: firestore.DocumentReference, data: dict) -> None:
    """Write these fields of an existing document (txn.update with plain field names: a key is
    never read as a dotted path); the commit fails if the document is missing."""
    txn._add_write_pbs([_encode(ref, data, merge=True, exists=True)])


def _encode(ref: firestore.DocumentReference, data: dict, *, merge: bool,
            exists: bool | None) -> Any:
    out = _Write()
    doc = out.update
    doc.name = ref._document_path
    transforms = []
    mask = []
    for key, value in data.items():
        if value is firestore.SERVER_TIMESTAMP:
            transforms.append((key, _Transform(field_path=_path(key),
                                               set_to_server_value=_REQUEST_TIME)))
        elif isinstance(value, Increment):
            transforms.append((key, _Transform(field_path=_path(key),
                                               increment=_value(value.value))))
        else:
            if merge:
                if isinstance(value, dict):
                    raise TypeError(f"merge takes flat documents; {key!r} is a map")
                mask.append(_path(key))
            _fill(doc.fields[key], value)
    if merge:
        out.update_mask.CopyFrom(_Mask(field_paths=mask))
    if exists is not None:
        out.current_document.CopyFrom(_Precondition(exists=exists))
    # The library orders transforms by field name; so does this, to stay byte-for-byte equal.
    out.update_transforms.extend(t for _, t in sorted(transforms, key=lambda kt: kt[0]))
    return out


def _path(key: str) -> str:
    return key if _SIMPLE.match(key) else field_path.FieldPath(key).to_api_repr()


def _value(value: object) -> Any:
    out = _Value()
    _fill(out, value)
    return out


def _fill(out: Any, value: object) -> None:
    """Encode `value` into the Value message `out` (in place: no copies of nested messages)."""
    if value is None:
        out.null_value = struct_pb2.NULL_VALUE
    elif value is True or value is False:
        out.boolean_value = value
    elif isinstance(value, int):
        out.integer_value = value
    elif isinstance(value, str):
        out.string_value = value
    elif isinstance(value, float):
        out.double_value = value
    elif isinstance(value, dict):
        fields = out.map_value.fields
        for key, item in value.items():
            _fill(fields[key], item)
        if not value:
            out.map_value.SetInParent()
    # A plain tuple is an array; a NamedTuple (a domain record) is not a document value, and
    # encoding its fields as an array would silently lose their names.
    elif isinstance(value, list) or type(value) is tuple:
        values = out.array_value.values
        for item in value:
            _fill(values.add(), item)
        if not value:
            out.array_value.SetInParent()
    elif isinstance(value, datetime.datetime):
        if hasattr(value, "timestamp_pb"):  # DatetimeWithNanoseconds, as read back: keep its nanos
            out.timestamp_value.CopyFrom(value.timestamp_pb())
        else:
            out.timestamp_value.FromDatetime(value)
    elif isinstance(value, bytes):
        out.bytes_value = value
    else:
        raise TypeError(f"cannot encode {type(value).__name__} for Firestore")


def _decode_map(fields: Any, client: object) -> dict:
    return {key: _decode(value, client) for key, value in fields.items()}


def _decode(value: Any, client: object) -> object:
    kind = value.WhichOneof("value_type")
    if kind == "integer_value":
        return value.integer_value
    if kind == "string_value":
        return value.string_value
    if kind == "boolean_value":
        return value.boolean_value
    if kind == "null_value":
        return None
    if kind == "double_value":
        return value.double_value
    if kind == "timestamp_value":
        return DatetimeWithNanoseconds.from_timestamp_pb(value.timestamp_value)
    if kind == "map_value":
        return _decode_map(value.map_value.fields, client)
    if kind == "array_value":
        return [_decode(item, client) for item in value.array_value.values]
    return _helpers.decode_value(value, client)  # bytes, references, geo points: rare, as is
