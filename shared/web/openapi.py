"""The OpenAPI 3.1 document of every HTTP function, generated from the endpoint specs.

Each function is one path, `/<name>`, with one method. Bodies, query parameters and the `data` of
each answer come from the endpoint's pydantic models; every answer is the JSON envelope. Every
error code (shared/web/error_codes.py) is in the `Error` schema's `code` enum and, with its
statuses and meaning, in the document's `x-error-codes`; each operation states its body limit in
`x-max-body-bytes` and in its 413 answer.
"""
from __future__ import annotations

from importlib import import_module
from typing import Iterable

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.config import Settings
from shared.web.endpoint import Spec
from shared.web.error_codes import CODES
from shared.web.errors import STATUS

REF = "#/components/schemas/{model}"
ERROR_STATUSES = sorted({status for _, status in STATUS} | {500})
DEFAULT_BODY_LIMIT = Settings().max_body_bytes  # the default, not this process's environment
DESCRIPTION = ("Every function is one path with one method and answers the envelope "
               "`{{success, data, errors}}`. A request with a body sends it as `application/json` "
               "in UTF-8 (`415 unsupported_media_type` otherwise) and within the operation's "
               "`x-max-body-bytes` (`413 payload_too_large`): {limit} bytes ({kib} KiB), except "
               "where an operation says otherwise. Every `errors[].code`, with its statuses and "
               "meaning, is in `x-error-codes`.")


def specs(functions: Iterable) -> list[Spec]:
    out = []
    for function in functions:
        if function.kind != "http":
            continue
        module, attribute = function.target.split(":")
        out.append(getattr(import_module(module), attribute).spec)
    return out


def build(all_specs: list[Spec], *, title: str = "Mintbook", version: str = "1.0.0") -> dict:
    models = {m for s in all_specs for m in (s.body, s.query, s.response) if m is not None}
    keyed = sorted(((m, "validation" if _is_request(m, all_specs) else "serialization")
                    for m in models), key=lambda pair: pair[0].__name__)
    refs, schema = models_json_schema(keyed, ref_template=REF)
    components = dict(schema.get("$defs", {}))
    components.update(_envelope_schemas())
    paths = {f"/{s.name}": {s.method.lower(): _operation(s, refs)} for s in all_specs}
    description = DESCRIPTION.format(limit=DEFAULT_BODY_LIMIT, kib=DEFAULT_BODY_LIMIT // 1024)
    return {"openapi": "3.1.0",
            "info": {"title": title, "version": version, "description": description},
            "x-error-codes": {code: {"statuses": list(c.statuses), "description": c.meaning}
                              for code, c in sorted(CODES.items())},
            "paths": dict(sorted(paths.items())),
            "components": {"schemas": dict(sorted(components.items())),
                           "securitySchemes": {"firebaseIdToken": {
                               "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                               "description": "A Firebase Auth ID token"}}}}


def _is_request(model: type[BaseModel], all_specs: list[Spec]) -> bool:
    return any(model in (s.body, s.query) for s in all_specs)


def _operation(spec: Spec, refs: dict) -> dict:
    op: dict = {"operationId": spec.name, "summary": spec.summary or spec.name, "parameters": []}
    if spec.auth is not None:
        op["security"] = [{"firebaseIdToken": []}]
        op["description"] = f"Requires a signed-in user with role {spec.auth.value} or above."
    if spec.needs_key:
        op["parameters"].append({"name": "Idempotency-Key", "in": "header", "required": True,
                                 "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                                 "description": "A replay with the same key returns the first answer"})
    if spec.query is not None:
        op["parameters"] += _query_parameters(spec.query)
    if spec.body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": refs[(spec.body, "validation")]}}}
    data = refs[(spec.response, "serialization")] if spec.response else {}
    ok = {"description": "Success", "content": {"application/json": {"schema": {
        "type": "object", "required": ["success", "data", "errors"],
        "properties": {"success": {"const": True}, "data": data,
                       "errors": {"type": "array", "maxItems": 0}}}}}}
    op["responses"] = {str(spec.status): ok}
    limit = body_limit(spec)
    notes = {413: f"Failure: the body is over {limit} bytes ({limit // 1024} KiB): "
                  "payload_too_large",
             415: "Failure: a body not sent as application/json in UTF-8: unsupported_media_type"}
    for status in ERROR_STATUSES:
        op["responses"][str(status)] = {"description": notes.get(status,
                                                                 "Failure; see errors[].code"),
                                        "content": {"application/json": {
                                            "schema": {"$ref": REF.format(model="ErrorEnvelope")}}}}
    op["x-max-body-bytes"] = limit
    if not op["parameters"]:
        del op["parameters"]
    return op


def body_limit(spec: Spec) -> int:
    return spec.max_body_bytes or DEFAULT_BODY_LIMIT


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF, mode="validation")
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema.get("properties", {}).items()]


def _envelope_schemas() -> dict:
    error = {"type": "object", "required": ["code", "field", "message"],
             "properties": {"code": {"type": "string", "enum": sorted(CODES),
                                     "description": "Stable snake_case code; its statuses and "
                                                    "meaning are in x-error-codes"},
                            "field": {"type": ["string", "null"]},
                            "message": {"type": "string"}, "details": {"type": "object"}}}
    envelope = {"type": "object", "required": ["success", "data", "errors"],
                "properties": {"success": {"const": False}, "data": {"type": "null"},
                               "errors": {"type": "array", "minItems": 1,
                                          "items": {"$ref": REF.format(model="Error")}}}}
    return {"Error": error, "ErrorEnvelope": envelope}
