"""Reconciliation of the positions read model (positions/{uid}.{book}, domain/portfolio.py).

Pure. What it proves, for one position read at one time with its owner's fills on the book and
the owner's unapplied postings:
- A position counts a fill when the posting carrying it is applied (in the transaction that
  deletes the posting: services/exchange/order_settlement.py), or when a rebuild read it (seq
  <= `rebuilt_through`). A fill document and its posting commit together (the sequencer's
  batch), so at one read time the fills a position has counted are exactly its owner's fills
  on the book whose posting is gone, plus those up to `rebuilt_through`.
- The position equals the fold of those fills in sequence order, field by field.
A stale position (a late fill it could not put in its place) is rebuilt before it is shown
(services/portfolio.py), so it is not judged.
"""
from __future__ import annotations

from typing import Iterable

from shared.domain.portfolio import Fill, FoldedPosition, Position
from shared.domain.reconciliation import Drift


def position_drift(position_id: str, kept: FoldedPosition, fills: Iterable[tuple[str, Fill]],
                   pending: set[tuple[str, int]]) -> list[Drift]:
    """`fills`: (order id, fill) of the owner on the book; `pending`: (order id, seq) of the
    fills the owner's unapplied postings carry."""
    if kept.stale:
        return []
    counted = [f for order_id, f in fills
               if (order_id, f.seq) not in pending or f.seq <= kept.rebuilt_through]
    expected, actual = FoldedPosition().rebuilt(counted).current, kept.current
    return [Drift("position", position_id, name, getattr(expected, name), getattr(actual, name))
            for name in Position._fields if getattr(expected, name) != getattr(actual, name)]
