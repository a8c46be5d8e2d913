"""A resolved or cancelled market's settlement, run by task_settle_market at any size.

Phases (`phase` of market_settlements/{market}):
  count, plan, rank   the main task: passes over the commits (services/markets/planning.py)
  holds               each partition's task settles its entries' holds, step by step
  payouts             each partition's task pays its winners (skipped when every hold is voided)
  finish              the main task voids stragglers and marks the market settled
  done
A market has `partitions` (planning.partitions_for its forecasters): each forecaster's entries
belong to one, and each partition has its own progress document and its own pool.

Guarantees:
- Exactly once: a step is one transaction that first reads its partition's document and
  checks that the phase and cursor are those the step started from (else another delivery
  committed it, and this one writes nothing), then settles the entries after the cursor and
  moves the cursor past them. Transfer ids derive from the market and hold, escrow or user
  (services/markets/payouts.py), so nothing could be posted twice anyway.
- Within Firestore's limits: a step takes entries while their estimated writes stay within
  STEP_WRITES; its exact writes and bytes are counted before it commits, and a step past the
  limits, or refused as too big, is retried with half its entries, down to one. It never
  loops: an entry (at most planning.HOLDS_PER_PIECE holds) that cannot commit alone fails the
  settlement, visibly (`settlement.state` "failed" on the market), and nothing retries it.
- No hot document: a partition's document and pool take one write per step, and its steps
  commit at least pacing.GAP_S apart; the control and market documents are written at phase
  changes and pass checkpoints, also GAP_S apart: none takes more than two writes a second.
- The last partition to finish a phase moves the settlement on, in the transaction that marks
  it finished: after holds it balances the pools (payouts.balance) and opens payouts; after
  payouts (or holds, when nothing is paid) it hands the finish to the main task.
- A task out of its budget enqueues its continuation; job_markets_sweep wakes the main task of
  every unfinished settlement, which wakes each partition that made no progress for STALL_S.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone

from google.api_core.exceptions import InvalidArgument
from google.cloud import firestore

from shared.domain.errors import Rejected, Unavailable
from shared.domain.markets.market import Market
from shared.domain.markets.settlement import Split
from shared.store import wire
from shared.store.commit_limits import CommitTooLarge, require_within_limits
from shared.store.markets import market as store
from shared.store.markets import settlement as plans
from shared.store.client import collection
from shared.store.transactions import exclusive, run_transaction

from shared.services.markets import payouts, planning
from shared.services.markets.pacing import REMOTE_GAP_S, pace, wrote
from shared.services.markets.planning import Checkpoints, Superseded
from shared.services.markets.resolution import CANCEL_SETTLE_DELAY_S, start_settlement

log = logging.getLogger("mintbook.markets")
STEP_WRITES = 440
ENTRY_WRITES, HOLD_WRITES, PAYOUT_WRITES = 10, 4, 4  # a forecaster's last entry, a hold, a payout
MAX_ENTRIES = 100   # per step
READ_AHEAD = 500    # entries a partition's task reads per query
STRAGGLERS = 100
STALL_S = 60
PARTITIONED = ("holds", "payouts")


def settle(market_id: str, partition: int | None = None, budget_s: float = 20.0) -> dict:
    """Work on the settlement (its main task, or one partition's) for about `budget_s`."""
    deadline = time.monotonic() + budget_s
    try:
        if partition is None:
            return _main(market_id, deadline)
        return _partition(market_id, partition, deadline)
    except Superseded:
        return {"market_id": market_id, "done": False, "superseded": True}


def _control(market_id: str) -> dict:
    control = plans.read(plans.control_ref(market_id))
    if control is None:
        raise Rejected("the market has no settlement", code="no_settlement")
    return control


def _main(market_id: str, deadline: float) -> dict:
    market, _ = store.get_market(market_id)
    while True:
        control = _control(market_id)
        phase = control["phase"]
        if phase == "done" or control.get("failed"):
            return {"market_id": market_id, "done": phase == "done", "phase": phase}
        if phase in PARTITIONED:
            return {"market_id": market_id, "done": False, "phase": phase,
                    "woken": _wake_stalled(market_id, control)}
        if time.monotonic() > deadline:
            start_settlement(market_id, attempt=f"{phase}-{time.time_ns() // 10**6}")
            return {"market_id": market_id, "done": False, "phase": phase}
        marks = Checkpoints(market_id, control)
        if phase == "count":
            _wait_for_stragglers(control)
            planning.count(market, control, marks, deadline)
        elif phase == "plan":
            planning.plan(market, control, marks, deadline)
        elif phase == "rank":
            ranked = planning.rank(market, control, marks, deadline)
            if ranked is not None:
                _open_holds(market, control, marks, ranked)
        elif phase == "finish":
            _finish(market, control, deadline)


def _wait_for_stragglers(control: dict) -> None:
    if control["kind"] != "cancelled":
        return
    left = (control["at"] + timedelta(seconds=CANCEL_SETTLE_DELAY_S)
            - datetime.now(timezone.utc)).total_seconds()
    if left > 0:
        raise Unavailable("commits may still arrive; settle later", retry_after_s=int(left) + 1)


def _open_holds(market: Market, control: dict, marks: Checkpoints, ranked: dict) -> None:
    """rank -> holds: the partitions' documents, and the plan's totals on the market."""
    n, the_split = int(control["partitions"]), Split(**control["split"])
    now = datetime.now(timezone.utc)
    summary = {"state": "settling", "started_at": control["at"], "pool": the_split.pool,
               "cut": the_split.cut, "paid": the_split.distributable,
               "winning_stake": the_split.winning_stake,
               "forecasters": int(control["tally"]["forecasters"]), "partitions": n}
    market_ref = collection(store.MARKETS).document(market.id)
    pace(market_ref.path, control.get("market_written_at"))
    parts = [plans.partition_ref(market.id, p) for p in range(n)]

    def also(txn: firestore.Transaction) -> None:
        for ref in parts:
            wire.set(txn, ref, _fresh("holds", now))
        txn.update(market_ref, {"settlement": summary, "committed_total": the_split.pool})

    marks.write({"phase": "holds", "cursor": None, **ranked, "market_written_at": now}, also,
                (market_ref.path, *(r.path for r in parts)))
    for p in range(n):
        start_settlement(market.id, attempt="holds", partition=p)


def _fresh(phase: str, now: datetime) -> dict:
    return {"phase": phase, "cursor": None, "done": False, "steps": 0, "at": now}


def _partition(market_id: str, p: int, deadline: float) -> dict:
    market, _ = store.get_market(market_id)
    ref = plans.partition_ref(market_id, p)
    ahead, after = [], None  # the partition's next entries, read (one query) after `after`
    while True:
        control = _control(market_id)
        phase = control["phase"]
        part = plans.read(ref)
        if (phase not in PARTITIONED or control.get("failed") or part is None
                or part["phase"] != phase or part["done"]):
            return {"market_id": market_id, "partition": p, "done": False, "phase": phase}
        if time.monotonic() > deadline:
            start_settlement(market_id, attempt=f"{phase}-s{part['steps']}", partition=p)
            return {"market_id": market_id, "partition": p, "done": False, "phase": phase}
        if not ahead or after != part.get("cursor"):
            after = part.get("cursor")
            ahead = [{"id": s.id, **s.to_dict()} for s in plans.entry_page(
                market_id, p, after, READ_AHEAD, winners_only=phase == "payouts")]
            if not ahead:
                _close(market, control, p)
                return {"market_id": market_id, "partition": p, "done": True, "phase": phase}
        pace(ref.path, part.get("at"))
        entries = _fit(payouts.with_payouts(ahead[:MAX_ENTRIES], control.get("threshold", "")),
                       phase)
        committed = _step(market, part, p, entries)
        if committed is None:
            return {"market_id": market_id, "partition": p, "failed": True}
        ahead, after = (ahead[committed:], entries[committed - 1]["id"]) if committed else ([], None)


def _fit(entries: list[dict], phase: str) -> list[dict]:
    """The longest prefix whose estimated writes stay within STEP_WRITES (at least one)."""
    chosen, writes = [], 0
    for e in entries:
        cost = (PAYOUT_WRITES if phase == "payouts"
                else HOLD_WRITES * len(e["holds"]) + (ENTRY_WRITES if e["last"] else 0))
        if chosen and writes + cost > STEP_WRITES:
            break
        chosen.append(e)
        writes += cost
    return chosen


def _step(market: Market, part: dict, p: int, entries: list[dict]) -> int | None:
    """Commit the step, halving it while it is too big: how many entries it settled (0 when
    another delivery had moved the partition on), None when one entry cannot commit."""
    k = len(entries)
    while True:
        try:
            return k if run_step(market, part, p, entries[:k]) else 0
        except (CommitTooLarge, InvalidArgument) as err:
            if k == 1:
                _fail(market, f"entry {entries[0]['id']} cannot commit: {err}")
                return None
            log.warning("settlement step too big; halving it", extra={
                "market_id": market.id, "partition": p, "entries": k, "error": str(err)})
            k //= 2


def run_step(market: Market, part: dict, p: int, entries: list[dict]) -> bool:
    """One step of the partition's phase over `entries`; False when another delivery had
    already moved the partition on (nothing written)."""
    ref = plans.partition_ref(market.id, p)
    phase, start, steps = part["phase"], part.get("cursor"), int(part["steps"])
    body = payouts.settle_holds if phase == "holds" else payouts.pay

    def work(txn: firestore.Transaction) -> bool:
        now = wire.get_all(txn, [ref])[ref.path] or {}
        if (now.get("phase"), now.get("cursor"), now.get("done")) != (phase, start, False):
            return False
        body(txn, market, p, entries)
        wire.merge(txn, ref, {"cursor": entries[-1]["id"], "steps": steps + 1,
                              "at": datetime.now(timezone.utc)})
        require_within_limits(txn)
        return True

    with exclusive(e["uid"] for e in entries):  # other markets' steps may share users
        committed = run_transaction(work, serialize_on=[ref.path], deadline_s=30)
    wrote(ref.path)
    return committed


class _Busy(Exception):
    """Another partition's document was written less than REMOTE_GAP_S ago: wait this long."""

    def __init__(self, wait: float):
        super().__init__(wait)
        self.wait = wait


def _close(market: Market, control: dict, p: int) -> None:
    """Mark partition `p` finished with its phase; the last one moves the settlement on."""
    n, phase = int(control["partitions"]), control["phase"]
    refs = [plans.partition_ref(market.id, q) for q in range(n)]
    control_ref = plans.control_ref(market.id)
    the_split = Split(**control["split"])

    def work(txn: firestore.Transaction) -> str | None:
        docs = wire.get_all(txn, [control_ref, *refs])
        # moved on by another partition, or gone (a wiped database): nothing to close here
        if (docs[control_ref.path] or {}).get("phase") != phase:
            return None
        now = datetime.now(timezone.utc)
        if not all(docs[r.path]["done"] for q, r in enumerate(refs) if q != p):
            wire.merge(txn, refs[p], {"done": True, "at": now})
            return None
        # the last one writes every partition's document: not while one was just written
        rested = min(((now - docs[r.path]["at"]).total_seconds() for q, r in enumerate(refs)
                      if q != p), default=REMOTE_GAP_S)
        if rested < REMOTE_GAP_S:
            raise _Busy(REMOTE_GAP_S - rested)
        if phase == "holds" and not the_split.voids_all:
            payouts.balance(txn, market, control["due_by"], the_split.cut)  # reads first
            for r in refs:
                wire.set(txn, r, _fresh("payouts", now))
            txn.update(control_ref, {"phase": "payouts", "written_at": now})
            return "payouts"
        wire.merge(txn, refs[p], {"done": True, "at": now})
        txn.update(control_ref, {"phase": "finish", "written_at": now})
        return "finish"

    pace(refs[p].path, None)
    pace(control_ref.path, control.get("written_at"))
    while True:
        try:
            opened = run_transaction(work, serialize_on=[control_ref.path], deadline_s=30)
            break
        except _Busy as busy:
            time.sleep(busy.wait)
    wrote(control_ref.path, *(r.path for r in refs))
    if opened == "payouts":
        for q in range(n):
            start_settlement(market.id, attempt="payouts", partition=q)
    elif opened == "finish":
        start_settlement(market.id, attempt="finish")


def _finish(market: Market, control: dict, deadline: float) -> None:
    """Void what is still pending, then mark the settlement done and the market settled."""
    while pending := plans.pending_holds(market.id, STRAGGLERS):
        run_transaction(lambda txn: payouts.void_stragglers(txn, pending), deadline_s=30)
        if time.monotonic() > deadline:
            return
    control_ref = plans.control_ref(market.id)
    market_ref = collection(store.MARKETS).document(market.id)
    pace(control_ref.path, control.get("written_at"))
    pace(market_ref.path, control.get("market_written_at"))

    def work(txn: firestore.Transaction) -> None:
        if (wire.get_all(txn, [control_ref])[control_ref.path] or {}).get("phase") != "finish":
            return
        now = datetime.now(timezone.utc)
        txn.update(control_ref, {"phase": "done", "done": True, "finished_at": now,
                                 "written_at": now, "market_written_at": now})
        txn.update(market_ref, {"settlement.state": "settled",
                                "settlement.settled_at": firestore.SERVER_TIMESTAMP})

    run_transaction(work, serialize_on=[control_ref.path], deadline_s=30)
    wrote(control_ref.path, market_ref.path)


def _fail(market: Market, reason: str) -> None:
    log.error("settlement failed", extra={"market_id": market.id, "reason": reason})
    now = datetime.now(timezone.utc)
    plans.control_ref(market.id).update({"failed": {"reason": reason, "at": now}})
    collection(store.MARKETS).document(market.id).update(
        {"settlement.state": "failed", "settlement.failure": reason})


def _wake_stalled(market_id: str, control: dict) -> int:
    """Wake each partition of the phase that is unfinished and made no progress for STALL_S."""
    now = datetime.now(timezone.utc)
    refs = [plans.partition_ref(market_id, q) for q in range(int(control["partitions"]))]
    docs = wire.get_all(None, refs)
    minute = now.strftime("%Y%m%d%H%M")
    woken = 0
    for q, r in enumerate(refs):
        d = docs[r.path]
        if d and not d["done"] and (now - d["at"]).total_seconds() > STALL_S:
            woken += start_settlement(market_id, attempt=f"{control['phase']}-{minute}",
                                      partition=q)
    return woken


def restart_stalled() -> int:
    """Wake the main task of every settlement not done (a lost task, a crashed worker)."""
    minute = datetime.now(timezone.utc).strftime("%Y%m%d%H%M")
    return sum(1 for m in plans.unfinished() if start_settlement(m, attempt=f"sweep-{minute}"))
