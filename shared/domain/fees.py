"""Service fees: the price table of each service, with validity windows.

Pure. Guarantees:
- A service price applies from `valid_from` (inclusive) to `valid_until` (exclusive, open when
  None); where windows overlap, the one that started last is in force. No window, no price.
- A service type is 2-40 lower-case letters, digits or '_', starting with a letter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shared.domain.errors import InvalidInput, Rejected

SERVICE_TYPE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

@dataclass(frozen=True)
class ServicePrice:
    service_type: str
    asset: str
    amount: int
    valid_from: datetime
    valid_until: datetime | None = None

    def __post_init__(self) -> None:
        require_service_type(self.service_type)
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise InvalidInput("valid_until must be after valid_from", field="valid_until",
                               code="invalid_window")

    def in_force(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)


def require_service_type(value: str) -> str:
    if not SERVICE_TYPE.match(value):
        raise InvalidInput("service types are 2-40 lower-case letters, digits or '_'",
                           field="service_type", code="invalid_service_type")
    return value


def price_in_force(prices: list[ServicePrice], at: datetime) -> ServicePrice:
    live = [p for p in prices if p.in_force(at)]
    if not live:
        raise Rejected("no price is in force for this service now", field="service_type",
                       code="no_price_in_force")
    return max(live, key=lambda p: p.valid_from)
