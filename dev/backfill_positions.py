"""`python -m dev.backfill_positions`: once, when the positions read model is deployed over
existing fills, mark every (owner, book) that has fills for a rebuild.

A position document holds only the fills settled since the read model existed. Marking it
stale (merged: a document settlement already wrote keeps its tail) makes the next
get_portfolio rebuild it from every fill of the owner on that book (domain FoldedPosition:
fills up to the newest read are counted by the rebuild, their postings add nothing after it,
newer ones count on top), so it is exact whatever settles meanwhile. Reads every fill once,
a page at a time by document id; running it twice only marks again.
"""
from __future__ import annotations

import sys

from google.cloud.firestore_v1.field_path import FieldPath

from shared.store.client import collection, db
from shared.store.exchange import FILLS
from shared.store.positions import position_ref

PAGE = 400


def backfill(page: int = PAGE) -> int:
    """Mark each (owner, book) with fills; returns how many were marked."""
    seen: set[tuple[str, str]] = set()
    query = collection(FILLS).order_by(FieldPath.document_id()).select(["owner", "book"])
    after = None
    while True:
        snaps = list((query.start_after(after) if after is not None else query)
                     .limit(page).stream())
        batch = db().batch()
        for snap in snaps:
            pair = (snap.get("owner"), snap.get("book"))
            if pair not in seen:
                seen.add(pair)
                batch.set(position_ref(*pair), {"owner": pair[0], "book": pair[1],
                                                "stale": True}, merge=True)
        batch.commit()
        if len(snaps) < page:
            return len(seen)
        after = snaps[-1]


if __name__ == "__main__":
    print(f"marked {backfill()} positions for a rebuild", file=sys.stderr)
