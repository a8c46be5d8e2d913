"""Requests and responses of the service fee table and fee charges."""

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints

from shared.web.schemas.common import (Amount, AssetCode, Body, DocId, Page, PageQuery, Reason,
                                       ShortText, Uid, View)

ServiceType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,39}$")]


class SetServicePriceRequest(Body):
    service_type: ServiceType
    asset: AssetCode
    amount: Amount
    valid_from: AwareDatetime
    valid_until: AwareDatetime | None = None
    reason: Reason


class ServicePriceView(View):
    service_type: str
    asset: str
    amount: int
    valid_from: datetime
    valid_until: datetime | None = None
    in_force: bool | None = None


class PriceTableQuery(PageQuery):
    service_type: ServiceType | None = None


class PriceTable(Page[ServicePriceView]):
    pass


class ChargeFeeRequest(Body):
    uid: Uid
    service_type: ServiceType
    request_id: DocId = Field(description="the charge's idempotency key: one charge per id")
    description: ShortText = ""


class ChargeResult(View):
    transfer_id: str
    uid: str
    service_type: str
    asset: str
    amount: int
    available_after: int
