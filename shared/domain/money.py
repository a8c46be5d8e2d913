"""Integer money.

Invariants: every amount is a Python int in an asset's smallest unit, never a float, and every
stored amount stays below 2**53 so the JavaScript SDK reads it exactly. Rates are basis points
(1/10_000) and rounding is explicit: fees round up, so the platform never undercharges.
"""
from __future__ import annotations

from shared.domain.errors import InvalidInput, Rejected

JS_SAFE_LIMIT = 2**53  # Firestore integers beyond this lose precision in the JS SDK.
MAX_AMOUNT = JS_SAFE_LIMIT - 1
BPS = 10_000


def require_amount(value: object, *, field: str = "amount") -> int:
    """Return `value` if it is a positive integer amount that can be stored, else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("amount must be an integer in the asset's smallest unit", field=field)
    if value <= 0:
        raise InvalidInput("amount must be positive", field=field)
    if value > MAX_AMOUNT:
        raise InvalidInput("amount is too large", field=field, code="amount_too_large")
    return value


def require_storable(value: int, *, what: str) -> int:
    """Refuse any counter that would reach 2**53 in either direction."""
    if abs(value) > MAX_AMOUNT:
        raise Rejected(f"{what} would exceed the storable range", code="amount_overflow")
    return value


def ceil_div(numerator: int, denominator: int) -> int:
    """Ceiling of a non-negative integer division, without floats."""
    return -(-numerator // denominator)


def fee_for(amount: int, rate_bps: int) -> int:
    """Fee on `amount` at `rate_bps`, rounded up to the smallest unit."""
    return ceil_div(amount * rate_bps, BPS)


def format_units(amount: int, decimals: int) -> str:
    """Display form of an integer amount ('12.34' for 1234 with 2 decimals); for edges only."""
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**decimals)
    return f"{sign}{whole}.{frac:0{decimals}d}" if decimals else f"{sign}{whole}"
