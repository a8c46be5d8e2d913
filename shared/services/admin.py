"""Admin read models: ledger stats and the audit log."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.accounts import SystemAccount, system_account_id
from shared.store.assets import list_assets
from shared.store.client import collection
from shared.store import ledger as ledger_store
from shared.store.ledger import ACCOUNTS, TRANSFERS
from shared.store.pages import page
from shared.store.users import AUDIT_LOG

from shared.services import consolidation

STATS_DAYS = 7


def ledger_stats(now: datetime | None = None) -> dict:
    """Supply per asset (what issuance has minted) and the fees collected, accounts, and
    transfers per day (7 days). Supply and fees are the main accounts' balances: exact for an
    asset only admins mint (a capped one), else as of the last complete consolidation
    (`as_of`), since hot paths write per-actor shares that the job moves in every minute."""
    now = now or datetime.now(timezone.utc)
    supply = supply_by_asset()
    accounts = count(collection(ACCOUNTS))
    days = []
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for back in range(STATS_DAYS):
        day = (today - timedelta(days=back)).date().isoformat()
        query = collection(TRANSFERS).where(filter=FieldFilter("day", "==", day))
        days.append({"date": day, "transfers": count(query)})
    return {"supply": supply, "accounts": accounts, "transfers_per_day": days}


def supply_by_asset() -> list[dict]:
    """Per asset, what issuance has minted and the fees collected (two reads an asset, and the
    consolidation status), with `as_of` None when exact (see ledger_stats)."""
    as_of = consolidation.status()
    supply = []
    for asset in list_assets():
        issuance, fees = (system_account_id(name, asset.code)
                          for name in (SystemAccount.ISSUANCE, SystemAccount.FEES))
        main = ledger_store.read(None, [issuance, fees]).accounts
        supply.append({"asset": asset.code, "supply": -main[issuance].balance,
                       "cap": asset.supply_cap, "fees_collected": main[fees].balance,
                       "as_of": None if asset.supply_cap is not None else as_of})
    return supply


def count(query: firestore.Query) -> int:
    result = query.count(alias="n").get()
    return int(result[0][0].value)


def audit_log(*, actor: str | None, target: str | None, cursor: str | None,
              limit: int) -> tuple[list[dict], str | None]:
    query = collection(AUDIT_LOG)
    if actor:
        query = query.where(filter=FieldFilter("actor", "==", actor))
    if target:
        query = query.where(filter=FieldFilter("target", "==", target))
    query = query.order_by("at", direction=firestore.Query.DESCENDING)
    docs, next_cursor = page(query, AUDIT_LOG, cursor, limit)
    return [{"id": d.id, **d.to_dict()} for d in docs], next_cursor
