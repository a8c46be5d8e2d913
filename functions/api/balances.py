"""The caller's balances, transaction history and balance history."""
from __future__ import annotations

from shared.services import balances
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.balances import (BalanceHistoryQuery, Balances, HistoryQuery, JournalPage,
                                         SnapshotPage)


@endpoint("get_balances", response=Balances, summary="Available, committed and total per asset")
def get_balances(ctx: Context, _: None) -> dict:
    return {"items": balances.balances(ctx.uid)}


@endpoint("list_transactions", query=HistoryQuery, response=JournalPage,
          summary="Journal entries of the caller's accounts, newest first")
def list_transactions(ctx: Context, q: HistoryQuery) -> dict:
    items, cursor = balances.transactions(ctx.uid, asset=q.asset, type_=q.type and q.type.value,
                                          cursor=q.cursor, limit=q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("get_balance_history", query=BalanceHistoryQuery, response=SnapshotPage,
          summary="Balance snapshots of one asset, one per day it changed, newest first")
def get_balance_history(ctx: Context, q: BalanceHistoryQuery) -> dict:
    items, cursor = balances.balance_history(ctx.uid, q.asset, q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}
