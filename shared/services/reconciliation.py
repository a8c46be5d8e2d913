"""Reconciliation, one bounded step at a time, and its report.

A step (admin_reconcile, or job_reconcile every minute) does three things:
1. Folds new journal entries (services/journal_fold.py): each entry older than LAG is checked
   once (its transfer agrees with its two entries; a once-only credit is not a duplicate) and
   added to its account's maintained sums, at most FOLD_ENTRIES or FOLD_S a step (the step
   must end within a function's 60 s; every minute, so the journal rate it keeps up with is
   what a step folds in FOLD_S: thousands of entries a minute on the emulator).
2. Re-verifies the next partition of accounts (ACCOUNTS_PER_STEP, in account id order from a
   cursor) at one read time (reads at the time Firestore gave the step's first read, with no
   transaction: none of Firestore's transaction limits bounds it), so transfers committing meanwhile cannot make a
   healthy ledger look broken: each account's counters equal its folded
   sums plus its journal tail (entries after its bucket's watermark, read in the same
   transaction, so even entries younger than LAG count; at most MAX_TAIL entries are read: a
   longer tail, while the fold is behind, shortens the partition to the accounts read, or
   defers it to a later step when even the first accounts' tail is longer), its pending
   counters equal its open holds, limits and its stored balance hold; the tail's transfers
   are checked like folded ones (after the transaction: they are immutable); folded sums of an
   account that does not exist are named; and the layouts hold for the partition's accounts
   (domain/layouts.py: a spread share that consolidation says it moved is empty, an order
   book's escrow holds nothing posted, a settled market's escrows and pools are empty). The
   cursor wraps when a partition comes back short: a period (every account verified once)
   takes ceil(accounts / ACCOUNTS_PER_STEP) steps, i.e. that many minutes of the job (500
   accounts a step: 100,000 accounts in 200 steps, about 3.3 hours). An account
   edited behind the ledger is named with its exact difference within one period.

The per-asset zero sum, argued rather than summed at one read time across partitions (one read
time would need every account in one transaction, which is what cannot scale; a read at a past
time is only possible for an hour): every transfer's two entries mirror each other (checked once
per entry), so the journal sums to zero per asset; every account equals its journal (checked
per partition); so the accounts sum to zero. Drift in one account breaks the second check for
that account, within a period. When the whole ledger fits one step (a partition from the start
that comes back short), the step also sums the accounts per asset at its read time (zero_sum),
runs the whole purchases check, which reads every purchase (services/purchases/sync.py), and
checks the purchase statistics read model against every purchase and receivable
(services/purchases/stats.drift); otherwise a purchase is checked when a new entry mints or
claws back its tokens (journal_fold), and the statistics are not proven: their totals are one
sum over all purchases, which only a read of all of them at one time can prove. Each partition
checks that no receivable holds a positive balance (what the statistics' total owed assumes).

3. Verifies the next partition of the positions read model against the fills each has
   counted (services/position_audit.py), with its own cursor.

Drift is logged at ERROR with every finding, and the report document names each account (or
transfer) and the exact difference, and says what the step covered.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from google.cloud import firestore

from shared.domain.accounts import Account, Counters
from shared.domain.journal_audit import Entry, against_sums, fold, orphan_sums
from shared.domain.layouts import book_escrows, market_of, settled_escrows, unconsolidated
from shared.domain.reconciliation import (Drift, against_holds, limits, stored_balances,
                                          zero_sum)
from shared.services import consolidation, journal_fold, position_audit
from shared.store import reconciliation as store
from shared.store import wire
from shared.store.changes import LAG, bucket
from shared.store.client import collection
from shared.store.ledger import ACCOUNTS, BALANCE, account_from, hold_from
from shared.store.markets.market import MARKETS
from shared.store.pages import next_by_id

REPORTS = "reconciliation_reports"
ACCOUNTS_PER_STEP = 500
FOLD_ENTRIES = 10_000   # at most, and for at most FOLD_S: the fold must outrun the journal
FOLD_S = 15.0
MAX_TAIL = 2000   # journal entries one partition's transaction reads at most
log = logging.getLogger("mintbook.reconciliation")


def run(accounts_per_step: int = ACCOUNTS_PER_STEP, fold_entries: int = FOLD_ENTRIES,
        lag: timedelta = LAG) -> dict:
    """One step (module docstring); returns the stored report with its id."""
    now = datetime.now(timezone.utc)
    folded = journal_fold.run(now - lag, fold_entries, FOLD_S)
    cursor, at = store.partition_cursor()
    step = _verify(at, cursor["after"], accounts_per_step)
    period = int(cursor.get("period", 0))
    started = cursor.get("started_at") if cursor["after"] else now
    store.save_partition_cursor("" if step.complete else step.through,
                                period + 1 if step.complete else period,
                                None if step.complete else started)
    # The tail's transfers, entries and purchases are checked apart from the partition's
    # snapshot: entries and transfers are immutable, and the fold checks purchases so too.
    positions = position_audit.run(at)
    drift = _unique(folded.drift + step.drift + journal_fold.checks(None, step.tail)
                    + positions.drift)
    report = {"at": firestore.SERVER_TIMESTAMP, "ok": not drift, "accounts": step.accounts,
              "journal_accounts": step.journal_accounts, "open_holds": step.open_holds,
              "changed": folded.read + step.tail_read,
              "partition": {"after": cursor["after"], "through": step.through,
                            "period": period, "period_complete": step.complete,
                            "whole_ledger": step.whole, "deferred": step.deferred},
              "journal": {"folded": folded.entries, "caught_up": folded.caught_up,
                          "watermark": folded.oldest.isoformat() if folded.oldest else None,
                          "tail_entries": len(step.tail)},
              "positions": positions.report(),
              "drift": [d._asdict() | {"difference": d.difference} for d in drift]}
    ref = collection(REPORTS).document(now.strftime("%Y%m%dT%H%M%S.%fZ"))
    ref.set(report)
    if drift:
        log.error("ledger drift found", extra={"drift": report["drift"], "report": ref.id})
    return {**report, "id": ref.id, "at": now.isoformat()}


@dataclass
class _Step:
    """What one partition's verification found and covered."""
    drift: list[Drift] = field(default_factory=list)
    accounts: int = 0
    journal_accounts: int = 0
    open_holds: int = 0
    tail: list[Entry] = field(default_factory=list)
    tail_read: int = 0   # journal entries the tail query read, those it could not use too
    through: str = ""
    complete: bool = False
    deferred: bool = False
    whole: bool = False


