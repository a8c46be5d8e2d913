"""Responses of balances, a user's journal (history) and daily balance snapshots."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.domain.ledger import TransferType

from shared.web.schemas.common import AssetCode, PageQuery, View


class BalanceRow(View):
    asset: str
    available: int = Field(description="spendable now")
    committed: int = Field(description="held: forecasts, resting orders, open offers")
    total: int = Field(description="available + committed")
    owed: int = Field(0, description="tokens owed back after a refund (receivable)")


class Balances(View):
    items: list[BalanceRow]


class HistoryQuery(PageQuery):
    asset: AssetCode | None = None
    type: TransferType | None = None


class JournalEntryView(View):
    id: str
    transfer_id: str
    asset: str
    account_kind: Literal["spendable", "receivable"]
    type: TransferType
    reference: str
    memo: str
    amount: int
    committed_change: int
    balance_before: int | None
    balance_after: int | None
    available_before: int | None
    available_after: int | None
    created_at: datetime | None


class JournalPage(View):
    items: list[JournalEntryView]
    next_cursor: str | None = None


class BalanceHistoryQuery(PageQuery):
    asset: AssetCode = "CHIP"


class SnapshotView(View):
    date: str
    asset: str
    balance: int
    available: int
    committed: int


class SnapshotPage(View):
    items: list[SnapshotView]
    next_cursor: str | None = None
