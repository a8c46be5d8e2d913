"""Every notification kind reads as a sentence, even from an old document missing fields."""
from __future__ import annotations

from hypothesis import given, strategies as st

from shared.domain.notices import BUILDERS, KINDS, MUTABLE, message
from shared.services.exchange.order_notices import average


def test_every_kind_has_a_sentence_and_the_mutable_ones_are_kinds():
    assert set(BUILDERS) == set(KINDS)
    assert set(MUTABLE) < set(KINDS)
    assert {"market_resolved", "forecast_refunded", "badge_earned"}.isdisjoint(MUTABLE)


@given(st.sampled_from(KINDS), st.dictionaries(st.sampled_from(
    ["amount", "asset", "tokens", "bonus", "filled", "quantity", "side", "book", "reason",
     "market_title", "label", "result", "payout", "from", "status"]),
    st.one_of(st.integers(0, 10**9), st.text(max_size=10), st.none()), max_size=6))
def test_a_message_never_raises_whatever_the_stored_fields(kind, fields):
    assert isinstance(message(kind, fields), str) and message(kind, fields)


def test_sentences_name_amounts_and_reasons():
    assert message("order_cancelled", {"side": "buy", "book": "A-CHIP", "filled": 0,
                                       "quantity": 5, "reason": "fok_unfillable"}) == (
        "Your buy order on A-CHIP was cancelled because it could not be filled completely at "
        "once (fill or kill); 0 of 5 had filled.")
    assert message("market_resolved", {"market_title": "Rain?", "result": "won",
                                       "payout": 1_250}) == "\u201cRain?\u201d was resolved: you won 1,250."
    assert average(1_000, 3) == "333.3333" and average(100, 2) == "50.0000"
