"""Resolution and cancellation: write the outcome once and freeze the payout plan into steps.

Guarantees:
- A market is resolved or cancelled at most once: the transaction reads the market document and
  refuses (market_already_resolved / market_already_cancelled) if either happened; two
  concurrent resolutions therefore produce one plan and one settlement.
- Resolution needs the close time plus ARRIVAL_GRACE to have passed, so every commit that can
  ever exist for the market is already committed and is in the plan.
- The plan (shared/domain/markets/payouts.py) is written in the same transaction as the resolution, as
  numbered immutable step documents plus a progress document; settlement only executes it.
- Cancellation voids every hold. Commits still in flight when it happens are voided by the
  settlement's last step, which is delayed until no such commit can still arrive.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from google.cloud import firestore

from shared.domain.errors import Conflict, Rejected
from shared.domain.idempotency import Operation
from shared.domain.markets.market import ARRIVAL_GRACE, Market, MarketStatus, Resolution
from shared.domain.markets.payouts import PayoutPlan, plan
from shared.domain.users import User
from shared.integrations import tasks
from shared.store.markets import market as store
from shared.store.client import collection, db
from shared.store.idempotency import run_idempotent

from shared.services.markets.catalog import detail

log = logging.getLogger("mintbook.markets")
PAYOUTS_PER_STEP = 100
STEP_WRITES = 400  # a holds step's writes at most, estimated per user: under Firestore's 500
USER_WRITES, HOLD_WRITES = 9, 4  # accounts, gather, journal, results; per hold: hold, post, journal
TASK = "task_settle_market"
# A commit that saw a stale 'open' snapshot can still commit this long after a cancellation.
CANCEL_SETTLE_DELAY_S = int(store.SNAPSHOT_TTL_S + 10 + 1)


def resolve(op: Operation, actor: User, market_id: str, resolution: Resolution) -> dict:
    market, _ = store.get_market(market_id)
    resolution.validate(market)
    if datetime.now(timezone.utc) < market.closes_at + ARRIVAL_GRACE:
        raise Rejected("a market is resolved after its close time (plus a few seconds)",
                       code="market_not_closed")
    frozen = plan(market, store.commit_records(market_id), resolution.outcome)
    record = {**resolution._asdict(), "evidence_urls": list(resolution.evidence_urls)}
    _freeze(op, market, frozen, MarketStatus.RESOLVED, record)
    start_settlement(market_id)
    return detail(market_id)


def cancel(op: Operation, actor: User, market_id: str, reason: str) -> dict:
    market, _ = store.get_market(market_id)
    frozen = plan(market, store.commit_records(market_id), None)
    _freeze(op, market, frozen, MarketStatus.CANCELLED, {"by": actor.uid, "note": reason})
    store.forget_snapshots()
    start_settlement(market_id, delay_s=CANCEL_SETTLE_DELAY_S)
    return detail(market_id)


def _freeze(op: Operation, market: Market, frozen: PayoutPlan, status: MarketStatus,
            decision: dict) -> None:
    ref = collection(store.MARKETS).document(market.id)
    steps = plan_steps(market, frozen)

    def work(txn: firestore.Transaction) -> dict:
        current = ref.get(transaction=txn).to_dict()
        if current["status"] in (MarketStatus.RESOLVED, MarketStatus.CANCELLED):
            raise Conflict(f"the market was already {current['status']}", field="market_id",
                           code=f"market_already_{current['status']}")
        at = datetime.now(timezone.utc)
        txn.update(ref, {"status": status.value, "version": int(current.get("version", 0)) + 1,
                         "resolution": {**decision, "at": at},
                         "committed_total": frozen.pool or current.get("committed_total", 0),
                         "settlement": {"state": "settling", "pool": frozen.pool,
                                        "cut": frozen.cut, "paid": frozen.paid,
                                        "winning_stake": frozen.winning_stake,
                                        "steps": len(steps)}})
        txn.create(db().document(store.settlement_path(market.id)),
                   {"market_id": market.id, "next_step": 0, "steps": len(steps), "done": False,
                    "started_at": at})
        for n, step in enumerate(steps):
            txn.create(db().document(store.step_path(market.id, n)), step)
        return {"id": market.id}

    run_idempotent(op, work)


def plan_steps(market: Market, frozen: PayoutPlan) -> list[dict]:
    """The plan as settlement executes it: holds (posting each forecaster's stake into the pool),
    then pay, then finish."""
    # Firestore stores no array inside an array: holds and payouts are lists of maps.
    users = [u._asdict() | {"holds": [{"hold_id": h, "action": a.value} for h, a in u.holds],
                          "result": u.result.value}
             for u in frozen.users]
    steps = [{"kind": "holds", "users": chunk} for chunk in _by_writes(users)]
    if not frozen.voids_all:
        paid = [{"uid": u.uid, "amount": u.payout} for u in frozen.users if u.payout > 0]
        chunks = [paid[i:i + PAYOUTS_PER_STEP] for i in range(0, len(paid), PAYOUTS_PER_STEP)]
        for i, chunk in enumerate(chunks or [[]]):
            last = i == max(len(chunks), 1) - 1
            steps.append({"kind": "payouts", "payouts": chunk, "cut": frozen.cut if last else 0})
    steps.append({"kind": "finish"})
    return steps


def _by_writes(users: list[dict]) -> list[list[dict]]:
    """Consecutive users, as many per step as keep its estimated writes within STEP_WRITES."""
    chunks: list[list[dict]] = []
    writes = STEP_WRITES
    for u in users:
        cost = USER_WRITES + HOLD_WRITES * len(u["holds"])
        if writes + cost > STEP_WRITES:
            chunks.append([])
            writes = 0
        chunks[-1].append(u)
        writes += cost
    return chunks


def start_settlement(market_id: str, delay_s: int = 0, attempt: str = "start") -> bool:
    """Wake the settlement task; a failure here is repaired by the sweep job."""
    try:
        return tasks.enqueue(TASK, {"market_id": market_id},
                             task_name=f"settle-{market_id}-{attempt}", delay_s=delay_s)
    except Exception:  # the resolution is committed; job_markets_sweep enqueues it again
        log.warning("could not enqueue settlement", extra={"market_id": market_id},
                    exc_info=True)
        return False
