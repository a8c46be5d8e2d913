"""Daily balance snapshots: one document per user account per UTC day (portfolio history).

Snapshot ids are "<account id>@<date>", so re-running a day overwrites the same documents with
values from one read time instead of adding duplicates.
"""
from __future__ import annotations

from datetime import datetime, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.accounts import AccountKind
from shared.store.client import collection, db
from shared.store.ledger import ACCOUNTS, account_from
from shared.store.transactions import run_transaction

from shared.services.balances import SNAPSHOTS

BATCH = 400


def snapshot_balances(now: datetime | None = None) -> dict:
    day = (now or datetime.now(timezone.utc)).date().isoformat()
    query = collection(ACCOUNTS).where(filter=FieldFilter("kind", "==", AccountKind.USER.value))
    # One read-only transaction: every account as of one moment, without taking locks.
    accounts = run_transaction(lambda txn: [account_from(s.id, s.to_dict())
                                            for s in query.stream(transaction=txn)],
                               read_only=True, deadline_s=60)
    written = 0
    batch = db().batch()
    for account in accounts:
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
