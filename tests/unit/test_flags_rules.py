"""The suspicious-account rules (shared.domain.flags): pure, each reason keyed once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from shared.domain.flags import (REFUND_WINDOW, SIGNUP_BURST, Refund, Signup, Trade,
                                 new_reasons, refunds_after_spending, signup_bursts,
                                 two_way_trading)

T0 = datetime(2026, 11, 1, 12, tzinfo=timezone.utc)


def test_a_refund_of_spent_tokens_soon_after_buying_is_flagged_once_per_purchase():
    refunds = [Refund("ann", "p1", T0, T0 + timedelta(hours=2), owed=300),
               Refund("bob", "p2", T0, T0 + timedelta(hours=2), owed=0),           # not spent
               Refund("cat", "p3", T0, T0 + REFUND_WINDOW + timedelta(minutes=1), owed=5)]
    reasons = refunds_after_spending(refunds)
    assert [(r.uid, r.code, r.subject) for r in reasons] == [("ann", "refund_after_spend", "p1")]
    assert "2 h 0 min" in reasons[0].detail and "300 tokens" in reasons[0].detail


def test_trading_both_ways_between_two_accounts_flags_both_but_one_way_does_not():
    trades = [Trade("STAR-CHIP", "ann", "bob"), Trade("STAR-CHIP", "bob", "ann"),
              Trade("STAR-CHIP", "ann", "cat"), Trade("STAR-CHIP", "cat", "cat"),
              Trade("MOON-CHIP", "bob", "cat")]
    reasons = two_way_trading(trades)
    assert sorted((r.uid, r.subject) for r in reasons) == [("ann", "bob@STAR-CHIP"),
                                                          ("bob", "ann@STAR-CHIP")]


def test_many_new_accounts_from_one_ip_or_wallet_within_the_hour_are_all_flagged():
    now = T0
    burst = [Signup(f"u{n}", now - timedelta(minutes=n), ip="198.51.100.7") for n in range(SIGNUP_BURST)]
    old = [Signup("old", now - timedelta(hours=2), ip="198.51.100.7")]
    wallet = [Signup(f"w{n}", now, ip=f"203.0.113.{n}", wallets=("So1ana",)) for n in range(SIGNUP_BURST)]
    few = [Signup(f"f{n}", now, ip="192.0.2.1") for n in range(SIGNUP_BURST - 1)]
    reasons = signup_bursts(burst + old + wallet + few, now)
    assert sorted(r.uid for r in reasons if r.subject == "ip:198.51.100.7") == \
        [f"u{n}" for n in range(SIGNUP_BURST)]
    assert sorted(r.uid for r in reasons if r.subject == "wallet:So1ana") == \
        [f"w{n}" for n in range(SIGNUP_BURST)]
    assert {r.subject for r in reasons} == {"ip:198.51.100.7", "wallet:So1ana"}


def test_a_new_account_joining_a_counted_burst_is_flagged_with_the_whole_count():
    # given the window holds SIGNUP_BURST accounts from one IP, counted, of which one is given
    late = Signup("late", T0, ip="198.51.100.7")
    counted = {("ip", "198.51.100.7"): SIGNUP_BURST}
    # then that one is flagged, and the reason says how many the window holds
    [reason] = signup_bursts([late], T0, counted=counted)
    assert (reason.uid, reason.subject) == ("late", "ip:198.51.100.7")
    assert reason.detail.startswith(f"{SIGNUP_BURST} accounts")
    # and a count below the threshold flags nobody
    assert signup_bursts([late], T0, counted={("ip", "198.51.100.7"): SIGNUP_BURST - 1}) == []


def test_a_reason_already_recorded_is_not_added_again():
    [reason] = refunds_after_spending([Refund("ann", "p1", T0, T0, owed=1)])
    assert new_reasons([reason, reason], {}) == {"ann": [reason]}
    assert new_reasons([reason], {"ann": {reason.key}}) == {}


@given(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from("abcd"))))
def test_two_way_trading_is_symmetric_and_needs_both_directions(pairs):
    trades = [Trade("B", buyer, seller) for buyer, seller in pairs]
    flagged = {(r.uid, r.subject) for r in two_way_trading(trades)}
    directions = {(b, s) for b, s in pairs if b != s}
    assert flagged == {(b, f"{s}@B") for b, s in directions if (s, b) in directions}


@given(st.text(min_size=1, max_size=80))
def test_reason_keys_are_safe_firestore_map_keys(subject):
    [reason] = refunds_after_spending([Refund("ann", subject, T0, T0, owed=1)])
    assert "." not in reason.key and "/" not in reason.key and "`" not in reason.key
