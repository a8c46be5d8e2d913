"""Service fees: the price table of each service, with validity windows.

Pure. Guarantees:
- A service price applies from `valid_from` (inclusive) to `valid_until` (exclusive, open when
  None); where windows overlap, the one that started last is in force. No window, no price.
- A service type is 2-40 lower-case letters, digits or '_', starting with a letter.
- Default prices (DEFAULT_PRICES, in whole platform tokens) are windows open since DEFAULT_FROM:
  in force until an admin sets a later window, and edited by setting the same window
  (same service type and valid_from), which replaces the default.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from shared.domain.errors import InvalidInput, Rejected

SERVICE_TYPE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
DEFAULT_PRICES = {"search": Decimal("0.1"), "goal": Decimal("1.0"), "analysis": Decimal("0.5"),
                  "notification": Decimal("0.05")}  # of the platform token
DEFAULT_FROM = datetime(2000, 1, 1, tzinfo=timezone.utc)

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


def default_prices(platform_asset: str, decimals: int) -> list[ServicePrice]:
    """The default table in the platform asset's smallest units (at least 1 unit each)."""
    return [ServicePrice(service_type, platform_asset,
                         max(1, math.ceil(tokens * 10 ** decimals)), DEFAULT_FROM)
            for service_type, tokens in DEFAULT_PRICES.items()]
