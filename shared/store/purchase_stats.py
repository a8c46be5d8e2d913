"""The purchase statistics read model: changes waiting to be folded, and their folded totals.

Guarantees:
- A transaction that writes a purchase, or posts to a receivable, creates one change document
  purchase_stat_changes/{id} holding what it adds (domain/purchase_stats.py), in the same
  transaction, so a change exists exactly when its write committed. Its id derives from what the
  transaction writes once (the purchase id and the version it writes; the first receivable
  journal entry's id), so a change is never recorded twice, and ids are hashes: new changes
  spread over the key space. Each change is its own new document, never rewritten: the hot
  paths write no shared document.
- purchase_stats/totals holds the folded totals. Only the fold (services/purchases/stats.py)
  writes it, deleting the changes it adds in the same transaction, so every change is counted
  exactly once: in the totals, or still waiting.
- No field of a change is indexed (firestore.indexes.json): the fold pages by document id.
"""
from __future__ import annotations

from typing import Mapping

from google.cloud import firestore

from shared.domain.idempotency import derive_id
from shared.domain.ledger import JournalEntry
from shared.domain.purchase_stats import OWED, owed_change
from shared.store import wire
from shared.store.client import collection

CHANGES, STATS = "purchase_stat_changes", "purchase_stats"
TOTALS = "totals"


def record(txn: firestore.Transaction, change_id: str, delta: Mapping[str, int]) -> None:
    """Create the change `delta` (nothing when it adds nothing)."""
    if delta:
        wire.create(txn, collection(CHANGES).document(change_id), {"delta": dict(delta)})


def purchase_change_id(purchase_id: str, version: int) -> str:
    """A purchase is written at most once per version (each write carries version + 1)."""
    return derive_id("purchase_stats", purchase_id, str(version))


def record_owed(txn: firestore.Transaction, journal: list[JournalEntry]) -> None:
    """The change in what receivables owe from a batch's journal; entry ids are unique."""
    owed = owed_change(journal)
    if owed:
        first = next(e for e in journal if e.account_id.endswith(":receivable"))
        record(txn, derive_id("purchase_stats.owed", first.id), {OWED: owed})


def totals_ref() -> firestore.DocumentReference:
    return collection(STATS).document(TOTALS)
