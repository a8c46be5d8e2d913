"""Assets: listing them (anyone), creating them (admin). An asset's code is its document id, so
it exists at most once."""
from __future__ import annotations

from google.cloud import firestore

from shared.domain.assets import Asset
from shared.config import settings
from shared.domain.errors import Conflict, InvalidInput
from shared.domain.idempotency import Operation
from shared.domain.users import User
from shared.store.assets import ASSETS, asset_doc
from shared.store.assets import assets_page
from shared.store.client import collection
from shared.store.idempotency import run_idempotent
from shared.store.users import record_audit


def create_asset(op: Operation, admin: User | None, asset: Asset, reason: str = "") -> dict:
    if asset.code == settings().platform_asset and asset.supply_cap is not None:
        # Purchases and welcome bonuses mint it on hot paths, through per-user issuance shares
        # that no transaction could sum to enforce a cap (services/consolidation.py).
        raise InvalidInput("the platform asset has no supply cap", field="supply_cap")
    ref = collection(ASSETS).document(asset.code)

    def work(txn: firestore.Transaction) -> dict:
        if ref.get(transaction=txn).exists:
            raise Conflict(f"asset {asset.code} exists", field="code", code="asset_exists")
        txn.create(ref, asset_doc(asset))
        if admin is not None:
            record_audit(txn, actor=admin.uid, action="create_asset", target=asset.code,
                         reason=reason or "new asset", after=vars(asset) | {"kind": asset.kind.value})
        return vars(asset) | {"kind": asset.kind.value}

    return run_idempotent(op, work)


def list_assets(cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    assets, next_cursor = assets_page(cursor, limit)
    return [vars(a) for a in assets], next_cursor
