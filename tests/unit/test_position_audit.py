"""The positions check: a position equals the fold of the fills it has counted."""
from __future__ import annotations

from dataclasses import replace

from shared.domain.portfolio import Fill, FoldedPosition
from shared.domain.position_audit import position_drift

BUY1, BUY2 = Fill(1, "buy", 50, 40, 10), Fill(2, "buy", 60, 20, 6)
FILLS = [("o1", BUY1), ("o2", BUY2)]


def test_a_fill_whose_posting_is_not_applied_is_not_counted_yet():
    kept = FoldedPosition().add([BUY1])
    assert position_drift("bob.B", kept, FILLS, pending={("o2", 2)}) == []
    assert {d.field for d in position_drift("bob.B", kept, FILLS, pending=set())} == {
        "quantity", "cost", "bought"}


def test_a_fill_a_rebuild_counted_is_counted_even_while_its_posting_waits():
    kept = FoldedPosition().rebuilt([BUY1, BUY2])
    assert position_drift("bob.B", kept, FILLS, pending={("o2", 2)}) == []


def test_a_stale_position_is_not_judged_and_a_wrong_one_is_named_with_its_differences():
    wrong = FoldedPosition().add([BUY1._replace(quantity=43)])
    drift = position_drift("bob.B", wrong, FILLS[:1], pending=set())
    assert {(d.field, d.difference) for d in drift} == {("quantity", 3), ("bought", 3),
                                                         ("cost", 150)}
    assert position_drift("bob.B", replace(wrong, stale=True), FILLS[:1], pending=set()) == []
