"""Requests and responses of profiles and admin user management."""

from datetime import datetime

from pydantic import Field, HttpUrl

from shared.domain.users import Role, Status

from .common import AssetCode, Body, PageQuery, Reason, SignedAmount, Uid, View


class ProfileView(View):
    uid: str
    display_name: str
    bio: str
    avatar_url: str
    role: Role
    status: Status
    version: int


class UpdateProfileRequest(Body):
    display_name: str | None = Field(None, min_length=1, max_length=60)
    bio: str | None = Field(None, max_length=500)
    avatar_url: HttpUrl | None = None
    version: int | None = Field(None, ge=0, description="the version you read; 409 if it moved")


class SetRoleRequest(Body):
    uid: Uid
    role: Role
    reason: Reason
    version: int | None = Field(None, ge=0)


class SetStatusRequest(Body):
    uid: Uid
    status: Status
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
