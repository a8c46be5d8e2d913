"""Service price windows and conversion rates from integer prices."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import MintbookError
from shared.domain.pricing import ServicePrice, conversion_rate, price_in_force

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
H = timedelta(hours=1)


def test_the_latest_started_window_in_force_applies():
    prices = [ServicePrice("search", "CHIP", 10, T0, T0 + 2 * H),
              ServicePrice("search", "CHIP", 20, T0 + H),
              ServicePrice("search", "CHIP", 30, T0 + 5 * H, T0 + 6 * H)]
    assert price_in_force(prices, T0).amount == 10
    assert price_in_force(prices, T0 + H).amount == 20
    assert price_in_force(prices, T0 + 5 * H).amount == 30
    assert price_in_force(prices, T0 + 6 * H).amount == 20
    with pytest.raises(MintbookError) as caught:
        price_in_force(prices, T0 - H)
    assert caught.value.code == "no_price_in_force"


def test_an_empty_window_is_invalid():
    with pytest.raises(MintbookError) as caught:
        ServicePrice("search", "CHIP", 1, T0, T0)
    assert caught.value.code == "invalid_window"


@given(st.integers(1, 10**12), st.integers(1, 10**12), st.integers(0, 9), st.integers(0, 9),
       st.integers(0, 10**12))
def test_a_conversion_rate_is_the_exact_price_ratio_and_converts_down(pa, pb, da, db, amount):
    rate = conversion_rate("A", da, pa, "B", db, pb)
    exact = Fraction(pa, 10**da) / Fraction(pb, 10**db)
    assert Fraction(rate.numerator, rate.denominator) == exact
    assert rate.convert(amount) == int(amount * exact)  # floor for non-negative amounts
