"""Read budgets: what the manifest promises a call or run of a function reads, evaluated.

A budget (functions/manifest.py READS) is a small arithmetic expression: integers, `+`, `*`,
and names. `limit` is the page size the call got (its `limit`, else its query's default, else
20: bench/scale.py page_size); any other name is a data size the function is allowed to grow
with (`changed`: documents changed since a job's checkpoint; `levels`: price levels asked for;
`markets`: open markets; `assets`: assets), and bench.scale gives it its value per size.
A budget that names only `limit` and constants is flat: its reads must not grow with the data.
"""
from __future__ import annotations

import ast
from typing import Mapping

DEFAULT_LIMIT = 20
PAGE_NAMES = frozenset({"limit"})


def names(expression: str) -> frozenset[str]:
    return frozenset(n.id for n in ast.walk(ast.parse(expression, mode="eval"))
                     if isinstance(n, ast.Name))


def is_flat(expression: str) -> bool:
    """True when the budget names no data size: its reads must be the same at any size."""
    return names(expression) <= PAGE_NAMES


def evaluate(expression: str, values: Mapping[str, int]) -> int:
    """The budget's value; a name without a value is an error (KeyError)."""
    def walk(node: ast.AST) -> int:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name):
            return int(values[node.id])
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
            left, right = walk(node.left), walk(node.right)
            return left + right if isinstance(node.op, ast.Add) else left * right
        raise ValueError(f"not a budget expression: {ast.unparse(node)}")

    return walk(ast.parse(expression, mode="eval"))
