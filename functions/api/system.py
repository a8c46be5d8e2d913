"""Liveness, readiness and the API description."""
from __future__ import annotations

import json
from pathlib import Path

from shared.web.endpoint import Context, endpoint
from shared.services import readiness
from shared.web.schemas.system import Health, Readiness

OPENAPI_FILE = Path(__file__).resolve().parent.parent / "openapi.json"


# health and openapi touch no Firestore: a per-IP counter would be their only Firestore write.
@endpoint("health", auth=None, response=Health, rate_limit=None, summary="Liveness: answers without touching Firestore")
def health(ctx: Context, _: None) -> dict:
    return {"status": "ok", "service": "mintbook"}


# Not rate limited: load balancers probe it often from shared addresses, and it reads Firestore
# at most once a second per instance whoever calls (services/readiness.py).
@endpoint("ready", auth=None, response=Readiness, errors=("not_ready",), rate_limit=None,
          summary="Readiness: 200 when this instance reaches Firestore, else 503 not_ready")
def ready(ctx: Context, _: None) -> dict:
    return readiness.check()


@endpoint("openapi", auth=None, rate_limit=None,
          summary="The OpenAPI document of every HTTP function")
def openapi(ctx: Context, _: None) -> dict:
    return json.loads(OPENAPI_FILE.read_text())
