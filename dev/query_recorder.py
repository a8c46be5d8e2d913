"""Records the shape of every Firestore query a process runs, when MINTBOOK_RECORD_QUERIES is set.

Tests set MINTBOOK_RECORD_QUERIES to a folder (tests/conftest.py; the dev server inherits it) and
dev/instrument.py installs the recorder in every process of the local stack; production never
imports it. dev/query_shapes.py reads the folder and checks firestore.indexes.json against it.

Guarantees:
- One hook catches every query: Query._make_stream and AggregationQuery._make_stream of the
  Firestore client are what get(), stream(), transaction.get(query) and count() all run. The
  shape is taken from the StructuredQuery the client is about to send, so it is exactly what the
  backend plans an index for (implicit orders added by cursors included).
- A shape is the collection, its scope, and the fields by role: equality (==, in, is null),
  array (array-contains, -any), inequality (<, <=, >, >=, !=, not-in, is not null) and order-by
  with direction. Values are never recorded.
- Only queries built by shared/ or functions/ count (the innermost frame of the repository
  that ran it, recorded as "site"); a test's own checking queries are left out.
- Recording never changes or breaks a query: any error while recording is swallowed. Each
  process appends each distinct shape once, as a JSON line, to its own file (queries-<pid>.jsonl).
"""
from __future__ import annotations

import json
import os
import threading
import traceback
from pathlib import Path
from typing import Any

ENV = "MINTBOOK_RECORD_QUERIES"
EQUALITY = {"EQUAL", "IN", "IS_NULL", "IS_NAN"}
ARRAY = {"ARRAY_CONTAINS", "ARRAY_CONTAINS_ANY"}
APP_CODE = ("shared/", "functions/")  # queries built here are the ones production runs
_lock = threading.Lock()
_seen: set[str] = set()
_installed: list[str] = []  # the folder, once installed


def install_if_enabled() -> None:
    folder = os.environ.get(ENV)
    if folder:
        install(folder)


def install(folder: str) -> None:
    """Wrap the client's query execution (once per process) so each query's shape is recorded."""
    from google.cloud.firestore_v1.aggregation import AggregationQuery
    from google.cloud.firestore_v1.query import Query

    with _lock:
        if _installed:
            return
        _installed.append(folder)
        _wrap(Query, lambda query: query._to_protobuf())
        _wrap(AggregationQuery, lambda aggregation: aggregation._nested_query._to_protobuf())


def _wrap(cls: type, structured: Any) -> None:
    original = cls._make_stream

    def _make_stream(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            record(shape_of(structured(self)))
        except Exception:  # recording must never break the query it watches
            pass
        return original(self, *args, **kwargs)

    cls._make_stream = _make_stream


def shape_of(query: Any) -> dict:
    """The index-relevant shape of a StructuredQuery (proto-plus or raw protobuf)."""
    pb = type(query).pb(query) if hasattr(type(query), "pb") else query
    source = pb.from_[0]
    shape: dict[str, Any] = {
        "collection": source.collection_id,
        "scope": "COLLECTION_GROUP" if source.all_descendants else "COLLECTION",
        "equality": set(), "array": set(), "inequality": set(),
        "order": [[o.field.field_path, _enum_name(o, "direction")] for o in pb.order_by],
    }
    if pb.HasField("where"):
        _add_filter(pb.where, shape)
    for role in ("equality", "array", "inequality"):
        shape[role] = sorted(shape[role])
    return shape


def _add_filter(node: Any, shape: dict) -> None:
    kind = node.WhichOneof("filter_type")
    if kind == "composite_filter":
        for child in node.composite_filter.filters:
            _add_filter(child, shape)
        return
    leaf = getattr(node, kind)
    operator = _enum_name(leaf, "op")
    role = ("equality" if operator in EQUALITY else "array" if operator in ARRAY
            else "inequality")
    shape[role].add(leaf.field.field_path)


def _enum_name(message: Any, field: str) -> str:
    enum = message.DESCRIPTOR.fields_by_name[field].enum_type
    return enum.values_by_number[getattr(message, field)].name


def record(shape: dict) -> None:
    key = json.dumps(shape, sort_keys=True)
    with _lock:
        if key in _seen or not _installed:
            return
        site = _caller()
        if not site.startswith(APP_CODE):
            return  # a test's own query (it checks the database): production never runs it
        _seen.add(key)
        line = json.dumps({**shape, "site": site}, sort_keys=True)
        path = Path(_installed[0]) / f"queries-{os.getpid()}.jsonl"
        try:
            with open(path, "a") as out:
                out.write(line + "\n")
        except OSError:
            pass


_ROOT = str(Path(__file__).resolve().parents[1])


def _caller() -> str:
    """The innermost frame of our own code (not a library's) that ran the query."""
    for frame in reversed(traceback.extract_stack()[:-3]):
        path = frame.filename
        if path.startswith(_ROOT) and "site-packages" not in path:
            return f"{Path(path).relative_to(_ROOT)}:{frame.lineno} {frame.name}"
    return "?"
