"""Purchases domain: package validation, limits, payment checks and the refund clawback."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import InvalidInput, RateLimited, Rejected
from shared.domain.purchases import (Package, Purchase, PurchaseStatus, at_stake, check_limits,
                                     check_payment, clawback_for, refund_clawback,
                                     require_valid_package)


def completed(tokens: int = 1_000, bonus: int = 0, amount: int = 3_000) -> Purchase:
    return Purchase(id="p", uid="u", package_id="k", asset="CHIP", tokens=tokens, bonus=bonus,
                    amount=amount, currency="usd", status=PurchaseStatus.COMPLETED,
                    payment_intent_id="pi_1")


def apply_refunds(p: Purchase, totals: list[int]) -> Purchase:
    """Fold cumulative refund totals in delivery order, as the webhook does."""
    for total in totals:
        claw = min(refund_clawback(p, total), at_stake(p))
        if total > p.refunded:
            p = p._replace(refunded=total, clawed_back=p.clawed_back + claw)
    return p


def test_a_package_reports_every_problem_at_once():
    bad = Package(id="x", name=" ", tokens=0, price=-1, currency="USD", bonus=-5)
    with pytest.raises(InvalidInput) as err:
        require_valid_package(bad)
    fields = [p["field"] for p in err.value.details["problems"]]
    assert fields == ["name", "tokens", "price", "bonus", "currency"]
    assert err.value.code == "invalid_package"


def test_limits_name_which_limit_was_hit():
    with pytest.raises(Rejected) as amount:
        check_limits(amount=10_001, recent_count=0, max_amount=10_000)
    assert amount.value.code == "purchase_amount_limit"
    with pytest.raises(RateLimited) as hourly:
        check_limits(amount=100, recent_count=5, max_amount=10_000)
    assert hourly.value.code == "purchase_hourly_limit"
    check_limits(amount=10_000, recent_count=4, max_amount=10_000)


@pytest.mark.parametrize("pi,amount,currency,code", [
    ("pi_2", 3_000, "usd", "payment_intent_mismatch"),
    ("pi_1", 2_999, "usd", "amount_mismatch"),
    ("pi_1", 3_000, "eur", "currency_mismatch"),
])
def test_a_payment_must_match_its_purchase(pi, amount, currency, code):
    with pytest.raises(Rejected) as err:
        check_payment(completed(), pi, amount, currency)
    assert err.value.code == code
    check_payment(completed(), "pi_1", 3_000, "USD")


def test_clawback_rounds_down_and_never_exceeds_the_tokens():
    assert clawback_for(1_001, 1_000, 3_000) == 333
    assert clawback_for(1_001, 3_000, 3_000) == 1_001
    assert clawback_for(1_001, 9_999, 3_000) == 1_001
    assert clawback_for(1_001, 0, 3_000) == 0


@given(tokens=st.integers(1, 10**9), bonus=st.integers(0, 10**6), amount=st.integers(1, 10**7),
       parts=st.lists(st.integers(1, 10**6), min_size=1, max_size=5), data=st.data())
def test_partial_refunds_in_any_order_and_repeated_claw_back_the_cumulative_floor(
        tokens, bonus, amount, parts, data):
    totals = list(itertools.accumulate(parts))
    totals = [min(t, amount) for t in totals]
    deliveries = data.draw(st.permutations(totals + data.draw(st.lists(st.sampled_from(totals),
                                                                       max_size=4))))
    end = apply_refunds(completed(tokens, bonus, amount), list(deliveries))
    assert end.clawed_back == clawback_for(tokens + bonus, max(totals), amount)
    assert end.refunded == max(totals)


def test_nothing_is_clawed_back_before_the_tokens_were_minted():
    pending = completed()._replace(status=PurchaseStatus.PENDING)
    assert refund_clawback(pending, 3_000) == 0 and at_stake(pending) == 0
