"""Admin read models: ledger stats and the audit log.

Guarantees:
- admin_ledger_stats reads a bounded amount whatever the data: a page of assets with their two
  main accounts each (supply and fees), the consolidation status, and one document of counts
  (ledger_stats/counts). The counts (accounts, transfers per day for STATS_DAYS days) are
  aggregations billed a read per 1,000 index entries, so a request never makes them: the
  scheduled job_discovery does (`refresh_counts`), and the answer says when (`counts_as_of`).
  A day that is over is counted once and kept (a transfer's `day` is set when it is written);
  today and yesterday are recounted each run.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.accounts import SystemAccount, system_account_id
from shared.domain.assets import Asset
from shared.store.assets import assets_page, list_assets
from shared.store.client import collection
from shared.store import ledger as ledger_store
from shared.store.ledger import ACCOUNTS, TRANSFERS
from shared.store.pages import page
from shared.store.users import AUDIT_LOG

from shared.services import consolidation

STATS_DAYS = 7
RECOUNTED_DAYS = 2   # today, and yesterday: a transfer stamped before midnight may commit after
LEDGER_STATS, COUNTS = "ledger_stats", "counts"   # server-only; written by job_discovery


def ledger_stats(cursor: str | None = None, limit: int = 20) -> dict:
    """A page of supply per asset (what issuance has minted) and the fees collected, then the
    accounts and transfers per day (7 days) as of the last job_discovery run (`counts_as_of`;
    null, with no counts, before its first). Supply and fees are the main accounts' balances:
    exact for an asset only admins mint (a capped one), else as of the last complete
    consolidation (`as_of`), since hot paths write per-actor shares that the job moves in
    every minute."""
    assets, next_cursor = assets_page(cursor, limit)
    counts = collection(LEDGER_STATS).document(COUNTS).get()
    stored = (counts.to_dict() or {}) if counts.exists else {}
    return {"supply": _supply(assets, consolidation.status()) if assets else [],
            "next_cursor": next_cursor, "accounts": stored.get("accounts"),
            "transfers_per_day": stored.get("transfers_per_day", []),
            "counts_as_of": stored.get("as_of")}


def refresh_counts(now: datetime | None = None) -> int:
    """job_discovery: count the accounts and the transfers of the last STATS_DAYS days into
    ledger_stats/counts; returns how many counts it made (each a read per 1,000 entries)."""
    now = now or datetime.now(timezone.utc)
    ref = collection(LEDGER_STATS).document(COUNTS)
    snap = ref.get()
    kept = {d["date"]: d["transfers"]
            for d in ((snap.to_dict() or {}) if snap.exists else {}).get("transfers_per_day", [])}
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    days, made = [], 1
    for back in range(STATS_DAYS):
        day = (today - timedelta(days=back)).date().isoformat()
        if back < RECOUNTED_DAYS or day not in kept:
            kept[day] = count(collection(TRANSFERS).where(filter=FieldFilter("day", "==", day)))
            made += 1
        days.append({"date": day, "transfers": kept[day]})
    ref.set({"accounts": count(collection(ACCOUNTS)), "transfers_per_day": days, "as_of": now})
    return made


def supply_by_asset() -> list[dict]:
    """Per asset, what issuance has minted and the fees collected (two reads an asset, and the
    consolidation status), with `as_of` None when exact (see ledger_stats)."""
    assets = list_assets()
    return _supply(assets, consolidation.status()) if assets else []


def _supply(assets: list[Asset], as_of: datetime | None) -> list[dict]:
    ids = {a.code: [system_account_id(name, a.code)
                    for name in (SystemAccount.ISSUANCE, SystemAccount.FEES)] for a in assets}
    main = ledger_store.read(None, [i for pair in ids.values() for i in pair]).accounts
    return [{"asset": a.code, "supply": -main[ids[a.code][0]].balance, "cap": a.supply_cap,
             "fees_collected": main[ids[a.code][1]].balance,
             "as_of": None if a.supply_cap is not None else as_of} for a in assets]


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
