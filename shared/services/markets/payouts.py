"""Settlement: execute a frozen payout plan one step (one transaction) at a time.

Guarantees:
- Each step commits in one transaction together with the progress document's `next_step`, which
  the transaction reads and checks: a step runs exactly once however often a task is delivered,
  and a crash between steps resumes at the first step not committed.
- Every transfer id is derived from the market and the hold or user it settles, so even a step
  replayed against the ledger could not double-post.
- holds: each hold is posted (final) into its forecaster's escrow or voided (refunded); the
  escrow (read, since it is debited) moves what was posted into the pool, credited once per
  step; the user's forecast gets its result, payout and score; reputation and a notification
  are written once.
- payouts: the pool (read) pays each winner and the platform cut; it never goes below zero.
- finish: voids any commit still pending (commits that raced a cancellation) and marks the
  market settled.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from google.cloud import firestore

from shared.domain.accounts import SystemAccount, spread_account_id, user_account_id
from shared.domain.errors import Rejected, Unavailable
from shared.domain.idempotency import derive_id
from shared.domain.ledger import HoldStatus, LedgerBatch, Transfer, TransferType
from shared.domain.markets.market import Market, MarketStatus, pool_account_id
from shared.store import ledger as ledger_store
from shared.store.markets import market as store
from shared.store.client import collection, db
from shared.store.transactions import run_transaction

from shared.services.accounts import reads_for
from shared.services.markets.resolution import CANCEL_SETTLE_DELAY_S, start_settlement

NOTIFICATIONS = "notifications"


def settle(market_id: str, budget_s: float = 20.0) -> dict:
    """Run steps until done or out of time; then wake a continuation task."""
    started = time.monotonic()
    while time.monotonic() - started < budget_s:
        progress = db().document(store.settlement_path(market_id)).get()
        if not progress.exists:
            raise Rejected("the market has no settlement", code="no_settlement")
        n = int(progress.get("next_step"))
        if progress.get("done"):
            return {"market_id": market_id, "done": True, "steps": n}
        step = db().document(store.step_path(market_id, n)).get().to_dict()
        run_step(market_id, n, step)
    start_settlement(market_id, attempt=f"step-{n + 1}")
    return {"market_id": market_id, "done": False, "next_step": n + 1}


def run_step(market_id: str, n: int, step: dict) -> None:
    market, data = store.get_market(market_id)
    handlers = {"holds": _holds, "payouts": _payouts, "finish": _finish}
    handler = handlers[step["kind"]]
    if step["kind"] == "finish":
        _wait_for_stragglers(market, data)
        step = {**step, "pending": store.pending_commit_ids(market_id)}
    progress_ref = db().document(store.settlement_path(market_id))

    def work(txn: firestore.Transaction) -> None:
        progress = progress_ref.get(transaction=txn).to_dict()
        if progress["done"] or int(progress["next_step"]) != n:
            return  # another delivery committed this step first
        handler(txn, market, step)
        last = n + 1 == int(progress["steps"])
        txn.update(progress_ref, {"next_step": n + 1, "done": last,
                                  **({"finished_at": firestore.SERVER_TIMESTAMP} if last else {})})

    run_transaction(work, serialize_on=[progress_ref.path], deadline_s=30)


def _wait_for_stragglers(market: Market, data: dict) -> None:
    if market.status is not MarketStatus.CANCELLED:
        return
    at = data["resolution"]["at"]
    if datetime.now(timezone.utc) < at + timedelta(seconds=CANCEL_SETTLE_DELAY_S):
        raise Unavailable("commits may still arrive; settle later", retry_after_s=5)


def _holds(txn: firestore.Transaction, market: Market, step: dict) -> None:
    users = step["users"]
    accounts = [user_account_id(u["uid"], market.asset) for u in users]
    escrows = [market.escrow_account(u["uid"]) for u in users]
    hold_ids = [h["hold_id"] for u in users for h in u["holds"]]
    read = ledger_store.read(txn, accounts + escrows, hold_ids=hold_ids)
    batch = LedgerBatch(read.accounts, read.holds)
    pool = pool_account_id(market.id, market.asset)
    for u, escrow in zip(users, escrows):
        for h in u["holds"]:
            _settle_hold(batch, h["hold_id"], h["action"])
        staked = batch.account(escrow).balance
        if staked > 0:
            batch.transfer(Transfer(id=derive_id("gather", escrow), debit_account_id=escrow,
                                    credit_account_id=pool, asset=market.asset, amount=staked,
                                    type=TransferType.PAYOUT, reference=market.id, memo="gather"))
        _record_result(txn, market, u)
    ledger_store.write(txn, batch.result)


def _settle_hold(batch: LedgerBatch, hold_id: str, action: str) -> None:
    """Post or void what the commit's hold has left; settling it again changes nothing."""
    hold = batch.hold_state(hold_id)
    if hold.status is HoldStatus.PENDING:
        if action == "post":
            batch.post(derive_id("post", hold_id), hold_id, hold.remaining, final=True)
        else:
            batch.void(derive_id("void", hold_id), hold_id)


