"""Which composite indexes the recorded query shapes need, and which firestore.indexes.json lacks.

Shapes come from dev/query_recorder.py (tests record them; see tests/conftest.py).
Firestore's rules, as applied here:
- No composite index: equality-only queries (any number of ==, in, array-contains: the backend
  merges single-field indexes), and queries on one field only (filters and order on it alone).
- Otherwise one is needed: the equality fields, then array-contains fields (CONTAINS), then the
  order: the explicit order-by fields, then inequality fields not already ordered (ascending).
  `__name__` is never listed (every index ends with it) and equality fields drop out of the order.
- An index serves a shape when its fields are exactly that (equality fields in any order), or
  when several indexes with the same order suffix together cover the equality fields (merging).
- A collection-group query that needs no composite index needs a single-field index of
  collection-group scope on each field it uses (a fieldOverrides entry).
- A collection query that needs no composite index needs the automatic single-field index of
  each field it uses: either direction for an equality, CONTAINS for an array filter, the
  order's direction for the field it ranges or orders on. A fieldOverrides entry replaces a
  field's automatic indexes with the ones it lists, so an exemption (`"indexes": []`) leaves such
  a query unserved.
`python -m dev.query_shapes DIR [--add]` prints what is missing; --add appends missing composite
and collection-group indexes to the file, never undoing an exemption (that is a decision to
revisit by hand: drop the exemption or change the query).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

INDEXES_FILE = Path(__file__).resolve().parent.parent / "firestore.indexes.json"
Field = tuple[str, str]  # (field path, "ASCENDING" | "DESCENDING" | "CONTAINS")
ASC, DESC = "ASCENDING", "DESCENDING"


@dataclass(frozen=True)
class Shape:
    collection: str
    scope: str = "COLLECTION"
    equality: tuple[str, ...] = ()
    array: tuple[str, ...] = ()
    inequality: tuple[str, ...] = ()
    order: tuple[Field, ...] = ()

    @staticmethod
    def of(record: dict) -> Shape:
        return Shape(record["collection"], record.get("scope", "COLLECTION"),
                     tuple(sorted(record.get("equality", ()))),
                     tuple(sorted(record.get("array", ()))),
                     tuple(sorted(record.get("inequality", ()))),
                     tuple((f, d) for f, d in record.get("order", ())))

    def effective_order(self) -> tuple[Field, ...]:
        order = [(f, d) for f, d in self.order if f != "__name__" and f not in self.equality]
        ordered = {f for f, _ in order}
        order += [(f, "ASCENDING") for f in self.inequality
                  if f != "__name__" and f not in ordered]
        return tuple(order)

    def fields_used(self) -> set[str]:
        return ({*self.equality, *self.array, *self.inequality, *(f for f, _ in self.order)}
                - {"__name__"})


@dataclass(frozen=True)
class Index:
    collection: str
    scope: str
    fields: tuple[Field, ...]

    def to_json(self) -> dict:
        return {"collectionGroup": self.collection, "queryScope": self.scope,
                "fields": [{"fieldPath": f, "arrayConfig" if d == "CONTAINS" else "order": d}
                           for f, d in self.fields]}

    @staticmethod
    def of(entry: dict) -> Index:
        fields = tuple((f["fieldPath"], f.get("order") or f.get("arrayConfig") or "ASCENDING")
                       for f in entry["fields"] if f["fieldPath"] != "__name__")
        return Index(entry["collectionGroup"], entry.get("queryScope", "COLLECTION"), fields)


def required_index(shape: Shape) -> Index | None:
    """The composite index `shape` needs, or None when single-field indexes serve it."""
    order = shape.effective_order()
    if not order:
        return None  # equality / array-contains only: merged single-field indexes
    if not shape.equality and not shape.array and len(order) == 1:
        return None  # one field: its automatic single-field index, either direction
    prefix = tuple((f, "ASCENDING") for f in sorted(shape.equality) if f != "__name__")
    prefix += tuple((f, "CONTAINS") for f in sorted(shape.array))
    return Index(shape.collection, shape.scope, prefix + order)


def serves(indexes: Iterable[Index], needed: Index, order_len: int) -> bool:
    """True when one index equals `needed` or several merge into it (same order suffix)."""
    suffix = needed.fields[len(needed.fields) - order_len:]
    prefix = set(needed.fields[:len(needed.fields) - order_len])
    covered: set[Field] = set()
    for index in indexes:
        if (index.collection, index.scope) != (needed.collection, needed.scope):
            continue
        head, tail = index.fields[:len(index.fields) - order_len], index.fields[-order_len:]
        if tail == suffix and set(head) <= prefix and len(index.fields) > order_len:
            covered |= set(head)
    return covered == prefix and (bool(prefix) or needed in set(indexes))


@dataclass(frozen=True)
class SingleField:
    """A collection-scope single-field index a query needs and a fieldOverrides entry removed."""
    collection: str
    field: str
    kinds: tuple[str, ...]  # any one of these serves: ASCENDING, DESCENDING or CONTAINS

    def to_json(self) -> dict:
        return {"collectionGroup": self.collection, "fieldPath": self.field, "exempted": True,
                "needs one of": [{"arrayConfig" if k == "CONTAINS" else "order": k,
                                  "queryScope": "COLLECTION"} for k in self.kinds]}


def single_field_needs(shape: Shape) -> list[SingleField]:
    """The single-field indexes a collection query that needs no composite index runs on."""
    needs = [SingleField(shape.collection, f, (ASC, DESC)) for f in shape.equality]
    needs += [SingleField(shape.collection, f, ("CONTAINS",)) for f in shape.array]
    needs += [SingleField(shape.collection, f, (d,)) for f, d in shape.effective_order()]
    return [n for n in needs if n.field != "__name__"]


def single_field_indexes(indexes_json: dict) -> dict[tuple[str, str], set[str]]:
    """(collection, field) -> the collection-scope single-field indexes a fieldOverrides entry
    leaves it; a field without an entry keeps the automatic ones (not listed here)."""
    kept: dict[tuple[str, str], set[str]] = {}
    for entry in indexes_json.get("fieldOverrides", []):
        kinds = kept.setdefault((entry["collectionGroup"], entry["fieldPath"]), set())
        kinds |= {i.get("order") or i.get("arrayConfig") for i in entry.get("indexes", [])
                  if i.get("queryScope", "COLLECTION") == "COLLECTION"}
    return kept


def missing(shapes: Iterable[Shape],
            indexes_json: dict) -> list[tuple[Shape, Index | SingleField | dict]]:
    """(shape, what it lacks): a composite Index, an exempted SingleField, or a collection-group
    fieldOverrides entry."""
    indexes = [Index.of(entry) for entry in indexes_json.get("indexes", [])]
    overrides = {(o["collectionGroup"], o["fieldPath"]) for o in indexes_json.get(
        "fieldOverrides", []) if any(i.get("queryScope") == "COLLECTION_GROUP"
                                     for i in o.get("indexes", []))}
    kept = single_field_indexes(indexes_json)
    lacking: list[tuple[Shape, Index | SingleField | dict]] = []
    for shape in sorted(set(shapes), key=repr):
        needed = required_index(shape)
        if needed is not None:
            if not serves(indexes, needed, len(shape.effective_order())):
                lacking.append((shape, needed))
        elif shape.scope == "COLLECTION_GROUP":
            lacking += [(shape, _group_override(shape.collection, f))
                        for f in sorted(shape.fields_used()) if (shape.collection, f)
                        not in overrides]
        else:
            lacking += [(shape, need) for need in single_field_needs(shape)
                        if (need.collection, need.field) in kept
                        and not kept[need.collection, need.field] & set(need.kinds)]
    return lacking


def _group_override(collection: str, field: str) -> dict:
    """Group-scoped indexes on `field`, keeping its automatic collection-scope ones (an override
    replaces them all: without them the field would be exempt in collection queries)."""
    return {"collectionGroup": collection, "fieldPath": field, "indexes": [
        {"order": ASC, "queryScope": "COLLECTION"},
        {"order": DESC, "queryScope": "COLLECTION"},
        {"arrayConfig": "CONTAINS", "queryScope": "COLLECTION"},
        {"order": ASC, "queryScope": "COLLECTION_GROUP"},
        {"order": DESC, "queryScope": "COLLECTION_GROUP"}]}


def load_shapes(folder: Path) -> dict[Shape, str]:
    """Every shape recorded in `folder`, with one place in the code that ran it."""
    shapes: dict[Shape, str] = {}
    for path in sorted(folder.glob("queries-*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                record = json.loads(line)
                shapes.setdefault(Shape.of(record), record.get("site", "?"))
    return shapes


def report(folder: Path, indexes_file: Path = INDEXES_FILE) -> str | None:
    """A readable list of what firestore.indexes.json lacks for the recorded shapes; None if
    nothing is missing."""
    shapes = load_shapes(folder)
    lacking = missing(shapes, json.loads(indexes_file.read_text()))
    if not lacking:
        return None
    lines = [f"firestore.indexes.json lacks {len(lacking)} index(es) that recorded queries need "
             f"({len(shapes)} query shapes; `python -m dev.query_shapes {folder} --add`):"]
    for shape, needed in lacking:
        entry = needed if isinstance(needed, dict) else needed.to_json()
        lines.append(f"- {shapes[shape]}: {json.dumps(entry)}")
    return "\n".join(lines)


def add_missing(folder: Path, indexes_file: Path = INDEXES_FILE) -> int:
    data = json.loads(indexes_file.read_text())
    added = 0
    overridden = set(single_field_indexes(data))
    for _, needed in missing(load_shapes(folder), data):
        if isinstance(needed, SingleField) or (isinstance(needed, dict) and (
                needed["collectionGroup"], needed["fieldPath"]) in overridden):
            continue  # an exemption is a decision: report it, never undo it here
        key, entry = (("indexes", needed.to_json()) if isinstance(needed, Index)
                      else ("fieldOverrides", needed))
        if entry not in data.setdefault(key, []):
            data[key].append(entry)
            added += 1
    indexes_file.write_text(json.dumps(data, indent=2) + "\n")
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dev.query_shapes")
    parser.add_argument("folder", type=Path, help="where MINTBOOK_RECORD_QUERIES recorded")
    parser.add_argument("--add", action="store_true", help="append what is missing to the file")
    args = parser.parse_args(argv)
    if args.add:
        print(f"added {add_missing(args.folder)} entries to {INDEXES_FILE.name}")
        return 0
    text = report(args.folder)
    print(text or f"every recorded query shape has its index ({INDEXES_FILE.name})")
    return 1 if text else 0


if __name__ == "__main__":
    sys.exit(main())
