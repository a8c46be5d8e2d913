"""The duplicate-credit check of reconciliation: a once-only credit reaches a user at most once."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.domain.reconciliation import duplicate_credits, reconcile


def test_a_purchase_minted_twice_under_two_ids_is_a_duplicate_credit():
    credits = [("purchase", "p1", "ann:CHIP"), ("purchase", "p1", "ann:CHIP"),
               ("purchase", "p2", "ann:CHIP")]
    drift = duplicate_credits(credits)
    assert [(d.check, d.subject, d.field, d.actual) for d in drift] == \
        [("duplicate_credit", "ann:CHIP", "purchase:p1", 2)]
    assert reconcile([], {}, [], credits) == drift


def test_repeated_kinds_that_may_repeat_and_system_credits_are_not_duplicates():
    credits = [("trade", "o1", "ann:CHIP"), ("trade", "o1", "ann:CHIP"),
               ("payout", "m1", "sys.escrow.market.m1.0:CHIP"),
               ("payout", "m1", "sys.escrow.market.m1.0:CHIP"),
               ("bonus", "welcome", "ann:CHIP"), ("bonus", "p1", "ann:CHIP"),
               ("payout", "m1", "ann:CHIP"), ("payout", "m1", "bob:CHIP")]
    assert duplicate_credits(credits) == []


@given(st.lists(st.tuples(st.sampled_from(["bonus", "purchase", "payout", "reward"]),
                          st.sampled_from(["a", "b"]), st.sampled_from(["ann:CHIP", "bob:CHIP"]))))
def test_a_duplicate_is_reported_exactly_when_a_credit_repeats(credits):
    repeated = {c for c in credits if credits.count(c) > 1}
    assert {(d.field, d.subject) for d in duplicate_credits(credits)} == \
        {(f"{k}:{r}", a) for k, r, a in repeated}
