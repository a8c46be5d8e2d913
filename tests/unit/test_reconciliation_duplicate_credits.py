"""The duplicate-credit check of reconciliation: a once-only credit reaches a user at most once."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.domain.reconciliation import duplicate_credits, reconcile


def test_a_purchase_minted_twice_under_two_ids_is_a_duplicate_credit():
    credits = [("purchase", "p1", "ann:CHIP", "t1"), ("purchase", "p1", "ann:CHIP", "t2"),
               ("purchase", "p2", "ann:CHIP", "t3")]
    drift = duplicate_credits(credits)
    assert [(d.check, d.subject, d.field, d.actual) for d in drift] == \
        [("duplicate_credit", "ann:CHIP", "purchase:p1", 2)]
    assert reconcile([], {}, [], credits) == drift


def test_repeated_kinds_that_may_repeat_and_system_credits_are_not_duplicates():
    credits = [("trade", "o1", "ann:CHIP", "t1"), ("trade", "o1", "ann:CHIP", "t2"),
               ("payout", "m1", "sys.escrow.market.m1.0:CHIP", "t3"),
               ("payout", "m1", "sys.escrow.market.m1.0:CHIP", "t4"),
               ("bonus", "welcome", "ann:CHIP", "t5"), ("bonus", "p1", "ann:CHIP", "t6"),
               ("payout", "m1", "ann:CHIP", "t7"), ("payout", "m1", "bob:CHIP", "t8")]
    assert duplicate_credits(credits) == []


def test_the_parts_of_one_reward_drawn_from_several_shards_are_one_credit():
    parts = [("reward", "r1", "ann:CHIP", "t1"), ("reward", "r1", "ann:CHIP", "t1.1"),
             ("reward", "r1", "ann:CHIP", "t1.2")]
    assert duplicate_credits(parts) == []
    assert len(duplicate_credits([*parts, ("reward", "r1", "ann:CHIP", "t9")])) == 1


@given(st.lists(st.tuples(st.sampled_from(["bonus", "purchase", "payout", "reward"]),
                          st.sampled_from(["a", "b"]), st.sampled_from(["ann:CHIP", "bob:CHIP"]))))
def test_a_duplicate_is_reported_exactly_when_a_credit_repeats(credits):
    repeated = {c for c in credits if credits.count(c) > 1}
    with_ids = [(*c, f"t{n}") for n, c in enumerate(credits)]  # every credit its own transfer
    assert {(d.field, d.subject) for d in duplicate_credits(with_ids)} == \
        {(f"{k}:{r}", a) for k, r, a in repeated}
