"""Every error code Mintbook can answer is documented: in the README's error table and in the
OpenAPI document, with the status it answers, and with the body limits.

The codes are found by reading the source under shared/ and functions/, not by importing it: the
`code = "..."` class attributes of domain errors, the `code=` arguments of calls that build a
domain error (both branches of a conditional; an f-string is expanded by DYNAMIC below, and any
other expression fails the test, since nobody could document it), the `{"code": "..."}` error
items answered directly (the 500 `internal`), and the codes pydantic failures map to. A domain
error's status is its family's in shared/web/errors.py, read from the class hierarchy.
"""
from __future__ import annotations

import ast
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from shared.web.error_codes import CODES
from shared.web.errors import PYDANTIC_CODES, STATUS

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
OPENAPI = ROOT / "functions" / "openapi.json"
BASE = "MintbookError"
FAMILIES = {cls.__name__: status for cls, status in STATUS}
# f-string codes and every value their placeholder takes where they are raised.
DYNAMIC = {
    "market_{}": ("suspended", "closed", "resolved", "cancelled"),  # Market.require_accepting
    "market_already_{}": ("resolved", "cancelled"),  # resolution: a market settles once
}
# The edges every endpoint has, which the scan must find (they once went undocumented).
EDGE_CODES = {"invalid_idempotency_key", "payload_too_large", "method_not_allowed",
              "unsupported_media_type", "invalid_json", "token_expired"}


def sources() -> dict[Path, ast.Module]:
    files = [p for d in ("shared", "functions") for p in (ROOT / d).rglob("*.py")]
    return {p: ast.parse(p.read_text(), str(p)) for p in sorted(files)}


def class_bases(trees: dict[Path, ast.Module]) -> dict[str, list[str]]:
    bases: dict[str, list[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = [_name(b) for b in node.bases]
    return bases


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # e.Conflict, errors.NotFound
        return node.attr
    return ""


def status_of(cls: str, bases: dict[str, list[str]]) -> int | None:
    """The status of a domain error class (None for a class that is not one)."""
    if cls in FAMILIES:
        return FAMILIES[cls]
    if cls == BASE:
        return 400  # status_for's fallback
    for base in bases.get(cls, []):
        if base and base != cls and (status := status_of(base, bases)) is not None:
            return status
    return None


def code_values(node: ast.expr, where: str) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return code_values(node.body, where) + code_values(node.orelse, where)
    if isinstance(node, ast.JoinedStr):
        template = "".join(part.value if isinstance(part, ast.Constant) else "{}"
                           for part in node.values)
        assert template in DYNAMIC, (f"{where}: the code {ast.unparse(node)} is built at run "
                                     f"time; list what it can be in DYNAMIC ({template!r})")
        return [template.format(value) for value in DYNAMIC[template]]
    raise AssertionError(f"{where}: cannot tell which code {ast.unparse(node)} is; "
                         "pass a literal (or an f-string listed in DYNAMIC)")


def raised_codes() -> dict[str, set[int | None]]:
    """code -> the statuses it is raised with (None: answered directly, status not read)."""
    trees = sources()
    bases = class_bases(trees)
    found: dict[str, set[int | None]] = defaultdict(set)
    for path, tree in trees.items():
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.ClassDef) and (status := status_of(node.name, bases)):
                for item in node.body:
                    if isinstance(item, ast.Assign) and any(
                            isinstance(t, ast.Name) and t.id == "code" for t in item.targets):
                        for code in code_values(item.value, where):
                            found[code].add(status)
            elif isinstance(node, ast.Call) and (status := status_of(_name(node.func), bases)):
                for keyword in node.keywords:
                    if keyword.arg == "code":
                        for code in code_values(keyword.value, where):
                            found[code].add(status)
            elif isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values):
                    if (isinstance(k, ast.Constant) and k.value == "code"
                            and isinstance(v, ast.Constant) and isinstance(v.value, str)):
                        found[v.value].add(None)
    for code in {*PYDANTIC_CODES.values(), "invalid_input"}:
        found[code].add(400)
    return dict(found)


@pytest.fixture(scope="module")
def raised() -> dict[str, set[int | None]]:
    return raised_codes()


def readme_table() -> dict[str, set[int]]:
    text = README.read_text()
    block = text.split("<!-- error-codes:start -->", 1)[1].split("<!-- error-codes:end -->", 1)[0]
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| ([0-9, ]+) \|", block, re.M)
    return {code: {int(s) for s in statuses.split(",")} for code, statuses in rows}


def openapi() -> dict:
    return json.loads(OPENAPI.read_text())


def test_the_scan_finds_the_codes_of_every_endpoints_edges(raised):
    assert EDGE_CODES <= set(raised), sorted(EDGE_CODES - set(raised))
    assert {"internal", "missing_field", "unknown_field", "market_already_resolved"} <= set(raised)


def test_every_raised_code_is_in_the_readme_error_table_with_its_status(raised):
    table = readme_table()
    missing = sorted(set(raised) - set(table))
    assert not missing, f"add to shared/web/error_codes.py, run `python -m dev.openapi`: {missing}"
    wrong = {code: (sorted(table[code]), sorted(s for s in statuses if s))
             for code, statuses in raised.items() if not {s for s in statuses if s} <= table[code]}
    assert not wrong, f"README status vs the status raised: {wrong}"


def test_every_raised_code_is_in_the_openapi_document(raised):
    doc = openapi()
    enum = set(doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"])
    described = doc["x-error-codes"]
    assert not sorted(set(raised) - enum), "run `python -m dev.openapi`"
    assert not sorted(set(raised) - set(described)), "run `python -m dev.openapi`"
    for code, statuses in raised.items():
        assert {s for s in statuses if s} <= set(described[code]["statuses"]), code
        assert described[code]["description"], code


def test_every_documented_code_is_still_raised_with_the_status_it_documents(raised):
    stale = sorted(set(CODES) - set(raised))
    assert not stale, f"no longer raised: remove from shared/web/error_codes.py: {stale}"
    for code, c in CODES.items():
        known = {s for s in raised[code] if s}
        assert not known or set(c.statuses) == known, (code, c.statuses, known)


def test_every_code_an_endpoint_declares_is_a_documented_one():
    from manifest import FUNCTIONS

    from shared.web.openapi import specs

    unknown = {s.name: sorted(set(s.errors) - set(CODES)) for s in specs(FUNCTIONS)
               if set(s.errors) - set(CODES)}
    assert not unknown, unknown


def test_the_body_limits_are_documented_in_the_readme_and_the_openapi_document():
    from manifest import FUNCTIONS

    from shared.config import Settings
    from shared.web.openapi import specs

    default = Settings().max_body_bytes
    limits = {s.name: s.max_body_bytes or default for s in specs(FUNCTIONS)}
    assert default == 64 * 1024 and limits["stripe_webhook"] == 512 * 1024
    for path, item in openapi()["paths"].items():
        (operation,) = item.values()
        limit = limits[path.lstrip("/")]
        assert operation["x-max-body-bytes"] == limit, path
        assert f"{limit} bytes" in operation["responses"]["413"]["description"], path
        assert "unsupported_media_type" in operation["responses"]["415"]["description"], path
    readme = README.read_text()
    line = next(line for line in readme.splitlines() if line.startswith("Body limits:"))
    assert "64 KiB (65,536 bytes) for every function" in line
    assert "`stripe_webhook` 512 KiB (524,288 bytes)" in line
    assert "At most 64 KiB (the\n  Stripe webhook takes 512 KiB" in readme
