"""Run reconciliation over a consistent snapshot and store the report.

All reads happen in one read-only transaction, i.e. at one read time, so transfers committing
meanwhile cannot make a healthy ledger look broken (read-only transactions take no locks). Drift is logged at ERROR with every finding, and the report document names each account
and the exact difference.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.accounts import Account, Counters
from shared.domain.ledger import Hold
from shared.domain.reconciliation import (FIELDS, ONCE_ONLY_CREDITS, Drift, reconcile,
                                          stored_balances)
from shared.store.client import collection
from shared.store.transactions import run_transaction
from shared.store.ledger import (ACCOUNTS, BALANCE, HOLDS, JOURNAL, TRANSFERS, account_from,
                                 hold_from)

REPORTS = "reconciliation_reports"
log = logging.getLogger("mintbook.reconciliation")


def run() -> dict:
    accounts, journal, holds, credits, purchases = run_transaction(
        _read_everything, read_only=True, deadline_s=60)
    drift = reconcile(accounts, journal, holds, credits) + purchases
    now = datetime.now(timezone.utc)
    report = {"at": firestore.SERVER_TIMESTAMP, "ok": not drift, "accounts": len(accounts),
              "journal_accounts": len(journal), "open_holds": len(holds),
              "drift": [d._asdict() | {"difference": d.difference} for d in drift]}
    ref = collection(REPORTS).document(now.strftime("%Y%m%dT%H%M%S.%fZ"))
    ref.set(report)
    if drift:
        log.error("ledger drift found", extra={"drift": report["drift"], "report": ref.id})
    return {**report, "id": ref.id, "at": now.isoformat()}


def _read_everything(txn: firestore.Transaction) -> tuple[list[Account], dict[str, Counters],
                                                          list[Hold], list, list[Drift]]:
    """Accounts, per-account journal sums, open holds, once-only credits and the purchases
    check, all from the snapshot of `txn`."""
    from shared.services.purchases.sync import purchase_drift

    snaps = [(s.id, s.to_dict()) for s in collection(ACCOUNTS).stream(transaction=txn)]
    accounts = [account_from(i, d) for i, d in snaps]
    stored = {i: d.get(BALANCE) for i, d in snaps}
    journal: dict[str, Counters] = defaultdict(Counters)
    for s in collection(JOURNAL).select(["account_id", *FIELDS]).stream(transaction=txn):
        d = s.to_dict()
        journal[d["account_id"]] += Counters(*(int(d.get(f, 0)) for f in FIELDS))
    open_holds = collection(HOLDS).where(filter=FieldFilter("status", "==", "pending"))
    holds = [hold_from(s.to_dict()) for s in open_holds.stream(transaction=txn)]
    return (accounts, journal, holds, _once_only_credits(txn),
            purchase_drift(txn) + stored_balances(accounts, stored))


def _once_only_credits(txn: firestore.Transaction) -> list[tuple[str, str, str, str]]:
    query = (collection(TRANSFERS).where(filter=FieldFilter("type", "in", list(ONCE_ONLY_CREDITS)))
             .select(["type", "reference", "credit_account_id", "pending"]))
    return [(d["type"], d.get("reference", ""), d["credit_account_id"], s.id)
            for s, d in ((s, s.to_dict()) for s in query.stream(transaction=txn))
            if not d.get("pending")]
