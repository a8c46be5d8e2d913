"""`python -m dev.backfill_journal_feed`: once, before reconciliation in steps is deployed over
an existing journal, give every journal entry its `feed` (JOURNAL_FEED's bucket of its account).

Reconciliation folds the journal through the feed only (services/journal_fold.py): an entry
without one would never be folded, and its account would be named as drifting once its bucket
has a watermark. So this must run before the first step: it refuses when any bucket already has
a watermark (then reset reconciliation_state and reconciliation_sums, which the next steps
rebuild, and run it again). Reads every entry once, a page at a time by document id, and writes
only entries that lack the field; running it twice writes nothing the second time.
"""
from __future__ import annotations

import sys

from google.cloud.firestore_v1.field_path import FieldPath

from shared.store import changes
from shared.store.client import collection, db
from shared.store.ledger import JOURNAL, JOURNAL_FEED
from shared.store.reconciliation import watermarks

PAGE = 400


def backfill(page: int = PAGE) -> int:
    """Give each entry without `feed` its bucket; returns how many were written."""
    if any(w.at is not None for w in watermarks(None).values()):
        raise SystemExit("reconciliation has folded the journal already: reset "
                         "reconciliation_state and reconciliation_sums first")
    query = collection(JOURNAL).order_by(FieldPath.document_id()).select(["account_id", "feed"])
    written, after = 0, None
    while True:
        snaps = list((query.start_after(after) if after is not None else query)
                     .limit(page).stream())
        batch = db().batch()
        missing = [s for s in snaps if not s.to_dict().get("feed")]
        for snap in missing:
            batch.update(snap.reference, {
                "feed": f"{JOURNAL_FEED}.{changes.bucket(snap.get('account_id'))}"})
        if missing:
            batch.commit()
        written += len(missing)
        if len(snaps) < page:
            return written
        after = snaps[-1]


if __name__ == "__main__":
    print(f"gave {backfill()} journal entries their feed", file=sys.stderr)
