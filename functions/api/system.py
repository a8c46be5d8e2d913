"""Health and the API description."""
from __future__ import annotations

import json
from pathlib import Path

from shared.web.endpoint import Context, endpoint
from shared.web.schemas.system import Health

OPENAPI_FILE = Path(__file__).resolve().parent.parent / "openapi.json"


# Neither touches Firestore: a per-IP counter would be the only Firestore write they make.
@endpoint("health", auth=None, response=Health, rate_limit=None, summary="Liveness: answers without touching Firestore")
def health(ctx: Context, _: None) -> dict:
    return {"status": "ok", "service": "mintbook"}


@endpoint("openapi", auth=None, rate_limit=None, summary="The OpenAPI document of every HTTP function")
def openapi(ctx: Context, _: None) -> dict:
    return json.loads(OPENAPI_FILE.read_text())
