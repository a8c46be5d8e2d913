"""Requests and answers of the suspicious-account flags (admin only)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from .common import Body, PageQuery, Reason, Uid


class FlagsQuery(PageQuery):
    status: Literal["open", "cleared"] | None = None


class ClearFlagRequest(Body):
    uid: Uid
    reason: Reason
    version: int | None = None


class FlagReasonView(BaseModel):
    code: Literal["refund_after_spend", "two_way_trading", "signup_burst"]
    subject: str
    detail: str


class FlagView(BaseModel):
    uid: str
    status: Literal["open", "cleared"]
    version: int
    reasons: list[FlagReasonView]
    cleared_by: str | None = None
    cleared_reason: str | None = None


class FlagPage(BaseModel):
    items: list[FlagView]
    next_cursor: str | None = None
