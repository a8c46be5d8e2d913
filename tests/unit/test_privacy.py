"""Data rights, pure: export cursors and when an account may be erased."""
from __future__ import annotations

import pytest

from shared.domain.errors import Conflict, InvalidInput
from shared.domain.privacy import ExportCursor, Holding, decode_cursor, encode_cursor, forfeits


@pytest.mark.parametrize("cursor", [ExportCursor(0, None), ExportCursor(3, "ann:CHIP"),
                                    ExportCursor(10, "x~y:Z:receivable")])
def test_a_cursor_decodes_to_what_was_encoded(cursor):
    assert decode_cursor(encode_cursor(cursor), 11) == cursor


@pytest.mark.parametrize("bad", ["%%%", "bm9uc2Vuc2U", encode_cursor(ExportCursor(11, None)),
                                 encode_cursor(ExportCursor(-1, None))])
def test_a_cursor_not_handed_out_is_refused(bad):
    with pytest.raises(InvalidInput) as refused:
        decode_cursor(bad, 11)
    assert refused.value.code == "invalid_cursor"


def test_no_cursor_starts_at_the_first_section():
    assert decode_cursor(None, 11) == ExportCursor(0, None)


def test_a_debt_refuses_erasure_even_when_confirmed():
    holdings = [Holding("CHIP", 500, 0, 0), Holding("GOLD", 0, 0, 30)]
    with pytest.raises(Conflict) as refused:
        forfeits(holdings, confirmed=True)
    assert (refused.value.code, refused.value.details) == ("amount_owed", {"owed": {"GOLD": 30}})


def test_committed_tokens_refuse_erasure_even_when_confirmed():
    with pytest.raises(Conflict) as refused:
        forfeits([Holding("CHIP", 10, 40, 0)], confirmed=True)
    assert refused.value.code == "tokens_committed"


def test_available_tokens_need_confirmation_and_are_then_forfeited():
    holdings = [Holding("CHIP", 10, 0, 0), Holding("GOLD", 0, 0, 0), Holding("ART", 3, 0, 0)]
    with pytest.raises(Conflict) as refused:
        forfeits(holdings, confirmed=False)
    assert refused.value.details == {"available": {"CHIP": 10, "ART": 3}}
    assert forfeits(holdings, confirmed=True) == [("CHIP", 10), ("ART", 3)]
    assert forfeits([Holding("CHIP", 0, 0, 0)], confirmed=False) == []
