"""Planning a resolved market's settlement: three passes over its commits, in bounded memory.

The settlement task (services/markets/settlement.py) runs them in order, each as far as its time
budget allows, resuming where the last delivery stopped (shared/domain/markets/settlement.py says
what each pass computes):
- count: the pool, the winning stake and the forecasters, from the commits grouped by forecaster
  a page at a time; then the split (pool, cut) and the number of partitions;
- plan: each forecaster's entry (market_settlements/{market}/entries), in batches of at most
  ENTRIES_PER_BATCH documents, and the sum of the winners' floors;
- rank: the winners in rank order, as far as the units left over by the floors go: the last
  rank served is the threshold, and each partition's `due` (what its winners are paid) is known.

Guarantees:
- Memory: one page of commits (PAGE) and one forecaster's commits, one batch of entries, and
  O(partitions) sums; never the market's forecasters.
- Every commit stays within 500 writes and 5 MiB: a batch holds at most ENTRIES_PER_BATCH
  entries, each at most HOLDS_PER_PIECE holds (a forecaster with more is cut into pieces).
- Resumable and exact: a pass persists its cursor with what it summed up to it, in one
  transaction that checks the control document still holds the cursor this delivery started
  from (else another delivery is ahead: this one stops). Entries are deterministic, written with
  `set`, so a batch written again after a crash writes the same documents.
- The control document takes at most one write per CHECKPOINT_S from a pass, and is never
  written twice within pacing.GAP_S.
"""
from __future__ import annotations

import math
import time
from datetime import datetime, timezone
from typing import Callable, Iterator

from google.cloud import firestore

from shared.domain.errors import Rejected
from shared.domain.markets.market import Market
from shared.domain.markets.payouts import CommitRecord, UserSettlement
from shared.domain.markets.settlement import (Split, Tally, forecaster, partition_of, parts,
                                              share, split)
from shared.store import wire
from shared.store.commit_limits import require_within_limits
from shared.store.markets import settlement as plans
from shared.store.transactions import run_transaction

from shared.services.markets.pacing import pace, wrote

PAGE = 5_000  # commits per query: the emulator scans a whole collection per query
ENTRIES_PER_BATCH = 400
HOLDS_PER_PIECE = 100
CHECKPOINT_S = 1.0  # a pass persists its progress this often
FORECASTERS_PER_PARTITION, MAX_PARTITIONS = 500, 16


class Superseded(Exception):
    """Another delivery moved the control document on: this one stops."""


def partitions_for(forecasters: int) -> int:
    return min(MAX_PARTITIONS, max(1, math.ceil(forecasters / FORECASTERS_PER_PARTITION)))


def forecasters(market_id: str,
                after: tuple[str, str] | None) -> Iterator[tuple[str, list[CommitRecord], list]]:
    """(uid, their commits, the cursor after them) for each forecaster after `after`."""
    carry: list[CommitRecord] = []
    while True:
        rows = plans.commit_page(market_id, after, PAGE)
        for row in rows:
            if carry and row.uid != carry[0].uid:
                yield carry[0].uid, carry, [carry[-1].uid, carry[-1].hold_id]
                carry = []
            carry.append(row)
        if len(rows) < PAGE:
            break
        after = (rows[-1].uid, rows[-1].hold_id)
    if carry:
        yield carry[0].uid, carry, [carry[-1].uid, carry[-1].hold_id]


class Checkpoints:
    """Writes a pass's progress to the control document (at most once per CHECKPOINT_S when
    asked whether one is `due`, and never twice within GAP_S), each time checking that the
    phase and cursor there are the ones this delivery last saw."""

    def __init__(self, market_id: str, control: dict):
        self.ref = plans.control_ref(market_id)
        self.phase, self.cursor = control["phase"], control.get("cursor")
        self.written_at: datetime | None = control.get("written_at")

    def due(self) -> bool:
        return (self.written_at is None or (datetime.now(timezone.utc) - self.written_at)
                .total_seconds() >= CHECKPOINT_S)

    def write(self, fields: dict, also: Callable[[firestore.Transaction], None] | None = None,
              also_paths: tuple[str, ...] = ()) -> None:
        """Update these fields of the control document; `also` buffers other writes in the
        same transaction (to the documents `also_paths`, paced by the caller)."""
        pace(self.ref.path, self.written_at)
        expected = (self.phase, self.cursor)
        at = datetime.now(timezone.utc)

        def work(txn: firestore.Transaction) -> None:
            current = wire.get_all(txn, [self.ref])[self.ref.path] or {}
            if (current.get("phase"), current.get("cursor")) != expected:
                raise Superseded()
            txn.update(self.ref, {**fields, "written_at": at})  # whole top-level fields
            if also is not None:
                also(txn)

        run_transaction(work, serialize_on=[self.ref.path], deadline_s=30)
        wrote(self.ref.path, *(also_paths or ()))
        self.phase, self.cursor = fields.get("phase", self.phase), fields.get("cursor")
        self.written_at = at


