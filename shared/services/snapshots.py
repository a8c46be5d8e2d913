"""Daily balance snapshots: one document per user account per UTC day it changed (portfolio
history).

Guarantees:
- The job follows the user accounts' change feed (store/changes.py, feed USER_FEED: every
  ledger write of a user account carries it), so a run reads what changed since the last one,
  not every account. A snapshot holds the account as the run read it; a day's snapshot id is
  "<account id>@<date>", so a re-run, or the feed's re-read of its last seconds, overwrites the
  same document instead of adding one.
- An account has a snapshot for each day a run saw it changed, and none for the days between:
  its balance on such a day is that of its latest snapshot before it (portfolio.history
  carries it forward). Each run records its date (`change_feeds/snapshots.run`), the last day a
  history can show.
"""
from __future__ import annotations

from datetime import datetime, timezone

from google.cloud import firestore

from shared.store import changes
from shared.store.client import collection, db
from shared.store.ledger import ACCOUNTS, USER_FEED, account_from

from shared.services.balances import SNAPSHOTS

PAGE = 400   # accounts per page of the feed: one batch of snapshot writes
RUN = "snapshots.run"  # in change_feeds: the date of the last run


def snapshot_balances(now: datetime | None = None) -> dict:
    day = (now or datetime.now(timezone.utc)).date().isoformat()
    written = 0
    for bucket in range(changes.BUCKETS):
        point = changes.checkpoint(USER_FEED, bucket)
        for page in changes.changed(USER_FEED, ACCOUNTS, bucket, point.since, PAGE):
            batch = db().batch()
            for snap in page:
                account = account_from(snap.id, snap.to_dict())
                batch.set(collection(SNAPSHOTS).document(f"{account.id}@{day}"), {
                    "owner": account.owner, "asset": account.asset,
                    "kind": account.kind.value, "account_id": account.id, "date": day,
                    "balance": account.balance, "available": account.available,
                    "committed": account.counters.debits_pending,
                    "taken_at": firestore.SERVER_TIMESTAMP})
            batch.commit()
            written += len(page)
            point.advance(page[-1].get("changed_at"))
        point.finish()
    collection(changes.CHECKPOINTS).document(RUN).set(
        {"date": day, "updated_at": firestore.SERVER_TIMESTAMP})
    return {"date": day, "snapshots": written, "changed": written}


def last_run_date() -> str | None:
    """The day of the last snapshot run (None before the first)."""
    snap = collection(changes.CHECKPOINTS).document(RUN).get()
    return (snap.to_dict() or {}).get("date") if snap.exists else None
