"""The rules matrix covers every collection Mintbook has: each one the server code names and each
one firestore.rules matches. A new collection without a matrix row fails here, by name.

The code's collections come from a scan of shared/ and functions/ (no emulator, no imports):
- names given to `collection(...)`, `store.ref(...)` and `page(...)`: a string literal, or an
  UPPERCASE module-level string constant, resolved in its own module or through the module it
  is imported from (`from shared.store.ledger import TRANSFERS`, `store.FILLS`);
- document paths built as f-strings that open with such a constant (`f"{STRIPE_EVENTS}/{id}"`),
  which is also how subcollections appear: `f"{SETTLEMENTS}/{market_id}/{STEPS}/{n:05d}"` is
  "market_settlements/entries", the matrix's name for it.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.rules.test_rules_matrix import ALLOWED, TARGETS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("shared", "functions")
NAMING_CALLS = {"collection", "ref", "page"}  # calls whose string arguments name a collection
CONSTANT_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _string_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level `NAME = "x"` and `A, B = "x", "y"`, UPPERCASE names only."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            pairs = (zip(target.elts, value.elts) if isinstance(target, ast.Tuple)
                     and isinstance(value, ast.Tuple) else [(target, value)])
            for name, item in pairs:
                if (isinstance(name, ast.Name) and CONSTANT_NAME.fullmatch(name.id)
                        and isinstance(item, ast.Constant) and isinstance(item.value, str)):
                    found[name.id] = item.value
    return found


class _Module:
    def __init__(self, name: str, tree: ast.Module, is_package: bool) -> None:
        self.name, self.tree = name, tree
        self.constants = _string_constants(tree)
        self.imported: dict[str, tuple[str, str]] = {}  # local name -> (module, name)
        self.modules: dict[str, str] = {}                # local alias -> module
        package = name if is_package else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                for alias in node.names:
                    self.imported[alias.asname or alias.name] = (base, alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.modules[alias.asname] = alias.name


def _load() -> dict[str, _Module]:
    modules: dict[str, _Module] = {}
    for source in SOURCES:
        for path in sorted((ROOT / source).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            module = _Module(_module_name(path), tree, path.name == "__init__.py")
            modules[module.name] = module
            if source == "functions":  # Cloud Functions imports them from functions/ itself
                modules.setdefault(module.name.removeprefix("functions."), module)
    return modules


def _resolve(node: ast.AST, module: _Module, modules: dict[str, _Module]) -> str | None:
    """The string an argument stands for, when it is a literal or a known constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and CONSTANT_NAME.fullmatch(node.id):
        if node.id in module.constants:
            return module.constants[node.id]
        origin, name = module.imported.get(node.id, ("", ""))
        return modules[origin].constants.get(name) if origin in modules else None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        alias = node.value.id
        origin = module.modules.get(alias) or ".".join(module.imported.get(alias, ("", "")))
        return modules[origin].constants.get(node.attr) if origin in modules else None
    return None


def _f_string_collection(node: ast.JoinedStr, module: _Module,
                         modules: dict[str, _Module]) -> str | None:
    """The collection of a document path f"{A}/{x}/{B}/{y}" ("a/b"), when it opens with a
    constant; None for any other f-string."""
    first = node.values[0] if node.values else None
    if not (isinstance(first, ast.FormattedValue) and _resolve(first.value, module, modules)):
        return None
    text = ""
    for part in node.values:
        if isinstance(part, ast.Constant):
            text += str(part.value)
        else:
            text += _resolve(part.value, module, modules) or "{}"
    segments = text.split("/")
    if len(segments) < 2 or len(segments) % 2:
        return None
    return "/".join(segments[0::2])


def collections_in_code() -> dict[str, str]:
    """Every collection the code names -> where it first does (for the failure message)."""
    modules = _load()
    found: dict[str, str] = {}
    for module in {id(m): m for m in modules.values()}.values():
        for node in ast.walk(module.tree):
            names: list[str] = []
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in NAMING_CALLS:
                    names = [n for n in (_resolve(a, module, modules) for a in node.args) if n]
            elif isinstance(node, ast.JoinedStr):
                names = [n for n in [_f_string_collection(node, module, modules)] if n]
            for name in names:
                found.setdefault(name, f"{module.name}:{node.lineno}")
    return found


def collections_in_rules() -> set[str]:
    """Every `match /c/{id}` of firestore.rules, nested ones joined: "market_settlements/entries"."""
    found: set[str] = set()
    stack: list[tuple[int, str]] = []  # (brace depth the block opened at, collection path)
    depth = 0
    for line in (ROOT / "firestore.rules").read_text().splitlines():
        code = line.split("//", 1)[0]
        match = re.search(r"\bmatch\s+(/\S+)\s*\{", code)
        if match and not match.group(1).startswith("/databases/"):
            own = "/".join(s for s in match.group(1).strip("/").split("/")[0::2])
            parent = stack[-1][1] if stack else ""
            path = f"{parent}/{own}" if parent else own
            found.add(path)
            stack.append((depth, path))
        depth += code.count("{") - code.count("}")
        while stack and depth <= stack[-1][0]:
            stack.pop()
    return found


def test_the_scan_sees_each_way_the_code_names_a_collection():
    # given the code as it is, the scan finds a collection named in each of the ways it knows:
    # a tuple of store constants, a service's own constant, an imported module's constant, an
    # f-string path and a subcollection (no bare literal is left in the code to show)
    found = collections_in_code()
    assert {"accounts", "settlement_batches", "fills", "stripe_events",
            "market_settlements/entries", "wallet_nonces_used", "rate_limits"} <= found.keys()
    assert "entries" not in found


def test_every_collection_the_code_names_has_a_matrix_row():
    missing = {name: where for name, where in collections_in_code().items()
               if name not in TARGETS}
    assert not missing, f"collections with no row in the rules matrix: {missing}"


def test_every_collection_firestore_rules_matches_has_a_matrix_row():
    rules = collections_in_rules()
    assert {"users", "swap_offers", "market_settlements/entries"} <= rules  # the parse works
    missing = sorted(rules - TARGETS.keys())
    assert not missing, f"collections firestore.rules matches with no matrix row: {missing}"


def test_every_matrix_row_is_a_collection_of_the_code_or_the_rules():
    stale = sorted(TARGETS.keys() - collections_in_code().keys() - collections_in_rules())
    assert not stale, f"matrix rows for collections nothing names: {stale}"


def test_server_only_collections_are_closed_to_every_caller():
    # a collection with no match in firestore.rules is the server's alone: its row must say so
    rules = collections_in_rules()
    open_rows = {name: row for name, row in ALLOWED.items()
                 if name not in rules and any(row)}
    assert not open_rows, f"unmatched collections the matrix expects clients to read: {open_rows}"
