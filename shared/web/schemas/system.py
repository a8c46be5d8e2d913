"""Responses of the system functions: health and readiness."""

from shared.web.schemas.common import View


class Health(View):
    status: str
    service: str


class Readiness(View):
    status: str
    firestore_ms: float
