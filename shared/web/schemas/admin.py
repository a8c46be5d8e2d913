"""Requests and responses of admin user management (roles, status, balance adjustments, the
audit log), ledger stats and reconciliation reports."""

from datetime import datetime

from typing import Literal

from pydantic import Field

from shared.domain.users import Role, Status

from shared.web.schemas.common import AssetCode, Body, PageQuery, Reason, SignedAmount, Uid, View


class SetRoleRequest(Body):
    uid: Uid
    role: Role
    reason: Reason
    version: int | None = Field(None, ge=0)


class SetStatusRequest(Body):
    uid: Uid
    status: Literal[Status.ACTIVE, Status.SUSPENDED, Status.BANNED] = Field(
        description="deleted is reached only through admin_delete_user")
    reason: Reason
    version: int | None = Field(None, ge=0)


class AdjustRequest(Body):
    uid: Uid
    asset: AssetCode
    amount: SignedAmount = Field(description="positive credits the user, negative debits; never 0")
    reason: Reason


class AdjustResult(View):
    transfer_id: str
    uid: str
    asset: str
    amount: int
    balance_after: int


class AuditQuery(PageQuery):
    actor: Uid | None = None
    target: Uid | None = None


class AuditEntryView(View):
    id: str
    actor: str
    action: str
    target: str
    reason: str
    before: dict | None = None
    after: dict | None = None
    at: datetime | None = None


class AuditPage(View):
    items: list[AuditEntryView]
    next_cursor: str | None = None


class SupplyRow(View):
    asset: str
    supply: int
    cap: int | None
    fees_collected: int
    as_of: datetime | None = Field(description="supply and fees hold every share consolidated "
                                   "before this time; null when exact (an asset only admins mint)")


class DayCount(View):
    date: str
    transfers: int


class LedgerStats(View):
    supply: list[SupplyRow] = Field(description="a page of the assets, by code")
    next_cursor: str | None = None
    accounts: int | None = Field(description="null before job_discovery first counted")
    transfers_per_day: list[DayCount]
    counts_as_of: datetime | None = Field(description="when job_discovery counted the accounts "
                                          "and transfers per day (every 5 minutes)")


class DriftView(View):
    check: str
    subject: str
    field: str
    expected: int
    actual: int
    difference: int


class PartitionCovered(View):
    """The accounts a step re-verified: ids in (after, through], in id order."""
    after: str = Field(description="the partition starts after this account id (\"\": first)")
    through: str = Field(description="the last account id verified")
    period: int = Field(description="which pass over all accounts this step belongs to")
    period_complete: bool = Field(description="the step reached the last account")
    whole_ledger: bool = Field(description="every account in this one step, at one read time "
                               "(then the per-asset zero sum is summed, not argued)")
    deferred: bool = Field(description="nothing verified: even the first accounts' journal "
                           "tail was longer than a step reads (the fold is behind)")


class JournalCovered(View):
    folded: int = Field(description="journal entries checked and folded into sums by this step")
    caught_up: bool = Field(description="every entry older than the lag is folded")
    watermark: str | None = Field(description="entries up to here are folded (the least "
                                  "advanced bucket; null until every bucket has folded)")
    tail_entries: int = Field(description="newer entries of the partition's accounts, read "
                              "with them")


class PositionsCovered(View):
    """The positions a step verified against their fills: ids in (after, through]."""
    verified: int
    too_large: list[str] = Field(description="positions with more fills than a step reads: "
                                 "skipped, not proven")
    after: str
    through: str
    period_complete: bool


class ReconciliationReport(View):
    id: str
    ok: bool
    at: str
    accounts: int
    journal_accounts: int
    open_holds: int
    changed: int = Field(description="journal entries this step read (to fold, a page another "
                         "step folded first too, or in the partition's tail, a deferred "
                         "partition's too): what its reads grow with")
    partition: PartitionCovered
    journal: JournalCovered
    positions: PositionsCovered
    drift: list[DriftView]