def _record_result(txn: firestore.Transaction, market: Market, u: dict) -> None:
    uid, result = u["uid"], u["result"]
    net = u["payout"] - u["stake"]
    txn.set(collection(store.FORECASTS).document(store.forecast_id(market.id, uid)),
            {"result": result, "payout": u["payout"], "score_ppm": u["score_ppm"],
             "refunded": u["refunded"], "settled_at": firestore.SERVER_TIMESTAMP}, merge=True)
    if result != "void":
        inc = firestore.Increment
        txn.set(collection(store.REPUTATION).document(uid),
                {"owner": uid, "score_ppm": inc(u["score_ppm"]), "resolved": inc(1),
                 "correct": inc(1 if result == "won" else 0), "net_won": inc(net),
                 "updated_at": firestore.SERVER_TIMESTAMP}, merge=True)
        txn.set(collection(store.REPUTATION_EVENTS).document(store.forecast_id(market.id, uid)),
                {"owner": uid, "market_id": market.id, "category": market.category.value,
                 "result": result, "score_ppm": u["score_ppm"], "net_won": net,
                 "at": firestore.SERVER_TIMESTAMP})
    txn.set(collection(NOTIFICATIONS).document(derive_id("settled", market.id, uid)),
            {"owner": uid, "kind": "market_resolved" if result != "void" else "forecast_refunded",
             "market_id": market.id, "market_title": market.title, "result": result,
             "payout": u["payout"], "refunded": u["refunded"], "read": False,
             "created_at": firestore.SERVER_TIMESTAMP})


def _payouts(txn: firestore.Transaction, market: Market, step: dict) -> None:
    pool = pool_account_id(market.id, market.asset)
    winners = [user_account_id(p["uid"], market.asset) for p in step["payouts"]]
    read = ledger_store.read(txn, [pool, *reads_for(credited=winners)])
    batch = LedgerBatch(read.accounts)
    due = sum(p["amount"] for p in step["payouts"]) + step["cut"]
    if batch.account(pool).balance < due:
        raise Rejected(f"the pool holds {batch.account(pool).balance}, the step pays {due}",
                       code="settlement_shortfall")
    for p, account in zip(step["payouts"], winners):
        batch.transfer(Transfer(id=derive_id("payout", market.id, p["uid"]), debit_account_id=pool,
                                credit_account_id=account, asset=market.asset, amount=p["amount"],
                                type=TransferType.PAYOUT, reference=market.id))
    if step["cut"]:
        batch.transfer(Transfer(id=derive_id("cut", market.id), debit_account_id=pool,
                                credit_account_id=spread_account_id(SystemAccount.FEES, market.id,
                                                                    market.asset),
                                asset=market.asset, amount=step["cut"], type=TransferType.FEE,
                                reference=market.id))
    ledger_store.write(txn, batch.result)


def _finish(txn: firestore.Transaction, market: Market, step: dict) -> None:
    pending = step["pending"]
    if pending:
        holds = ledger_store.read(txn, hold_ids=pending).holds
        accounts = ledger_store.read(txn, sorted({h.debit_account_id for h in holds.values()}))
        batch = LedgerBatch(accounts.accounts, holds)
        for hold_id in pending:
            _settle_hold(batch, hold_id, "void")
        ledger_store.write(txn, batch.result)
    txn.update(collection(store.MARKETS).document(market.id),
               {"settlement.state": "settled",
                "settlement.settled_at": firestore.SERVER_TIMESTAMP})


def restart_stalled() -> int:
    """Wake the settlement of every market not yet settled (a lost task, a crashed worker)."""
    from google.cloud.firestore_v1.base_query import FieldFilter

    minute = datetime.now(timezone.utc).strftime("%Y%m%d%H%M")
    query = collection(store.SETTLEMENTS).where(filter=FieldFilter("done", "==", False))
    return sum(1 for s in query.stream()
               if start_settlement(s.id, attempt=f"sweep-{minute}"))
