"""The JSON envelope every HTTP function answers with.

Shape: {"success": bool, "data": ..., "errors": [{"code", "field", "message"}]}. CORS headers are
added here for the configured origins only.
"""
from __future__ import annotations

import json

from flask import Request, Response

from shared.config import settings

ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-Id"


def respond(status: int, *, data: object = None, errors: list[dict] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body = {"success": status < 400, "data": data, "errors": errors or []}
    response = Response(json.dumps(body, default=str), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def add_cors(request: Request, response: Response, methods: str) -> Response:
    origin = request.headers.get("Origin")
    if origin and origin in settings().cors_origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
        response.headers["Access-Control-Allow-Methods"] = f"{methods}, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "3600"
    return response
