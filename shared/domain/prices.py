"""Effective market prices: which price of an asset counts, and exact rates between two of them.

Pure. Guarantees:
- A creator token that has traded is priced at its book's last trade price: `last_price` quote
  smallest units per base smallest unit, so per whole base token it is worth
  last_price x 10**base_decimals / 10**quote_decimals whole quote tokens, times the quote
  asset's own price. The product is kept exact (a Fraction of integers, never a float); only
  what is shown or stored is rounded down to the currency's minor unit.
- A creator token that never traded, or whose quote asset has no price, falls back to the price
  set for it (by an admin or the price feed); without either it has no price.
- A rate between two assets is the exact ratio of their effective prices in one currency, in
  lowest terms; for a creator token against its own quote asset it is exactly the last price.
  Converting an amount with it rounds down (the platform never pays out more).
- A set price is an integer per WHOLE token (10**decimals smallest units) in a currency's fixed
  minor units: USD in 1e-8 and BTC in 1e-12, fine enough for tokens worth a fraction of a cent
  while staying below 2**53.
"""
from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

from shared.domain.errors import InvalidInput, Rejected
from shared.domain.money import MAX_AMOUNT

CURRENCIES = ("usd", "btc")
CURRENCY_DECIMALS = {"USD": 8, "BTC": 12}


class Rate(NamedTuple):
    """Smallest units of `quote` per smallest unit of `base`, as numerator / denominator."""

    base: str
    quote: str
    numerator: int
    denominator: int

    def convert(self, amount: int) -> int:
        return amount * self.numerator // self.denominator


def require_price(value: int, currency: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_AMOUNT:
        raise InvalidInput(f"the {currency} price is a positive integer in 1e-"
                           f"{CURRENCY_DECIMALS[currency]} units", field=currency.lower())
    return value


class SetPrice(NamedTuple):
    """A price per whole token set by an admin or the feed, in 1e-8 USD and 1e-12 BTC."""

    asset: str
    usd: int
    btc: int
    source: str = "admin"                 # "admin" | "feed"
    version: int = 0
    updated_at: datetime | None = None


class LastTrade(NamedTuple):
    """The last print of a book whose base is a creator token."""

    book: str
    base: str
    quote: str
    price: int                            # quote smallest units per base smallest unit
    at: datetime | None = None


class Price(NamedTuple):
    """The price that counts, exact, per whole token in each currency's minor units."""

    asset: str
    usd: Fraction
    btc: Fraction
    source: str                           # "admin" | "feed" | "last_trade"
    version: int = 0
    updated_at: datetime | None = None
    last_trade: LastTrade | None = None

    def shown(self, currency: str) -> int:
        """Rounded down to the currency's minor unit, as it is listed and stored."""
        return int(Fraction(getattr(self, currency)) // 1)

    def value(self, amount: int, decimals: int, currency: str) -> int:
        """What `amount` smallest units are worth, rounded down."""
        return int(Fraction(amount) * getattr(self, currency) / 10**decimals // 1)


def from_set(p: SetPrice) -> Price:
    return Price(p.asset, Fraction(p.usd), Fraction(p.btc), p.source, p.version, p.updated_at)


def from_last_trade(trade: LastTrade, base_decimals: int, quote: Price, quote_decimals: int,
                    version: int = 0) -> Price | None:
    """The creator token's price through its quote's price; None when it would not be storable."""
    whole = Fraction(trade.price * 10**base_decimals, 10**quote_decimals)
    usd, btc = whole * quote.usd, whole * quote.btc
    if not (1 <= usd <= MAX_AMOUNT and 1 <= btc <= MAX_AMOUNT):
        return None
    return Price(trade.base, usd, btc, "last_trade", version, trade.at, trade)


def effective(set_price: SetPrice | None, trade: LastTrade | None, base_decimals: int,
              quote: Price | None, quote_decimals: int) -> Price | None:
    """The last trade price when there is one and its quote is priced, else the set price."""
    if trade is not None and quote is not None:
        traded = from_last_trade(trade, base_decimals, quote, quote_decimals,
                                 set_price.version if set_price else 0)
        if traded is not None:
            return traded
    return from_set(set_price) if set_price is not None else None


def rate(base: Price, base_decimals: int, quote: Price, quote_decimals: int,
         currency: str = "usd") -> Rate:
    """Smallest units of `quote` per smallest unit of `base`, exact and in lowest terms."""
    pb, pq = Fraction(getattr(base, currency)), Fraction(getattr(quote, currency))
    if pb <= 0 or pq <= 0:
        raise Rejected("a market price is missing", code="price_unavailable")
    exact = pb * 10**quote_decimals / (pq * 10**base_decimals)
    return Rate(base.asset, quote.asset, exact.numerator, exact.denominator)
