"""Requests and responses of swap offers and swap volume."""

from typing import Annotated

from pydantic import Field, StringConstraints

from shared.domain.swaps import OfferStatus

from shared.web.schemas.common import Amount, AssetCode, Body, PageQuery, Query, Uid, View

OfferId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{40}$")]
Day = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class CreateSwapOfferRequest(Body):
    give_asset: AssetCode
    give_amount: Amount
    want_asset: AssetCode
    want_amount: Amount
    allow_partial: bool = False


class SwapOfferView(View):
    id: str
    maker: str
    give_asset: str
    give_amount: int
    want_asset: str
    want_amount: int
    allow_partial: bool
    given: int
    received: int
    remaining: int
    status: OfferStatus


class ExecuteSwapOfferRequest(Body):
    offer_id: OfferId
    amount: Amount | None = Field(None, description="how much of the offered asset to take; "
                                                    "all that is left when omitted")


class SwapExecutionResult(View):
    offer: SwapOfferView
    received: int
    paid: int
    fee: int
    transfer_id: str


class CancelSwapOfferRequest(Body):
    offer_id: OfferId


class SwapOfferQuery(PageQuery):
    status: OfferStatus | None = OfferStatus.OPEN
    give_asset: AssetCode | None = None
    want_asset: AssetCode | None = None
    maker: Uid | None = None


class SwapOfferPage(View):
    items: list[SwapOfferView]
    next_cursor: str | None = None


class SwapVolumeQuery(Query):
    a: AssetCode
    b: AssetCode
    since: Day | None = None
    until: Day | None = None


class SwapVolumeDay(View):
    day: str
    base_volume: int
    quote_volume: int
    fills: int


class SwapVolumeView(View):
    base: str
    quote: str
    days: list[SwapVolumeDay]