def _verify(txn: wire.ReadTime, after: str, limit: int) -> _Step:
    """The partition of accounts after `after`, all read at one read time."""
    from shared.services.purchases import stats as purchase_stats
    from shared.services.purchases.sync import purchase_drift

    out = _Step()
    snaps = [(s.id, s.to_dict()) for s in next_by_id(txn, ACCOUNTS, after, limit)]
    marks = store.watermarks(txn)
    ids = [i for i, _ in snaps]
    tail, covered, out.tail_read = store.journal_tail(txn, ids, {a: marks[bucket(a)] for a in ids},
                                                      MAX_TAIL)
    # A tail too long to read at once (the fold is behind) shortens the partition to the
    # accounts it covered; none covered defers the partition to a later step.
    out.complete = len(snaps) < limit and covered == len(snaps)
    out.deferred = covered == 0 and bool(snaps)
    snaps = snaps[:covered]
    out.whole = out.complete and not after
    out.through = snaps[-1][0] if snaps else after
    accounts = [account_from(i, d) for i, d in snaps]
    ids = ids[:covered]
    if out.deferred:
        return out
    sums = store.sums_range(txn, after, None if out.complete else out.through)
    journal = {**sums, **fold(sums, tail)}
    holds = [hold_from(h) for h in store.open_holds(txn, ids)]
    out.accounts, out.open_holds, out.tail = len(accounts), len(holds), tail
    out.journal_accounts = sum(1 for c in journal.values() if not c.is_zero)
    for a in accounts:
        out.drift += against_sums(a.id, a.counters, journal.get(a.id, Counters()))
    for account_id in sorted(set(journal) - set(ids)):
        out.drift += orphan_sums(account_id, journal[account_id])
    out.drift += against_holds(accounts, holds) + limits(accounts)
    out.drift += stored_balances(accounts, {i: d.get(BALANCE) for i, d in snaps})
    out.drift += _layouts(txn, accounts, {i: d.get("changed_at") for i, d in snaps})
    if out.whole:
        out.drift = (zero_sum(accounts) + out.drift + purchase_drift(txn)
                     + purchase_stats.drift(txn))
    return out


def _layouts(txn: wire.ReadTime, accounts: list[Account],
             changed: dict[str, datetime | None]) -> list[Drift]:
    """The layout checks (domain/layouts.py) of the partition's accounts: what consolidation
    says it moved, and the escrows of settled markets, read at the partition's read time."""
    markets = sorted({m for a in accounts if (m := market_of(a)) is not None})
    refs = [collection(consolidation.STATUS).document("status"),
            *(collection(MARKETS).document(m) for m in markets)]
    found = wire.get_all(txn, refs)
    run_started = (found[refs[0].path] or {}).get("completed_run_started_at")
    settled = {m for m, ref in zip(markets, refs[1:])
               if ((found[ref.path] or {}).get("settlement") or {}).get("state") == "settled"}
    return (unconsolidated(((a, changed.get(a.id)) for a in accounts), run_started, LAG)
            + book_escrows(accounts) + settled_escrows(accounts, settled))


def _unique(drift: list[Drift]) -> list[Drift]:
    """A transfer checked from both of its entries' buckets is named once."""
    return list(dict.fromkeys(drift))
