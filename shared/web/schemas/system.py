"""Responses of the system functions: health."""

from shared.web.schemas.common import View


class Health(View):
    status: str
    service: str
