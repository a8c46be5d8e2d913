"""Assets are data: each is its own ledger with a code, decimals and an optional supply cap.

Invariant: the supply of an asset (tokens minted from issuance, i.e. -issuance balance) never
exceeds its cap when it has one.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.domain.accounts import require_asset_code
from shared.domain.errors import InvalidInput, Rejected
from shared.domain.money import MAX_AMOUNT


class AssetKind(StrEnum):
    PLATFORM = "platform"
    CREATOR = "creator"
    PROVIDER = "provider"


@dataclass(frozen=True)
class Asset:
    code: str
    name: str
    decimals: int
    kind: AssetKind = AssetKind.CREATOR
    supply_cap: int | None = None
    active: bool = True

    def __post_init__(self) -> None:
        require_asset_code(self.code, field="code")
        if not 0 <= self.decimals <= 9:
            raise InvalidInput("decimals must be between 0 and 9", field="decimals")
        if self.supply_cap is not None and not 0 < self.supply_cap <= MAX_AMOUNT:
            raise InvalidInput("supply_cap must be positive and storable", field="supply_cap")

    def check_mint(self, supply_after: int) -> None:
        if self.supply_cap is not None and supply_after > self.supply_cap:
            raise Rejected(f"{self.code} supply would exceed its cap of {self.supply_cap}",
                           code="supply_cap_exceeded")
