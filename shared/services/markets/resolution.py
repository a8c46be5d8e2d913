"""Resolution and cancellation: record the decision once and start settlement.

Guarantees:
- A market is resolved or cancelled at most once: the transaction reads the market document and
  refuses (market_already_resolved / market_already_cancelled) if either happened; two
  concurrent resolutions therefore produce one decision and one settlement.
- Resolution needs the close time plus ARRIVAL_GRACE to have passed, so every commit that can
  ever exist for the market is already committed when settlement plans.
- The request writes four documents whatever the market's size: the market (status,
  resolution, `settlement.state` "planning"), its settlement's control document
  (market_settlements/{market}, phase "count"), the audit entry and the idempotency record; it answers at once.
  Settlement plans and pays in the background (services/markets/settlement.py); the market's
  `settlement` field shows its state ("planning", "settling", "settled").
- The decision's audit entry (resolve_market with the note, cancel_market with the reason;
  target: the market) is written in the deciding transaction, so it exists once.
- Cancellation voids every hold. Its settlement starts CANCEL_SETTLE_DELAY_S later, when no
  commit that raced the cancellation can still arrive; a straggler is voided at the end anyway.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from google.cloud import firestore

from shared.domain.errors import Conflict, Rejected
from shared.domain.idempotency import Operation
from shared.domain.markets.market import ARRIVAL_GRACE, Market, MarketStatus, Resolution
from shared.domain.users import User
from shared.integrations import tasks
from shared.store.markets import market as store
from shared.store.markets import settlement as plans
from shared.store.client import collection
from shared.store.idempotency import run_idempotent
from shared.store.users import record_audit

from shared.services.markets.catalog import detail

log = logging.getLogger("mintbook.markets")
TASK = "task_settle_market"
# A commit that saw a stale 'open' snapshot can still commit this long after a cancellation.
CANCEL_SETTLE_DELAY_S = int(store.SNAPSHOT_TTL_S + 10 + 1)


def resolve(op: Operation, actor: User, market_id: str, resolution: Resolution) -> dict:
    market, _ = store.get_market(market_id)
    resolution.validate(market)
    if datetime.now(timezone.utc) < market.closes_at + ARRIVAL_GRACE:
        raise Rejected("a market is resolved after its close time (plus a few seconds)",
                       code="market_not_closed")
    record = {**resolution._asdict(), "evidence_urls": list(resolution.evidence_urls)}
    _decide(op, actor, market, MarketStatus.RESOLVED, record, resolution.outcome,
            resolution.note or f"resolved: {resolution.outcome}")
    start_settlement(market_id)
    return detail(market_id)


def cancel(op: Operation, actor: User, market_id: str, reason: str) -> dict:
    market, _ = store.get_market(market_id)
    _decide(op, actor, market, MarketStatus.CANCELLED, {"by": actor.uid, "note": reason}, None,
            reason)
    store.forget_snapshots()
    start_settlement(market_id, delay_s=CANCEL_SETTLE_DELAY_S)
    return detail(market_id)


def _decide(op: Operation, actor: User, market: Market, status: MarketStatus, decision: dict,
            winner: str | None, reason: str) -> None:
    ref = collection(store.MARKETS).document(market.id)

    def work(txn: firestore.Transaction) -> dict:
        current = ref.get(transaction=txn).to_dict()
        if current["status"] in (MarketStatus.RESOLVED, MarketStatus.CANCELLED):
            raise Conflict(f"the market was already {current['status']}", field="market_id",
                           code=f"market_already_{current['status']}")
        at = datetime.now(timezone.utc)
        txn.update(ref, {"status": status.value, "version": int(current.get("version", 0)) + 1,
                         "resolution": {**decision, "at": at},
                         "settlement": {"state": "planning", "started_at": at}})
        txn.create(plans.control_ref(market.id),
                   {"market_id": market.id, "kind": status.value, "winner": winner, "at": at,
                    "phase": "count", "done": False, "written_at": at, "market_written_at": at})
        action = "resolve_market" if status is MarketStatus.RESOLVED else "cancel_market"
        record_audit(txn, actor=actor.uid, action=action,
                     target=market.id, reason=reason, before={"status": current["status"]},
                     after={"status": status.value, "outcome": winner,
                            "evidence_urls": decision.get("evidence_urls")})
        return {"id": market.id}

    run_idempotent(op, work)


def start_settlement(market_id: str, delay_s: int = 0, attempt: str = "start",
                     partition: int | None = None) -> bool:
    """Wake the settlement task (of one partition, or the main one); a failure here is repaired
    by the sweep job."""
    payload = {"market_id": market_id} | ({} if partition is None else {"partition": partition})
    where = "main" if partition is None else f"p{partition}"
    try:
        return tasks.enqueue(TASK, payload, task_name=f"settle-{market_id}-{where}-{attempt}",
                             delay_s=delay_s)
    except Exception:  # the decision is committed; job_markets_sweep enqueues it again
        log.warning("could not enqueue settlement", extra={"market_id": market_id},
                    exc_info=True)
        return False
