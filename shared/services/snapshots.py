"""Daily balance snapshots: one document per user account per UTC day (portfolio history).

Snapshot ids are "<account id>@<date>", so re-running a day overwrites the same documents with
values from one read time instead of adding duplicates.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.accounts import AccountKind
from shared.store.client import collection, db
from shared.store.ledger import ACCOUNTS, account_from

from .balances import SNAPSHOTS

BATCH = 400


def snapshot_balances(now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    read_time = now - timedelta(seconds=1)
    day = now.date().isoformat()
    written = 0
    batch = db().batch()
    query = collection(ACCOUNTS).where(filter=FieldFilter("kind", "==", AccountKind.USER.value))
    for snap in query.stream(read_time=read_time):
        account = account_from(snap.id, snap.to_dict())
        batch.set(collection(SNAPSHOTS).document(f"{account.id}@{day}"), {
            "owner": account.owner, "asset": account.asset, "kind": account.kind.value,
            "account_id": account.id, "date": day, "balance": account.balance,
            "available": account.available, "committed": account.counters.debits_pending,
            "taken_at": firestore.SERVER_TIMESTAMP})
        written += 1
        if written % BATCH == 0:
            batch.commit()
            batch = db().batch()
    batch.commit()
    return {"date": day, "snapshots": written}
