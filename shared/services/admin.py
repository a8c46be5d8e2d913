"""Admin read models: ledger stats and the audit log."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.accounts import SystemAccount, system_account_id
from shared.store.assets import list_assets
from shared.store.client import collection
from shared.store.ledger import ACCOUNTS, TRANSFERS, account_from
from shared.store.pages import page
from shared.store.users import AUDIT_LOG

STATS_DAYS = 7


def ledger_stats(now: datetime | None = None) -> dict:
    """Supply per asset (what issuance has minted), accounts, and transfers per day (7 days)."""
    now = now or datetime.now(timezone.utc)
    supply = []
    for asset in list_assets():
        issuance = collection(ACCOUNTS).document(system_account_id(SystemAccount.ISSUANCE, asset.code)).get()
        minted = -account_from(issuance.id, issuance.to_dict()).balance if issuance.exists else 0
        supply.append({"asset": asset.code, "supply": minted, "cap": asset.supply_cap})
    accounts = _count(collection(ACCOUNTS))
    days = []
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for back in range(STATS_DAYS):
        start = today - timedelta(days=back)
        query = (collection(TRANSFERS).where(filter=FieldFilter("created_at", ">=", start))
                 .where(filter=FieldFilter("created_at", "<", start + timedelta(days=1))))
        days.append({"date": start.date().isoformat(), "transfers": _count(query)})
    return {"supply": supply, "accounts": accounts, "transfers_per_day": days}


def _count(query: firestore.Query) -> int:
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
