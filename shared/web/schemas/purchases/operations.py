"""Requests and responses of the admin side of purchases' Stripe payments: failed deliveries
and their replay, sync with Stripe, purchase stats."""

from datetime import datetime

from pydantic import Field

from shared.web.schemas.common import Body, DocId, Page, PageQuery, View


class FailureQuery(PageQuery):
    include_resolved: bool = False


class FailureView(View):
    event_id: str
    type: str
    code: str
    error: str
    attempts: int
    resolved: bool
    last_attempt_at: datetime | None


FailurePage = Page[FailureView]


class ReplayRequest(Body):
    event_id: DocId


class EventResult(View):
    event_id: str
    type: str
    purchase_id: str | None = None
    outcome: str


class SyncResult(View):
    checked: int
    applied: list[EventResult]
    expired: int = 0


class CurrencyTotals(View):
    currency: str
    revenue: int
    refunded: int
    purchases: int


class PurchaseStats(View):
    tokens_sold: int
    tokens_clawed_back: int
    completed: int
    pending: int
    failed: int
    by_currency: list[CurrencyTotals]
    outstanding_receivables: int
    complete: bool = Field(description="every committed change is counted; false while more "
                           "than a few wait for the fold job (then the totals are as of "
                           "folded_at, plus the changes read)")
    folded_at: datetime | None = Field(None, description="when the fold job last added changes")
