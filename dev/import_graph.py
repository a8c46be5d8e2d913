"""Which of our own modules a module may import: a static walk of the source, no import runs.

Imports inside functions count too (a lazy `import stripe` in a function still runs when that
function is called), so the answer is an over-approximation of what a call can reach: deploy
uses it to give a function the Stripe secrets whenever its code can reach the Stripe client.
Modules are looked up as Cloud Functions sees them: functions/ first, then the repository root.
"""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

from dev.server import FUNCTIONS_DIR, REPO_ROOT


def imports_of(module: str) -> set[str]:
    """Every local module `module` may import, lazy imports inside functions included."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name not in seen and _module_file(name) is not None:
            seen.add(name)
            todo += _direct_imports(name)
    return seen


@lru_cache(maxsize=None)
def _direct_imports(module: str) -> tuple[str, ...]:
    path = _module_file(module)
    assert path is not None
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            names += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return tuple(names)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    base = ".".join(parts[:len(parts) - node.level + 1])
    return f"{base}.{node.module}" if node.module else base


@lru_cache(maxsize=None)
def _module_file(module: str) -> Path | None:
    for root in (FUNCTIONS_DIR, REPO_ROOT):
        base = root.joinpath(*module.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if module and candidate.is_file():
                return candidate
    return None
