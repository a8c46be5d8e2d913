"""Swap offers: the band check, fills that never overfill and round in the maker's favour."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import MintbookError
from shared.domain.prices import Rate
from shared.domain.swaps import OfferStatus, cancel, check_band, fill, new_offer


def code_of(call) -> str:
    with pytest.raises(MintbookError) as caught:
        call()
    return caught.value.code


def offer(give=1_000, want=500, partial=True):
    return new_offer("o1", "maker", "GOLD", give, "CHIP", want, partial)


def test_the_band_admits_rates_within_ten_percent_and_names_the_market_rate_otherwise():
    market = Rate("GOLD", "CHIP", 1, 2)  # 0.5 CHIP units per GOLD unit
    for want in (450, 500, 550):
        check_band(1_000, want, market, 1_000)
    with pytest.raises(MintbookError) as caught:
        check_band(1_000, 551, market, 1_000)
    err = caught.value
    assert err.code == "rate_out_of_band"
    assert err.details["market_rate"] == {"numerator": 1, "denominator": 2}
    assert (err.details["min_want_amount"], err.details["max_want_amount"]) == (450, 550)
    assert code_of(lambda: check_band(1_000, 449, market, 1_000)) == "rate_out_of_band"


@given(st.integers(1, 10**6), st.integers(1, 10**6), st.integers(1, 10**6), st.integers(1, 10**6),
       st.integers(0, 5_000))
def test_the_integer_band_check_agrees_with_exact_fractions(give, want, num, den, band):
    market = Rate("A", "B", num, den)
    inside = abs(Fraction(want, give) - Fraction(num, den)) <= Fraction(num, den) * Fraction(band, 10_000)
    try:
        check_band(give, want, market, band)
        assert inside
    except MintbookError as err:
        assert not inside and err.code == "rate_out_of_band"
        assert err.details["min_want_amount"] * den * 10_000 >= give * num * (10_000 - band)


def test_a_whole_only_offer_is_filled_once_and_then_refuses():
    o = offer(partial=False)
    assert code_of(lambda: fill(o, 10)) == "partial_fill_not_allowed"
    done = fill(o, None)
    assert (done.give, done.pay, done.offer.status) == (1_000, 500, OfferStatus.FILLED)
    assert code_of(lambda: fill(done.offer, None)) == "offer_not_open"
    assert code_of(lambda: cancel(done.offer, "maker")) == "offer_not_open"


def test_only_the_maker_cancels_and_an_overfill_names_what_is_left():
    o = fill(offer(), 600).offer
    assert code_of(lambda: cancel(o, "taker")) == "not_your_offer"
    assert code_of(lambda: fill(o, 401)) == "offer_insufficient_remaining"
    assert cancel(o, "maker").status is OfferStatus.CANCELLED


@given(st.integers(1, 10**6), st.integers(1, 10**6), st.lists(st.integers(1, 10**6), max_size=30))
def test_fills_never_overfill_and_the_maker_gets_at_least_their_rate(give, want, asks):
    o = new_offer("o", "m", "A", give, "B", want, True)
    for ask in asks + [None]:
        try:
            o = fill(o, ask).offer
        except MintbookError as err:
            assert err.code in ("offer_insufficient_remaining", "fill_too_small", "offer_not_open")
        assert o.given <= give
        assert o.received * give >= want * o.given  # never below the maker's rate
    if o.status is OfferStatus.FILLED:
        assert (o.given, o.received) == (give, want)
