"""Consolidation: move the shares of spread system accounts into their main accounts.

Hot paths write per-actor shares of fees, issuance and treasury (domain/accounts.py, SPREAD), so
no operation writes a document every operation shares. This job, every minute, follows the
change feed of shares (store/changes.py, feed SPREAD_FEED) and moves each share's posted
balance into its main account with ordinary ledger transfers.

Guarantees:
- Every move is a transfer in a transaction that reads the share (its balance is exact at that
  moment) and credits or debits the main account blind: a share with a positive balance (fees,
  treasury, an issuance share a refund paid back into) is debited into the main account; a
  negative one (an issuance share that minted) is credited from the main issuance, the one
  main account that may be debited unread. Per asset every balance still sums to zero, and reconciliation proves
  it with the shares included.
- A move's id is derived from (share, version read), so a run retried after a crash repeats no
  move: the same version read again is the same transfer, and a share already emptied moves
  nothing. A transaction moves at most MOVES_PER_TRANSACTION shares (about four writes each),
  within Firestore's 500 writes, and writes each main account once.
- The main accounts are written once per transaction, never per operation: at a minute's grain
  and 100 shares per transaction, far below one write per 1,000 operations of a busy path.
- What a reader of supply or fees sees is the main account "as of" the last completed run
  (`status()`), exact for an asset that is never minted on a hot path (a capped asset: only
  admins and listings mint it, through the main issuance account).
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from google.cloud import firestore

from shared.domain.accounts import AccountKind, main_owner, parse_account_id
from shared.domain.idempotency import derive_id
from shared.domain.ledger import LedgerBatch, Transfer, TransferType
from shared.store import changes
from shared.store import ledger as ledger_store
from shared.store.client import collection
from shared.store.ledger import ACCOUNTS, SPREAD_FEED
from shared.store.transactions import run_transaction

MOVES_PER_TRANSACTION = 100
STATUS = "consolidation"  # consolidation/status: when the last complete run started


def run(budget_s: float = 50.0) -> dict:
    """One pass over every bucket of the feed, within `budget_s` (the next run resumes)."""
    started = datetime.now(timezone.utc)
    deadline = time.monotonic() + budget_s
    moved = shares = 0
    for bucket in range(changes.BUCKETS):
        point = changes.checkpoint(SPREAD_FEED, bucket)
        for page in changes.changed(SPREAD_FEED, ACCOUNTS, bucket, point.since,
                                    MOVES_PER_TRANSACTION):
            shares += len(page)
            moved += run_transaction(lambda txn, ids=[s.id for s in page]: _move(txn, ids))
            point.advance(page[-1].get("changed_at"))
            if time.monotonic() > deadline:
                return {"complete": False, "shares_read": shares, "moved": moved,
                        "changed": shares}
        point.finish()
    collection(STATUS).document("status").set({"completed_run_started_at": started})
    return {"complete": True, "shares_read": shares, "moved": moved, "changed": shares}


def status() -> datetime | None:
    """When the last complete run started: main accounts hold every share moved before it."""
    snap = collection(STATUS).document("status").get()
    return (snap.to_dict() or {}).get("completed_run_started_at") if snap.exists else None


def _move(txn: firestore.Transaction, share_ids: list[str]) -> int:
    batch = LedgerBatch(ledger_store.read(txn, share_ids).accounts)
    moved = 0
    for share_id in share_ids:
        share = batch.account(share_id)
        owner, asset, kind = parse_account_id(share_id)
        main = main_owner(owner)
        if kind is not AccountKind.SYSTEM or main == owner or share.balance == 0:
            continue
        main_id = f"{main}:{asset}"
        debit, credit = (share_id, main_id) if share.balance > 0 else (main_id, share_id)
        batch.transfer(Transfer(id=derive_id("consolidate", share_id, str(share.version)),
                                debit_account_id=debit, credit_account_id=credit, asset=asset,
                                amount=abs(share.balance), type=TransferType.CONSOLIDATION,
                                reference=share_id))
        moved += 1
    ledger_store.write(txn, batch.result)
    return moved
