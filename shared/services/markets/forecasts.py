"""Forecasts: a commit holds the user's tokens in the user's own escrow in the market.

Guarantees:
- The commit transaction reads only the user's account, the user's forecast in this market and
  the commit's own transfer (its receipt, if this is a replay); it writes the hold (user -> the
  user's escrow in the market, credited blind) with the idempotent answer on its transfer, and
  the forecast, nothing else: no document another forecaster's commit writes. The hold is the commit's record: it carries the market, the outcome
  and the implied probability, and its `created_at` is the server's commit time. It never
  reads or writes the market document, so thousands of users can commit to one market at once
  without contending. (The feed's "forecast placed" entry is written by the trigger on the
  forecast's creation, shared/services/markets/social.py, outside this transaction.)
- A raise updates only the forecast fields that change: every field written costs index
  writes on the hot path.
- Whether the market accepts commits is checked against a snapshot at most a few seconds old,
  refreshed by one request at a time per instance; the authority is the server commit time,
  judged at settlement (late commits are refunded). After it commits, a commit asks for a
  recount of the pool (services/markets/totals.py), outside its transaction.
- The transaction's deadline ends ARRIVAL_GRACE after the close, so no commit can exist that a
  resolution, which waits that long, could miss.
- The implied probability recorded is the outcome's share of the pool in the snapshot (PPM):
  the pool as the totals task counted it at `totals_as_of`, which the answer carries.
"""
from __future__ import annotations

import threading
import zlib
from datetime import datetime, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.accounts import user_account_id
from shared.domain.errors import InvalidInput, Rejected
from shared.domain.idempotency import Operation
from shared.domain.ledger import LedgerBatch, Transfer, TransferType
from shared.domain.markets.market import (ARRIVAL_GRACE, PPM, ForecastState, implied_all,
                                          implied_ppm, potential_payout, raise_forecast)
from shared.domain.money import require_amount
from shared.domain.users import User
from shared.store import ledger as ledger_store
from shared.store.markets import market as store
from shared.store import wire
from shared.store.client import collection
from shared.store.pages import page
from shared.store.transactions import run_transaction

from shared.services.markets import totals

MAX_DEADLINE_S = 10.0
# When a market's snapshot expires, every in-flight commit of the instance would re-read the
# market and all its escrow shards at once; a lock per market (striped) lets one of them do it.
_REFRESH = [threading.Lock() for _ in range(64)]


def commit(op: Operation, user: User, market_id: str, outcome: str, amount: int) -> dict:
    user.require_active()
    require_amount(amount)
    snap = _snapshot(market_id)
    market, now = snap.market, datetime.now(timezone.utc)
    market.require_accepting(now, outcome)
    deadline = min(MAX_DEADLINE_S, (market.closes_at + ARRIVAL_GRACE - now).total_seconds() - 0.5)
    if deadline <= 0:
        raise Rejected("the market is closed", code="market_closed")
    p = implied_ppm(snap.totals, outcome)
    account = user_account_id(user.uid, market.asset)
    escrow = market.escrow_account(user.uid)
    forecast_ref = collection(store.FORECASTS).document(store.forecast_id(market.id, user.uid))

    def work(txn: firestore.Transaction) -> dict:
        read = ledger_store.read(txn, [account], other_paths=[forecast_ref.path], receipt_of=op)
        if read.replay is not None:
            return read.replay
        current = read.others[forecast_ref.path]
        state = raise_forecast(_state(current), outcome, amount, p, market.max_per_user)
        batch = LedgerBatch(read.accounts)
        batch.hold(Transfer(id=op.id, debit_account_id=account, credit_account_id=escrow,
                            asset=market.asset, amount=amount, type=TransferType.COMMIT,
                            reference=market.id, pending=True))
        answer = _answer(op.id, snap, state, amount, p, batch.account(account).available)
        ledger_store.write(txn, batch.result, receipt=ledger_store.Receipt(op, answer),
                           hold_facts={op.id: {"market_id": market.id, "outcome": outcome,
                                               "p_ppm": p}})
        if current is None:
            wire.create(txn, forecast_ref, _forecast_doc(market, user.uid, state))
        else:
            wire.update(txn, forecast_ref, _raised(state))
        return answer

    answer = run_transaction(work, serialize_on=[account], deadline_s=deadline)
    totals.refresh_soon(market.id)
    return answer


def _snapshot(market_id: str) -> store.Snapshot:
    with _REFRESH[zlib.crc32(market_id.encode()) % len(_REFRESH)]:
        return store.snapshot(market_id)


def _state(data: dict | None) -> ForecastState | None:
    if data is None:
        return None
    return ForecastState(outcome=data["outcome"], amount=int(data["amount"]),
                         p_ppm=int(data["p_ppm"]), commits=int(data["commits"]))


def _forecast_doc(market, uid: str, state: ForecastState) -> dict:
    return {"market_id": market.id, "owner": uid, "category": market.category.value,
            "market_title": market.title, "outcome": state.outcome, "amount": state.amount,
            "p_ppm": state.p_ppm, "commits": state.commits, "asset": market.asset,
            "result": "pending", "updated_at": firestore.SERVER_TIMESTAMP,
            "created_at": firestore.SERVER_TIMESTAMP}


def _raised(state: ForecastState) -> dict:
    return {"amount": state.amount, "p_ppm": state.p_ppm, "commits": state.commits,
            "updated_at": firestore.SERVER_TIMESTAMP}


def _answer(commit_id: str, snap: store.Snapshot, state: ForecastState, amount: int, p: int,
            available: int) -> dict:
    market = snap.market
    return {"commit_id": commit_id, "market_id": market.id, "outcome": state.outcome,
            "amount": amount, "forecast_amount": state.amount, "implied_ppm": p,
            "totals_as_of": snap.as_of,
            "potential_payout": potential_payout(snap.totals, state.outcome, state.amount, amount,
                                                 market.cut_bps),
            "available_after": available}


def estimate(market_id: str, outcome: str, amount: int) -> dict:
    """Implied odds now and what `amount` would pay if the outcome won at the current pool."""
    require_amount(amount)
    snap = store.snapshot(market_id, max_age_s=0)  # as current as the last count
    if outcome not in snap.market.outcome_ids():
        raise InvalidInput(f"{outcome!r} is not an outcome", field="outcome", code="unknown_outcome")
    p = implied_ppm(snap.totals, outcome)
    payout = potential_payout(snap.totals, outcome, amount, amount, snap.market.cut_bps)
    return {"market_id": market_id, "outcome": outcome, "amount": amount, "implied_ppm": p,
            "implied_after_ppm": implied_all({**snap.totals,
                                              outcome: snap.totals.get(outcome, 0) + amount})[outcome],
            "totals_as_of": snap.as_of,
            "decimal_odds_ppm": payout * PPM // amount, "potential_payout": payout,
            "pool": sum(snap.totals.values())}


def my_forecasts(uid: str, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    query = (collection(store.FORECASTS).where(filter=FieldFilter("owner", "==", uid))
             .order_by("updated_at", direction=firestore.Query.DESCENDING))
    docs, next_cursor = page(query, store.FORECASTS, cursor, limit)
    keys = ("market_id", "market_title", "category", "outcome", "amount", "p_ppm", "commits",
            "result", "payout", "score_ppm")
    return [{k: d.to_dict().get(k) for k in keys} for d in docs], next_cursor
