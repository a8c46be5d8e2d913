"""Prices: the service fee table, market prices of assets, and conversion rates between assets.

Pure. Guarantees:
- A service price applies from `valid_from` (inclusive) to `valid_until` (exclusive, open when
  None); where windows overlap, the one that started last is in force. No window, no price.
- A market price is an integer per WHOLE token (10**decimals smallest units) in a quote
  currency's fixed minor units: USD in 1e-8 and BTC in 1e-12, fine enough for tokens worth a
  fraction of a cent while staying below 2**53.
- A conversion rate is an exact fraction in lowest terms: smallest units of the quote asset per
  smallest unit of the base asset. It is derived from two prices in one currency with integer
  math only, and converting an amount rounds down (the platform never pays out more).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from math import gcd
from typing import NamedTuple

from shared.domain.errors import InvalidInput, Rejected
from shared.domain.money import MAX_AMOUNT

SERVICE_TYPE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
CURRENCY_DECIMALS = {"USD": 8, "BTC": 12}


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


class Rate(NamedTuple):
    """Smallest units of `quote` per smallest unit of `base`, as numerator / denominator."""

    base: str
    quote: str
    numerator: int
    denominator: int

    def convert(self, amount: int) -> int:
        return amount * self.numerator // self.denominator


def conversion_rate(base: str, base_decimals: int, base_price: int, quote: str,
                    quote_decimals: int, quote_price: int) -> Rate:
    """Rate from two prices per whole token in the same currency.

    base smallest unit = base_price / 10**base_decimals currency units; dividing by the quote's
    price per smallest unit gives base_price * 10**quote_decimals / (quote_price * 10**base_decimals).
    """
    if base_price <= 0 or quote_price <= 0:
        raise Rejected("a market price is missing", code="price_unavailable")
    num = base_price * 10**quote_decimals
    den = quote_price * 10**base_decimals
    g = gcd(num, den)
    return Rate(base, quote, num // g, den // g)


def require_price(value: int, currency: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_AMOUNT:
        raise InvalidInput(f"the {currency} price is a positive integer in 1e-"
                           f"{CURRENCY_DECIMALS[currency]} units", field=currency.lower())
    return value
