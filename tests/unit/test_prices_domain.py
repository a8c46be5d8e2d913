"""Which price counts (last trade for a traded creator token, else the set price) and exact
rates between effective prices."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import MintbookError
from shared.domain.prices import LastTrade, SetPrice, effective, from_set, rate

CHIP = from_set(SetPrice("CHIP", 5_000_000, 100_000))


def test_a_traded_creator_token_counts_at_its_last_trade_through_its_quote():
    trade = LastTrade("CARA-CHIP", "CARA", "CHIP", 55)
    price = effective(SetPrice("CARA", 1_000_000, 20_000), trade, 0, CHIP, 2)
    # 55 CHIP cents per CARA x 0.05 USD per CHIP = 0.0275 USD
    assert (price.shown("usd"), price.shown("btc"), price.source) == (2_750_000, 55_000,
                                                                      "last_trade")
    assert price.value(30, 0, "usd") == 82_500_000


def test_without_a_trade_or_a_quote_price_the_set_price_counts():
    admin = SetPrice("CARA", 1_000_000, 20_000, "admin", version=3)
    trade = LastTrade("CARA-CHIP", "CARA", "CHIP", 55)
    assert effective(admin, None, 0, CHIP, 2).usd == 1_000_000
    assert effective(admin, trade, 0, None, 2).source == "admin"
    assert effective(None, None, 0, CHIP, 2) is None


def test_a_last_trade_price_too_small_to_show_falls_back_to_the_set_price():
    tiny = from_set(SetPrice("CHIP", 1, 1))
    trade = LastTrade("CARA-CHIP", "CARA", "CHIP", 1)
    assert effective(SetPrice("CARA", 7, 7), trade, 0, tiny, 9).usd == 7


def test_shown_prices_and_values_round_down():
    price = effective(None, LastTrade("X-CHIP", "X", "CHIP", 1), 0,
                      from_set(SetPrice("CHIP", 333, 333)), 1)
    assert price.usd == Fraction(333, 10) and price.shown("usd") == 33
    assert price.value(3, 0, "usd") == 99  # 3 x 33.3, not 3 x 33


@given(last=st.integers(1, 10**6), base_dec=st.integers(0, 3), quote_dec=st.integers(0, 3),
       quote_usd=st.integers(10**3, 10**9))
def test_a_creator_token_against_its_own_quote_is_exactly_its_last_price(last, base_dec,
                                                                         quote_dec, quote_usd):
    quote = from_set(SetPrice("CHIP", quote_usd, quote_usd))
    price = effective(None, LastTrade("X-CHIP", "X", "CHIP", last), base_dec, quote, quote_dec)
    if price is not None:
        r = rate(price, base_dec, quote, quote_dec)
        assert (r.numerator, r.denominator) == (last, 1)
        assert r.convert(7) == 7 * last


@given(pb=st.integers(1, 10**12), pq=st.integers(1, 10**12), db=st.integers(0, 9),
       dq=st.integers(0, 9), amount=st.integers(0, 10**12))
def test_a_rate_from_set_prices_is_their_exact_ratio_and_converts_down(pb, pq, db, dq, amount):
    r = rate(from_set(SetPrice("A", pb, 1)), db, from_set(SetPrice("B", pq, 1)), dq)
    exact = Fraction(pb, 10**db) / Fraction(pq, 10**dq)
    assert Fraction(r.numerator, r.denominator) == exact
    assert r.convert(amount) == int(amount * exact)  # floor for non-negative amounts


def test_a_missing_price_is_price_unavailable():
    with pytest.raises(MintbookError) as caught:
        rate(from_set(SetPrice("A", 0, 0)), 0, CHIP, 2)
    assert caught.value.code == "price_unavailable"
