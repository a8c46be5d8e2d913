"""Market rules: validation, when commits count, implied probabilities, forecasts and scores."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import InvalidInput, Rejected
from shared.domain.markets.market import (PPM, Category, ForecastState, Market, MarketStatus, Outcome,
                                   Suspension, implied_all, implied_ppm, potential_payout,
                                   escrow_account_id, raise_forecast, score_ppm, validate_new)

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
MARKET = Market(id="m1", slug="will-it-rain", title="Rain?", category=Category.OTHER,
                outcomes=(Outcome("yes", "Yes"), Outcome("no", "No")), opens_at=T0,
                closes_at=T0 + timedelta(hours=1), max_per_user=500, asset="CHIP")


@pytest.mark.parametrize("change,field", [
    ({"slug": "Bad Slug"}, "slug"), ({"outcomes": (Outcome("yes", "Yes"),)}, "outcomes"),
    ({"outcomes": (Outcome("a", "A"), Outcome("a", "B"))}, "outcomes"),
    ({"closes_at": T0}, "closes_at"), ({"max_per_user": 0}, "max_per_user"),
    ({"cut_bps": 10_000}, "cut_bps"),
])
def test_invalid_markets_are_refused_naming_the_field(change, field):
    with pytest.raises(InvalidInput) as raised:
        validate_new(MARKET._replace(**change))
    assert raised.value.field == field


def test_commit_times_outside_the_window_or_inside_a_suspension_do_not_count():
    stop = Suspension(T0 + timedelta(minutes=10), T0 + timedelta(minutes=20))
    market = MARKET._replace(suspensions=(stop, Suspension(T0 + timedelta(minutes=50))))
    at = lambda m: T0 + timedelta(minutes=m)  # noqa: E731
    assert [market.valid_commit_time(at(m)) for m in (-1, 0, 9, 10, 19, 20, 49, 50, 60)] == \
        [False, True, True, False, False, True, True, False, False]


def test_closed_is_derived_from_the_close_time():
    assert MARKET.status_at(T0) is MarketStatus.OPEN
    assert MARKET.status_at(T0 + timedelta(hours=1)) is MarketStatus.CLOSED
    with pytest.raises(Rejected) as raised:
        MARKET.require_accepting(T0 + timedelta(hours=2), "yes")
    assert raised.value.code == "market_closed"


@given(st.dictionaries(st.sampled_from(["a", "b", "c"]), st.integers(0, 10**12), min_size=2))
def test_implied_probabilities_are_ppm_and_never_exceed_one(totals):
    probabilities = implied_all(totals)
    assert all(0 <= p <= PPM for p in probabilities.values())
    assert PPM - len(totals) <= sum(probabilities.values()) <= PPM


def test_empty_pool_implies_an_even_split_and_payout_counts_your_own_stake():
    assert implied_ppm({"yes": 0, "no": 0}, "yes") == 500_000
    assert potential_payout({"yes": 600, "no": 100}, "no", 100, extra=100) == 400
    assert potential_payout({"yes": 0, "no": 0}, "no", 100, extra=100) == 100


def test_a_forecast_is_raised_on_its_outcome_within_the_cap_with_weighted_p():
    state = raise_forecast(None, "yes", 100, 200_000, cap=500)
    state = raise_forecast(state, "yes", 300, 600_000, cap=500)
    assert state == ForecastState("yes", 400, 500_000, 2)
    with pytest.raises(Rejected, match="maximum"):
        raise_forecast(state, "yes", 101, 0, cap=500)
    with pytest.raises(Rejected) as raised:
        raise_forecast(state, "no", 1, 0, cap=500)
    assert raised.value.code == "forecast_outcome_fixed"


def test_score_is_one_minus_p_when_right_and_minus_p_when_wrong_at_the_cap():
    assert (score_ppm(True, 250_000, 500, 500), score_ppm(False, 250_000, 500, 500)) == \
        (750_000, -250_000)
    assert score_ppm(True, 250_000, 900, 500) == 750_000  # above the cap counts as the cap


def test_a_stake_below_the_cap_weighs_its_score_so_tiny_stakes_cannot_farm_it():
    # a tenth of the cap counts a tenth; rounding is toward zero on both sides
    assert (score_ppm(True, 250_000, 50, 500), score_ppm(False, 250_000, 50, 500)) == \
        (75_000, -25_000)
    assert score_ppm(True, 1, 1, 10**9) == 0 == score_ppm(False, 999_999, 1, 10**9)
    # a hundred forecasts of 1% of the cap earn no more than one at the cap
    assert 100 * score_ppm(True, 300_000, 1, 100) <= score_ppm(True, 300_000, 100, 100)


def test_each_forecaster_has_an_escrow_of_their_own_in_each_market():
    assert escrow_account_id("m1", "ann", "CHIP") == escrow_account_id("m1", "ann", "CHIP")
    escrows = {escrow_account_id("m1", f"u{i}", "CHIP") for i in range(100)}
    assert len(escrows) == 100 and escrow_account_id("m2", "u0", "CHIP") not in escrows
