"""Request bodies as every endpoint takes them: JSON, strictly.

Guarantees:
- A request that carries a body (a Content-Length above zero, or a chunked Transfer-Encoding:
  werkzeug reads nothing else) declares `application/json`, with no charset or `utf-8`; anything
  else is `415 unsupported_media_type` before the body is read. A request without a body needs no
  Content-Type.
- `parse_object` accepts exactly one JSON object in UTF-8 (RFC 8259) and answers `400
  invalid_json` saying what is wrong otherwise: bytes that are not UTF-8, invalid syntax, NaN or
  Infinity, a key repeated in one object, a lone UTF-16 surrogate escape (`"\\ud800"`), nesting
  too deep for the parser, or a value that is not an object.
"""
from __future__ import annotations

import json
import re
from typing import Any

from flask import Request

from shared.domain.errors import InvalidInput, UnsupportedMediaType

# A lone surrogate can only arrive as a \uD800-\uDFFF escape (strict UTF-8 decoding refuses
# encoded ones, and json joins a valid pair into one character), so a body without such an
# escape skips the walk that finds one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def has_body(request: Request) -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", "").lower()


def require_json(request: Request) -> None:
    # JSON has no charset parameter (RFC 8259 is UTF-8 only); one naming UTF-8 is tolerated
    # because Stripe and many HTTP clients send `application/json; charset=utf-8`.
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if request.mimetype != "application/json" or charset != "utf-8":
        sent = request.headers.get("Content-Type") or "none"
        raise UnsupportedMediaType("a body must be sent as 'application/json' in UTF-8 "
                                   f"(Content-Type was {sent!r})", field="Content-Type")


def parse_object(raw: bytes) -> dict:
    """The JSON object `raw` holds; an empty body is an empty object."""
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _invalid(f"the body is not valid UTF-8 (byte {err.start})") from None
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except _StrictJsonError as err:
        raise _invalid(str(err)) from None
    except RecursionError:
        raise _invalid("the body nests too deeply") from None
    except ValueError as err:  # json.JSONDecodeError, or an integer of over 4,300 digits
        raise _invalid(f"the body is not valid JSON: {err}") from None
    if not isinstance(value, dict):
        raise _invalid("the body must be a JSON object")
    if _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(value, "")
    return value


class _StrictJsonError(ValueError):
    """Raised from inside json.loads by the hooks below (it propagates unwrapped)."""


def _invalid(message: str, field: str = "body") -> InvalidInput:
    return InvalidInput(message, field=field, code="invalid_json")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    # Parsers disagree on which duplicate wins (Python's json the last, others the first), so a
    # body with one could mean one thing to a proxy or a client's signature and another here.
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _StrictJsonError(f"the body repeats the key {key!r} in one object")
            seen.add(key)
    return value


def _no_constant(name: str) -> Any:
    raise _StrictJsonError(f"the body is not valid JSON: {name} is not a JSON number")


def _refuse_lone_surrogates(value: Any, path: str) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise _invalid(f"the body has a lone UTF-16 surrogate escape "
                           f"(\\u{ord(value[err.start]):04x}) in a string; a surrogate escape "
                           f"must be a high one (\\ud800-\\udbff) followed by a low one "
                           f"(\\udc00-\\udfff)", path or "body") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_lone_surrogates(key, path or "body")
            _refuse_lone_surrogates(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_lone_surrogates(item, f"{path}.{index}" if path else str(index))
