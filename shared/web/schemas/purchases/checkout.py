"""Requests and responses of packages and purchases."""

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from shared.domain.purchases import DisputeStatus, PurchaseStatus

from shared.web.schemas.common import Amount, Body, DocId, Page, PageQuery, Uid, View

Currency = Annotated[str, StringConstraints(pattern=r"^[a-z]{3}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class PackageView(View):
    id: str
    name: str
    tokens: int
    bonus: int
    price: int
    currency: str
    active: bool
    sort_order: int
    popular: bool
    version: int


class PackageList(Page[PackageView]):
    pass


class CreatePackageRequest(Body):
    name: Name
    tokens: Amount
    bonus: int = Field(0, ge=0)
    price: Amount = Field(description="in the currency's smallest unit (cents)")
    currency: Currency = "usd"
    active: bool = True
    sort_order: int = 0
    popular: bool = False


class UpdatePackageRequest(Body):
    id: DocId
    version: int = Field(ge=0, description="the version you read; 409 if it moved")
    name: Name | None = None
    tokens: Amount | None = None
    bonus: int | None = Field(None, ge=0)
    price: Amount | None = None
    currency: Currency | None = None
    active: bool | None = Field(None, description="false deactivates the package")
    sort_order: int | None = None
    popular: bool | None = None


class CreatePurchaseRequest(Body):
    package_id: DocId


class PurchaseCreated(View):
    purchase_id: str
    payment_intent_id: str
    client_secret: str
    amount: int
    currency: str
    tokens: int
    bonus: int
    status: PurchaseStatus


class PurchaseView(View):
    id: str
    uid: str
    package_id: str
    asset: str
    tokens: int
    bonus: int
    amount: int
    currency: str
    status: PurchaseStatus
    payment_intent_id: str | None
    refunded: int
    clawed_back: int
    dispute: DisputeStatus
    created_at: datetime | None
    updated_at: datetime | None


PurchasePage = Page[PurchaseView]


class AdminPurchaseQuery(PageQuery):
    status: PurchaseStatus | None = None
    uid: Uid | None = None
    since: datetime | None = None
    until: datetime | None = None
