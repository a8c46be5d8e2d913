"""Reconciliation of the positions read model, a partition of positions a step.

Each step (run by reconciliation's step) reads the next POSITIONS_PER_STEP positions in id
order from a cursor (reconciliation_state/positions), each with its owner's fills on the book
and the owner's unapplied postings, at one read time (which the check needs:
domain/position_audit.py), and names every position that differs from the fold of the
fills it has counted. Reads are bounded: at most MAX_FILLS fills a step; the partition ends
before the first position whose fills would pass that, and a position with more fills than a
whole step reads is skipped and counted (`too_large`): it is not proven. The cursor wraps when
a page comes back short, so every other position is verified once a period of
ceil(positions / POSITIONS_PER_STEP) steps.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from google.cloud import firestore

from shared.domain.position_audit import position_drift
from shared.domain.reconciliation import Drift
from shared.store import exchange
from shared.store import positions as store
from shared.store.client import collection
from shared.store.pages import next_by_id
from shared.store.reconciliation import STATE
from shared.store import wire

POSITIONS_PER_STEP = 50
MAX_FILLS = 1000
CURSOR = "positions"


@dataclass
class Audited:
    drift: list[Drift] = field(default_factory=list)
    positions: int = 0
    too_large: list[str] = field(default_factory=list)
    after: str = ""
    through: str = ""
    complete: bool = False

    def report(self) -> dict:
        return {"verified": self.positions, "too_large": self.too_large, "after": self.after,
                "through": self.through, "period_complete": self.complete}


def run(at: wire.ReadTime, per_step: int = POSITIONS_PER_STEP,
        max_fills: int = MAX_FILLS) -> Audited:
    """The next partition of positions, read at `at` (reconciliation's step's read time)."""
    cursor = collection(STATE).document(CURSOR)
    after = (cursor.get().to_dict() or {}).get("after", "")
    out = _verify(at, after, per_step, max_fills)
    cursor.set({"after": "" if out.complete else out.through,
                "updated_at": firestore.SERVER_TIMESTAMP})
    return out


def _verify(txn: wire.ReadTime, after: str, limit: int, max_fills: int) -> Audited:
    out = Audited(after=after, through=after)
    page = next_by_id(txn, store.POSITIONS, after, limit)
    out.complete = len(page) < limit
    unapplied: dict[str, set[tuple[str, int]]] = {}
    read = 0
    for snap in page:
        data = snap.to_dict()
        fills = store.fills_with_orders(txn, data["owner"], data["book"], max_fills - read + 1)
        if read + len(fills) > max_fills:
            if read:   # the next step starts with it
                out.complete = False
                break
            out.too_large.append(snap.id)   # more than a whole step reads: not proven
        else:
            read += len(fills)
            owner = data["owner"]
            if owner not in unapplied:
                unapplied[owner] = exchange.unapplied_fills_of(txn, owner)
            out.drift += position_drift(snap.id, store.folded_from(data), fills,
                                        unapplied[owner])
            out.positions += 1
        out.through = snap.id
    return out
