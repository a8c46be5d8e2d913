"""Composite indexes: which query shapes need one, whether firestore.indexes.json serves them, and
that the recorder sees real queries.

The whole-suite check (every query the tests ran has its index) is tests/conftest.py's
pytest_sessionfinish; these tests pin down the rules it applies.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dev.query_shapes import (INDEXES_FILE, Index, Shape, SingleField, add_missing, missing,
                              report, required_index)
from dev.query_recorder import shape_of

ROOT = Path(__file__).resolve().parents[2]
ASC, DESC = "ASCENDING", "DESCENDING"


def index(collection: str, *fields: tuple[str, str], scope: str = "COLLECTION") -> dict:
    return Index(collection, scope, fields).to_json()


@pytest.mark.parametrize("shape", [
    Shape("users"),                                                  # a whole collection
    Shape("orders", equality=("owner",)),                            # one equality
    Shape("orders", equality=("book", "owner", "status")),           # equalities merge
    Shape("orders", equality=("owner",), array=("tags",)),           # with array-contains
    Shape("orders", order=(("created_at", DESC),)),                  # one order
    Shape("orders", inequality=("price",), order=(("price", ASC),)),  # one field, range + order
    Shape("orders", inequality=("price",)),                          # a range alone
    Shape("orders", equality=("owner",), order=(("__name__", ASC),)),  # the id is in every index
    Shape("orders", equality=("status",), order=(("status", ASC),)),  # ordering an equal field
])
def test_shapes_single_field_indexes_serve_need_no_composite(shape: Shape) -> None:
    assert required_index(shape) is None


def test_equality_then_order_on_another_field_needs_a_composite() -> None:
    shape = Shape("orders", equality=("status", "owner"), order=(("created_at", DESC),))
    assert required_index(shape) == Index("orders", "COLLECTION", (
        ("owner", ASC), ("status", ASC), ("created_at", DESC)))


def test_a_range_on_one_field_and_an_order_on_another_needs_both_in_order() -> None:
    shape = Shape("markets", inequality=("closes_at",), order=(("created_at", DESC),))
    assert required_index(shape).fields == (("created_at", DESC), ("closes_at", ASC))


def test_equality_and_a_range_order_by_the_range_field_after_the_equalities() -> None:
    shape = Shape("markets", equality=("status",), inequality=("closes_at",),
                  order=(("closes_at", ASC), ("__name__", ASC)))
    assert required_index(shape).fields == (("status", ASC), ("closes_at", ASC))


def test_array_contains_with_an_order_needs_a_contains_field() -> None:
    shape = Shape("markets", array=("tags",), order=(("created_at", DESC),))
    assert index("markets", ("tags", "CONTAINS"), ("created_at", DESC)) == \
        required_index(shape).to_json()
    assert required_index(shape).to_json()["fields"][0] == {"fieldPath": "tags",
                                                            "arrayConfig": "CONTAINS"}


def test_two_orders_need_a_composite() -> None:
    shape = Shape("trades", order=(("book", ASC), ("seq", DESC)))
    assert required_index(shape).fields == (("book", ASC), ("seq", DESC))


NEEDS = Shape("orders", equality=("owner", "status"), order=(("created_at", DESC),))


@pytest.mark.parametrize("indexes", [
    [index("orders", ("owner", ASC), ("status", ASC), ("created_at", DESC))],
    [index("orders", ("status", ASC), ("owner", ASC), ("created_at", DESC))],  # any eq. order
    [index("orders", ("owner", ASC), ("created_at", DESC)),                   # merged
     index("orders", ("status", ASC), ("created_at", DESC))],
])
def test_an_index_or_a_merge_of_indexes_serves_the_shape(indexes: list[dict]) -> None:
    assert missing([NEEDS], {"indexes": indexes}) == []


@pytest.mark.parametrize("indexes", [
    [],
    [index("orders", ("owner", ASC), ("status", ASC), ("created_at", ASC))],  # wrong direction
    [index("orders", ("owner", ASC), ("created_at", DESC))],                  # status missing
    [index("fills", ("owner", ASC), ("status", ASC), ("created_at", DESC))],  # other collection
    [index("orders", ("owner", ASC), ("status", ASC), ("created_at", DESC),
           scope="COLLECTION_GROUP")],                                        # other scope
    [index("orders", ("owner", ASC), ("status", ASC), ("book", ASC), ("created_at", DESC))],
])
def test_a_shape_without_its_index_is_reported_missing(indexes: list[dict]) -> None:
    assert missing([NEEDS], {"indexes": indexes}) == [(NEEDS, required_index(NEEDS))]


def test_a_collection_group_query_needs_group_scoped_single_field_indexes() -> None:
    shape = Shape("fills", scope="COLLECTION_GROUP", equality=("owner",))
    lacking = missing([shape], {"indexes": []})
    assert [entry for _, entry in lacking] == [{
        "collectionGroup": "fills", "fieldPath": "owner", "indexes": [
            {"order": ASC, "queryScope": "COLLECTION"},
            {"order": DESC, "queryScope": "COLLECTION"},
            {"arrayConfig": "CONTAINS", "queryScope": "COLLECTION"},
            {"order": ASC, "queryScope": "COLLECTION_GROUP"},
            {"order": DESC, "queryScope": "COLLECTION_GROUP"}]}]
    overrides = {"indexes": [], "fieldOverrides": [entry for _, entry in lacking]}
    assert missing([shape], overrides) == []
    # the override keeps the field's collection-scope indexes: collection queries still run
    assert missing([Shape("fills", equality=("owner",)),
                    Shape("fills", order=(("owner", DESC),))], overrides) == []


EXEMPT_CREATED_AT = {"indexes": [], "fieldOverrides": [
    {"collectionGroup": "journal", "fieldPath": "created_at", "indexes": []}]}


@pytest.mark.parametrize("shape", [
    Shape("journal", order=(("created_at", DESC),)),                 # newest first
    Shape("journal", inequality=("created_at",)),                    # a range
    Shape("journal", equality=("created_at",)),                      # an equality
    Shape("journal", equality=("created_at", "owner")),              # merged with another field
    Shape("journal", inequality=("created_at",),                     # a page of a range
          order=(("created_at", DESC), ("__name__", DESC))),
])
def test_a_single_field_query_on_an_exempted_field_is_reported_missing(shape: Shape) -> None:
    [(_, lacking)] = missing([shape], EXEMPT_CREATED_AT)
    assert isinstance(lacking, SingleField)
    assert (lacking.collection, lacking.field) == ("journal", "created_at")


def test_an_exemption_leaves_composite_indexes_other_fields_and_collections_served() -> None:
    indexes = {**EXEMPT_CREATED_AT,
               "indexes": [index("journal", ("owner", ASC), ("created_at", DESC))]}
    assert missing([Shape("journal", equality=("owner",), order=(("created_at", DESC),)),
                    Shape("journal", equality=("owner",)),
                    Shape("journal", order=(("amount", DESC),)),
                    Shape("transfers", order=(("created_at", DESC),))], indexes) == []


def test_an_override_serves_only_the_single_field_indexes_it_lists() -> None:
    ascending_only = {"indexes": [], "fieldOverrides": [
        {"collectionGroup": "journal", "fieldPath": "created_at",
         "indexes": [{"order": ASC, "queryScope": "COLLECTION"}]},
        {"collectionGroup": "journal", "fieldPath": "tags",
         "indexes": [{"order": ASC, "queryScope": "COLLECTION_GROUP"}]}]}
    served = [Shape("journal", order=(("created_at", ASC),)),
              Shape("journal", equality=("created_at",)),
              Shape("journal", inequality=("created_at",))]
    unserved = [Shape("journal", order=(("created_at", DESC),)),
                Shape("journal", array=("tags",))]  # only a group-scoped index is left
    assert [shape for shape, _ in missing(served + unserved, ascending_only)] == \
        sorted(unserved, key=repr)


def test_the_report_says_an_exempted_field_is_needed_and_add_does_not_undo_it(
        tmp_path: Path) -> None:
    record = {"collection": "journal", "scope": "COLLECTION", "equality": [], "array": [],
              "inequality": ["created_at"], "order": [], "site": "stats.py:3 per_day"}
    (tmp_path / "queries-1.jsonl").write_text(json.dumps(record) + "\n")
    indexes_file = tmp_path / "firestore.indexes.json"
    indexes_file.write_text(json.dumps(EXEMPT_CREATED_AT))
    text = report(tmp_path, indexes_file)
    assert text is not None and "stats.py:3 per_day" in text and '"exempted": true' in text
    assert add_missing(tmp_path, indexes_file) == 0
    assert json.loads(indexes_file.read_text()) == EXEMPT_CREATED_AT


def test_the_report_names_where_the_query_ran_and_the_index_to_add(tmp_path: Path) -> None:
    record = {"collection": "orders", "scope": "COLLECTION", "equality": ["owner", "status"],
              "array": [], "inequality": [], "order": [["created_at", DESC]],
              "site": "orders.py:12 list_my_orders"}
    (tmp_path / "queries-1.jsonl").write_text(json.dumps(record) + "\n")
    indexes_file = tmp_path / "firestore.indexes.json"
    indexes_file.write_text(json.dumps({"indexes": []}))
    text = report(tmp_path, indexes_file)
    assert text is not None and "orders.py:12 list_my_orders" in text
    assert json.dumps(required_index(NEEDS).to_json()) in text
    indexes_file.write_text(json.dumps({"indexes": [required_index(NEEDS).to_json()]}))
    assert report(tmp_path, indexes_file) is None


def test_the_committed_index_file_is_well_formed_and_has_no_duplicates() -> None:
    data = json.loads(INDEXES_FILE.read_text())
    entries = [Index.of(entry) for entry in data["indexes"]]
    assert len(entries) == len(set(entries))
    for entry in data["indexes"]:
        assert entry["queryScope"] in ("COLLECTION", "COLLECTION_GROUP")
        assert len(entry["fields"]) >= 2, "a one-field composite index is refused by Firestore"


@pytest.fixture
def offline_client(monkeypatch: pytest.MonkeyPatch):
    from google.cloud import firestore

    # Building queries needs a client but no server; nothing here sends a request.
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", "127.0.0.1:9")
    return firestore.Client(project="demo-shapes")


def test_shapes_are_read_from_the_query_the_client_would_send(offline_client) -> None:
    from google.cloud import firestore
    from google.cloud.firestore_v1.base_query import FieldFilter

    query = (offline_client.collection("orders")
             .where(filter=FieldFilter("owner", "==", "u1"))
             .where(filter=FieldFilter("status", "in", ["open", "partial"]))
             .where(filter=FieldFilter("tags", "array_contains", "x"))
             .where(filter=FieldFilter("price", ">", 10))
             .order_by("price").order_by("created_at", direction=firestore.Query.DESCENDING))
    assert shape_of(query._to_protobuf()) == {
        "collection": "orders", "scope": "COLLECTION", "equality": ["owner", "status"],
        "array": ["tags"], "inequality": ["price"],
        "order": [["price", ASC], ["created_at", DESC]]}
    group = offline_client.collection_group("fills").where(filter=FieldFilter("owner", "==", "a"))
    assert shape_of(group._to_protobuf())["scope"] == "COLLECTION_GROUP"


def test_the_recorder_writes_each_shape_the_app_runs_once(tmp_path: Path) -> None:
    # A fresh interpreter (the hook patches the client for the whole process). Streams that are
    # never iterated send nothing, so no server is needed. The queries run from code compiled
    # as if it lived in shared/ (app code) and in tests/ (a test's own check, not recorded).
    app = """
from dev.instrument import install
install()
from google.cloud.firestore_v1.base_query import FieldFilter
from shared.store.client import db
q = db().collection("orders").where(filter=FieldFilter("owner", "==", "u")).order_by("at")
q.stream(); q.stream(); q.count().stream()
db().collection("users").stream()
"""
    check = 'db().collection("audit").order_by("a").order_by("b").stream()'
    code = (f"exec(compile({app!r}, {str(ROOT / 'shared' / 'probe.py')!r}, 'exec'))\n"
            f"from shared.store.client import db\n"
            f"exec(compile({check!r}, {str(ROOT / 'tests' / 'probe.py')!r}, 'exec'))\n")
    env = {**os.environ, "MINTBOOK_RECORD_QUERIES": str(tmp_path),
           "FIRESTORE_EMULATOR_HOST": "127.0.0.1:9", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [json.loads(line) for path in tmp_path.glob("queries-*.jsonl")
             for line in path.read_text().splitlines()]
    assert sorted((r["collection"], tuple(r["equality"]), tuple(map(tuple, r["order"])))
                  for r in lines) == [("orders", ("owner",), (("at", ASC),)),
                                      ("users", (), ())]
    assert {r["site"].split(":")[0] for r in lines} == {"shared/probe.py"}