def count(market: Market, control: dict, marks: Checkpoints, deadline: float) -> bool:
    """The count pass, as far as `deadline` (time.monotonic()); True once it completed."""
    tally, cursor = Tally(**control.get("tally", {})), control.get("cursor")
    for _, commits, cursor in forecasters(market.id, _after(cursor)):
        tally = tally.add(market, commits, control.get("winner"))
        if time.monotonic() > deadline:
            marks.write({"tally": tally._asdict(), "cursor": cursor})
            return False
        if marks.due():
            marks.write({"tally": tally._asdict(), "cursor": cursor})
    the_split, n = split(market, tally), partitions_for(tally.forecasters)
    marks.write({"phase": "plan", "cursor": None, "tally": tally._asdict(),
                 "split": the_split._asdict(), "partitions": n,
                 "planned": {"entries": 0, "floors": 0, "floors_by": [0] * n}})
    return True


def plan(market: Market, control: dict, marks: Checkpoints, deadline: float) -> bool:
    """The plan pass: every forecaster's entries; True once it completed."""
    the_split, n = Split(**control["split"]), int(control["partitions"])
    planned = dict(control["planned"])
    floors_by = list(planned["floors_by"])
    batch: list[tuple[str, dict]] = []
    for uid, commits, cursor in forecasters(market.id, _after(control.get("cursor"))):
        settled = forecaster(market, uid, commits, control.get("winner"), the_split.voids_all)
        floor, docs = _entries(market, the_split, n, settled, commits)
        batch += docs
        planned["entries"] += len(docs)
        planned["floors"] += floor
        floors_by[partition_of(uid, n)] += floor
        out_of_time = time.monotonic() > deadline
        if len(batch) >= ENTRIES_PER_BATCH or out_of_time:
            _write_entries(market.id, batch)
            batch = []
            if marks.due() or out_of_time:
                marks.write({"planned": {**planned, "floors_by": floors_by}, "cursor": cursor})
            if out_of_time:
                return False
    _write_entries(market.id, batch)
    marks.write({"phase": "rank", "cursor": None, "planned": {**planned, "floors_by": floors_by},
                 "ranked": {"seen": 0, "bonus_by": [0] * n}})
    return True


def _entries(market: Market, the_split: Split, n: int, settled: UserSettlement,
             commits: list[CommitRecord]) -> tuple[int, list[tuple[str, dict]]]:
    """A forecaster's entry documents (one per piece of their holds) and their floor."""
    p = partition_of(settled.uid, n)
    holds = [(h, a.value) for h, a in settled.holds]
    pieces = parts(holds, HOLDS_PER_PIECE)
    docs = [(plans.entry_id(p, settled.uid, i),
             {"uid": settled.uid, "piece": i, "last": False,
              "holds": [{"hold_id": h, "action": a} for h, a in piece]})
            for i, piece in enumerate(pieces)]
    last = docs[-1][1]
    last.update(last=True, outcome=settled.outcome, result=settled.result.value,
                stake=settled.stake, refunded=settled.refunded, p_ppm=settled.p_ppm,
                score_ppm=settled.score_ppm)
    floor = 0
    if settled.result.value == "won":
        floor, rank = share(market, the_split, settled.uid, commits)
        last.update(wins=True, floor=floor, rank=rank)
    return floor, docs


def _write_entries(market_id: str, docs: list[tuple[str, dict]]) -> None:
    for i in range(0, len(docs), ENTRIES_PER_BATCH):
        batch = plans.batch()
        for entry, data in docs[i:i + ENTRIES_PER_BATCH]:
            wire.set(batch, plans.entry_ref(market_id, entry), data)
        require_within_limits(batch)
        batch.commit()


def rank(market: Market, control: dict, marks: Checkpoints, deadline: float) -> dict | None:
    """The rank pass; once it completed, what it found: `ranked` (its sums), `threshold` and
    each partition's `due_by` (what its winners are paid, the leftover units included)."""
    the_split = Split(**control["split"])
    planned, ranked = control["planned"], dict(control["ranked"])
    bonus_by = list(ranked["bonus_by"])
    leftover = 0 if the_split.voids_all else the_split.distributable - int(planned["floors"])
    cursor = control.get("cursor")
    while ranked["seen"] < leftover:
        page = plans.rank_page(market.id, cursor, min(PAGE, leftover - ranked["seen"]))
        if not page:
            raise Rejected(f"the plan ranks {ranked['seen']} winners, {leftover} units are left",
                           code="settlement_shortfall")
        for rank_key, entry in page:
            ranked["seen"] += 1
            bonus_by[plans.partition_of_entry(entry)] += 1
            cursor = rank_key
        if ranked["seen"] < leftover and (marks.due() or time.monotonic() > deadline):
            marks.write({"ranked": {**ranked, "bonus_by": bonus_by}, "cursor": cursor})
            if time.monotonic() > deadline:
                return None
    return {"ranked": {**ranked, "bonus_by": bonus_by}, "threshold": cursor if leftover else "",
            "due_by": [f + b for f, b in zip(planned["floors_by"], bonus_by)]}


def _after(cursor: list | None) -> tuple[str, str] | None:
    return (cursor[0], cursor[1]) if cursor else None
