"""Settlement documents of a resolved market, and the paged queries settlement reads.

- market_settlements/{market}: the control document: decision (`winner`, `kind`), `phase`, the
  pass cursors and what the passes summed, `partitions`, `done`. Written at phase changes and
  at most about once a second by a pass (services/markets/planning.py).
- market_settlements/{market}/entries/{id}: the frozen plan, one immutable document per
  forecaster (or per piece of a forecaster with many commits): `entry_id` is
  "<partition, 2 digits>.<16 hex of a hash of the uid>.<piece, 3 digits>", so a partition's
  entries are one id range, a forecaster's pieces are consecutive, and the last carries the
  forecaster's result (`last`), a winner's `floor`, `rank` and `wins`.
- market_settlements/{market}/partitions/{p}: one partition's progress: `phase`, `cursor` (the
  last entry settled), `done`, `steps`, `at` (when it was last written).
Every page query orders by document id (or by a unique `rank`), so resuming after a cursor is
exact; none needs more than the single-field indexes, except commits grouped by forecaster
(holds: market_id, owner).
"""
from __future__ import annotations

import hashlib
from typing import Iterator

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.field_path import FieldPath

from shared.domain.markets.payouts import CommitRecord

from shared.store.client import collection, db
from shared.store.ledger import HOLDS

SETTLEMENTS, ENTRIES, PARTITIONS = "market_settlements", "entries", "partitions"
_COMMIT_FIELDS = ["owner", "outcome", "amount", "p_ppm", "created_at"]


def control_ref(market_id: str) -> firestore.DocumentReference:
    return collection(SETTLEMENTS).document(market_id)


def partition_ref(market_id: str, partition: int) -> firestore.DocumentReference:
    return db().document(f"{SETTLEMENTS}/{market_id}/{PARTITIONS}/{partition:02d}")


def entry_ref(market_id: str, entry: str) -> firestore.DocumentReference:
    return db().document(f"{SETTLEMENTS}/{market_id}/{ENTRIES}/{entry}")


def entries(market_id: str) -> firestore.CollectionReference:
    return db().collection(f"{SETTLEMENTS}/{market_id}/{ENTRIES}")


def entry_id(partition: int, uid: str, piece: int) -> str:
    return f"{partition:02d}.{hashlib.sha256(uid.encode()).hexdigest()[:16]}.{piece:03d}"


def partition_of_entry(entry: str) -> int:
    return int(entry[:2])


def commit_page(market_id: str, after: tuple[str, str] | None,
                limit: int) -> list[CommitRecord]:
    """Up to `limit` commits (holds) of the market after (owner, hold id), grouped by owner."""
    query = (collection(HOLDS).where(filter=FieldFilter("market_id", "==", market_id))
             .order_by("owner").order_by(FieldPath.document_id()).select(_COMMIT_FIELDS)
             .limit(limit))
    if after is not None:
        query = query.start_after(list(after))
    return [CommitRecord(hold_id=s.id, uid=s.get("owner"), outcome=s.get("outcome"),
                         amount=int(s.get("amount")), p_ppm=int(s.get("p_ppm")),
                         committed_at=s.get("created_at")) for s in query.stream()]


def commits(market_id: str, page: int = 1_000) -> Iterator[CommitRecord]:
    """Every commit of the market, a page at a time, grouped by owner."""
    after = None
    while True:
        rows = commit_page(market_id, after, page)
        yield from rows
        if len(rows) < page:
            return
        after = (rows[-1].uid, rows[-1].hold_id)


def entry_page(market_id: str, partition: int, after: str | None, limit: int,
               winners_only: bool = False) -> list[firestore.DocumentSnapshot]:
    """The partition's next `limit` entries after the entry `after` (all, or winners only)."""
    ref = entries(market_id)
    query = ref.order_by(FieldPath.document_id())
    if winners_only:
        query = query.where(filter=FieldFilter("wins", "==", True))
    query = query.end_before([ref.document(f"{partition:02d}.~")])
    start = [ref.document(after or f"{partition:02d}.")]
    query = query.start_after(start) if after else query.start_at(start)
    return list(query.limit(limit).stream())


def rank_page(market_id: str, after: str | None, limit: int) -> list[tuple[str, str]]:
    """(rank, entry id) of the next `limit` winners in rank order (ranks are unique)."""
    query = entries(market_id).order_by("rank").select(["rank"]).limit(limit)
    if after is not None:
        query = query.start_after([after])
    return [(s.get("rank"), s.id) for s in query.stream()]


def pending_holds(market_id: str, limit: int) -> list[str]:
    """Ids of up to `limit` holds of the market still pending."""
    query = (collection(HOLDS).where(filter=FieldFilter("market_id", "==", market_id))
             .where(filter=FieldFilter("status", "==", "pending"))
             .select([FieldPath.document_id()]).limit(limit))
    return [s.id for s in query.stream()]


def unfinished() -> Iterator[str]:
    """Markets whose settlement is not done."""
    query = (collection(SETTLEMENTS).where(filter=FieldFilter("done", "==", False))
             .select([FieldPath.document_id()]))
    return (s.id for s in query.stream())


def read(ref: firestore.DocumentReference) -> dict | None:
    snap = ref.get()
    return snap.to_dict() if snap.exists else None


def batch() -> firestore.WriteBatch:
    return db().batch()
