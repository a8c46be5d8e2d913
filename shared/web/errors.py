"""The one place that maps domain errors to HTTP status codes.

Unknown exceptions are bugs: they are logged with their traceback and answer a generic 500 that
leaks nothing. Everything a client can cause maps to a 4xx; contention maps to 503.
"""
from __future__ import annotations

from pydantic import ValidationError

from shared.domain import errors as e

# Checked in order, so subclasses come before their families.
STATUS: tuple[tuple[type[e.MintbookError], int], ...] = (
    (e.MethodNotAllowed, 405),
    (e.PayloadTooLarge, 413),
    (e.UnsupportedMediaType, 415),
    (e.InvalidInput, 400),
    (e.Unauthenticated, 401),
    (e.Forbidden, 403),
    (e.NotFound, 404),
    (e.Conflict, 409),
    (e.Rejected, 422),
    (e.RateLimited, 429),
    (e.Unavailable, 503),
    (e.Failed, 500),
)

PYDANTIC_CODES = {"missing": "missing_field", "extra_forbidden": "unknown_field"}


def status_for(error: e.MintbookError) -> int:
    for family, status in STATUS:
        if isinstance(error, family):
            return status
    return 400


def describe(error: e.MintbookError) -> dict:
    item = {"code": error.code, "field": error.field, "message": error.message}
    if error.details:
        item["details"] = error.details
    return item


def describe_validation(error: ValidationError, where: str = "") -> list[dict]:
    out = []
    for item in error.errors(include_url=False):
        field = ".".join(str(part) for part in item["loc"]) or where or None
        out.append({"code": PYDANTIC_CODES.get(item["type"], "invalid_input"),
                    "field": field, "message": item["msg"]})
    return out
