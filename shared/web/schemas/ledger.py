"""Requests and responses of balances, history, transfers and assets."""

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared.domain.assets import AssetKind
from shared.domain.ledger import TransferType
from shared.domain.money import MAX_AMOUNT

from .common import Amount, AssetCode, Body, PageQuery, ShortText, Uid, View


class AssetView(View):
    code: str
    name: str
    decimals: int
    kind: AssetKind
    supply_cap: int | None = None
    active: bool = True


class AssetList(View):
    items: list[AssetView]


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


class TransferRequest(Body):
    to: Uid
    asset: AssetCode
    amount: Amount
    memo: ShortText = ""


class TransferResult(View):
    transfer_id: str
    asset: str
    amount: int
    fee: int
    to: str
    available_after: int


class CreateAssetRequest(Body):
    code: AssetCode
    name: ShortText = Field(min_length=1)
    decimals: int = Field(ge=0, le=9)
    kind: AssetKind = AssetKind.CREATOR
    supply_cap: int | None = Field(None, gt=0, le=MAX_AMOUNT)
