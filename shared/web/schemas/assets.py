"""Requests and responses of assets: the public list, and creating one (admins)."""

from pydantic import Field

from shared.domain.assets import AssetKind
from shared.domain.money import MAX_AMOUNT

from shared.web.schemas.common import AssetCode, Body, Page, ShortText, View


class AssetView(View):
    code: str
    name: str
    decimals: int
    kind: AssetKind
    supply_cap: int | None = None
    active: bool = True


class AssetList(Page[AssetView]):
    pass


class CreateAssetRequest(Body):
    code: AssetCode
    name: ShortText = Field(min_length=1)
    decimals: int = Field(ge=0, le=9)
    kind: AssetKind = AssetKind.CREATOR
    supply_cap: int | None = Field(None, gt=0, le=MAX_AMOUNT)
