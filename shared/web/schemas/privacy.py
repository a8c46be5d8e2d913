"""Requests and responses of the data-rights functions: export and account deletion."""
from __future__ import annotations

from typing import Any

from pydantic import Field

from shared.web.schemas.balances import BalanceRow
from shared.web.schemas.common import Body, Cursor, Query, Reason, Uid, View
from shared.web.schemas.users import ProfileView

EXPORT_LIMIT = 200  # documents per page of an export


class ExportQuery(Query):
    cursor: Cursor | None = None
    limit: int = Field(EXPORT_LIMIT, ge=1, le=EXPORT_LIMIT)


class AdminExportQuery(ExportQuery):
    uid: Uid
    reason: Reason = Field(description="why the export was requested (audited)")


class DataExport(View):
    uid: str
    profile: ProfileView | None = Field(None, description="on the first page only")
    balances: list[BalanceRow] | None = Field(None, description="on the first page only")
    sections: dict[str, list[dict[str, Any]]] = Field(
        description="documents the user owns by section (accounts, journal, holds, purchases, "
                    "forecasts, orders, fills, swap_offers, wallets, notifications, "
                    "balance_snapshots), in that order, each by document id")
    next_cursor: str | None = None


class DeleteAccountRequest(Body):
    confirm_forfeit: bool = Field(False, description="give up available tokens to the treasury")


class AdminDeleteUserRequest(DeleteAccountRequest):
    uid: Uid
    reason: Reason


class Forfeit(View):
    asset: str
    amount: int


class DeletedAccount(View):
    uid: str
    status: str
    forfeited: list[Forfeit]
