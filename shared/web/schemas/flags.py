"""Requests and answers of the suspicious-account flags (admin only)."""

from typing import Literal

from shared.web.schemas.common import Body, PageQuery, Reason, Uid, View


class FlagsQuery(PageQuery):
    status: Literal["open", "cleared"] | None = None


class ClearFlagRequest(Body):
    uid: Uid
    reason: Reason
    version: int | None = None


class FlagReasonView(View):
    code: Literal["refund_after_spend", "two_way_trading", "signup_burst"]
    subject: str
    detail: str


class FlagView(View):
    uid: str
    status: Literal["open", "cleared"]
    version: int
    reasons: list[FlagReasonView]
    cleared_by: str | None = None
    cleared_reason: str | None = None


class FlagPage(View):
    items: list[FlagView]
    next_cursor: str | None = None
