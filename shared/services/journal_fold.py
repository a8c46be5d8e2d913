"""Fold the journal into per-account sums, checking each new entry once.

Each bucket of the journal feed (entries bucketed by account, store/ledger.journal_doc) is read
in (created_at, id) order from its watermark up to `cutoff` = now - LAG: entries older than that
are taken to be all visible (commits can become visible out of timestamp order, for at most
LAG; store/changes.py), so none can appear behind the watermark later, and each entry is folded
exactly once. A page is folded in one transaction that re-reads the bucket's watermark (a second
run folding the same page meanwhile makes this one stop: never twice), adds the entries to their
accounts' sums and moves the watermark to the page's last entry.

Before folding, each page's transfers are checked against their two entries (journal_audit's
agreement), each new once-only credit to a user is looked up by (type, reference, account)
for a duplicate, and each purchase a new entry mints or claws back is checked against what its
transfers minted. Those reads happen outside the transaction: entries and transfers are immutable.
A finding is reported by the run that folds it (and logged); the entry is still folded, since
the sums must stay the journal's whatever it holds.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from google.cloud import firestore

from shared.domain.accounts import AccountKind, parse_account_id
from shared.domain.journal_audit import Entry, agreement, entry_id, fold
from shared.domain.reconciliation import FIELDS, ONCE_ONLY_CREDITS, Drift, duplicate_credits
from shared.store import reconciliation as store
from shared.store import wire
from shared.store.changes import BUCKETS
from shared.store.client import collection
from shared.store.ledger import JOURNAL, TRANSFERS, transfer_from
from shared.store.purchases import PURCHASES, purchase_from
from shared.store.transactions import run_transaction

MINTING = {"purchase": 1, "bonus": 1, "clawback": -1}   # what a purchase's tokens net over
PAGE = 100  # entries a transaction folds: ~4 reads and at most 1 sums write each


@dataclass
class Folded:
    entries: int = 0
    read: int = 0   # entries read, those of a page another run folded first too
    drift: list[Drift] = field(default_factory=list)
    caught_up: bool = True                    # every bucket reached the cutoff
    oldest: datetime | None = None            # the least advanced bucket's watermark


def run(cutoff: datetime, budget: int, max_s: float = float("inf")) -> Folded:
    """Fold at most `budget` entries, for about `max_s` seconds at most, spread over the buckets
    from the one furthest behind."""
    out = Folded()
    deadline = time.monotonic() + max_s
    marks = store.watermarks(None)
    order = sorted(marks.values(), key=lambda w: (w.at is not None, w.at or cutoff))
    caught: list[store.Watermark] = []   # buckets folded up to the cutoff
    for w in order:
        while budget > 0 and time.monotonic() < deadline:
            size = min(PAGE, budget)
            page = store.journal_page(w, cutoff, size)
            entries = [e for _, e in page]
            out.read += len(entries)
            if entries:
                out.drift += checks(None, entries)
                last_at, last = page[-1]
                if not run_transaction(lambda txn: _commit(txn, w, entries, last_at, last.id)):
                    break   # another run folded this bucket meanwhile: its report has it
                out.entries += len(entries)
                budget -= len(entries)
                w = w._replace(at=last_at, id=last.id)
            if len(page) < size:
                caught.append(w)
                break
        else:
            out.caught_up = False
        marks[w.bucket] = w
    if caught:
        marks.update((w.bucket, w) for w in run_transaction(lambda txn: _advance(txn, caught,
                                                                                  cutoff)))
    out.caught_up = out.caught_up and budget > 0
    known = [w.at for w in marks.values() if w.at is not None]
    out.oldest = min(known) if len(known) == BUCKETS else None
    return out


def _commit(txn: firestore.Transaction, w: store.Watermark, entries: list[Entry],
            last_at: datetime, last_id: str) -> bool:
    accounts = list(dict.fromkeys(e.account_id for e in entries))
    refs = [store.watermark_ref(w.bucket), *store.sums_refs(accounts)]
    found = wire.get_all(txn, refs)
    now = found[refs[0].path] or {}
    if (now.get("at"), now.get("id", "")) != (w.at, w.id):
        return False
    sums = {a: store.sums_from(found[ref.path]) for a, ref in zip(accounts, refs[1:])}
    for account_id, total in fold(sums, entries).items():
        txn.set(collection(store.SUMS).document(account_id), dict(zip(FIELDS, total)))
    txn.set(refs[0], {"at": last_at, "id": last_id, "updated_at": firestore.SERVER_TIMESTAMP})
    return True


def _advance(txn: firestore.Transaction, buckets: list[store.Watermark],
             cutoff: datetime) -> list[store.Watermark]:
    """Move the watermarks of buckets folded up to `cutoff` to (cutoff, ""): every entry before
    it is folded. A quiet bucket's watermark then stays recent, so a partition's tail query
    (store.journal_tail, from the oldest watermark of its accounts) reads only recent entries.
    A bucket another run moved meanwhile is left as it is."""
    refs = [store.watermark_ref(w.bucket) for w in buckets]
    found = wire.get_all(txn, refs)
    moved = []
    for w, ref in zip(buckets, refs):
        now = found[ref.path] or {}
        if (now.get("at"), now.get("id", "")) == (w.at, w.id) and (w.at is None or w.at < cutoff):
            txn.set(ref, {"at": cutoff, "id": "", "updated_at": firestore.SERVER_TIMESTAMP})
            moved.append(w._replace(at=cutoff, id=""))
    return moved


def checks(txn: firestore.Transaction | None, entries: list[Entry]) -> list[Drift]:
    """Agreement of the entries' transfers and duplicate once-only credits (module docstring);
    reads each transfer and both its entries in one round trip."""
    transfer_ids = list(dict.fromkeys(e.transfer_id for e in entries))
    refs = [collection(TRANSFERS).document(t) for t in transfer_ids]
    found = wire.get_all(txn, refs)
    transfers = {t: (transfer_from(t, found[r.path]) if found.get(r.path) else None)
                 for t, r in zip(transfer_ids, refs)}
    wanted = [entry_id(t.id, a) for t in transfers.values() if t is not None
              for a in (t.debit_account_id, t.credit_account_id)]
    known = {e.id: e for e in entries}
    missing = [i for i in wanted if i not in known]
    refs = [collection(JOURNAL).document(i) for i in missing]
    found = wire.get_all(txn, refs)
    for ref in refs:
        if found.get(ref.path) is not None:
            known[ref.id] = store.entry_from(ref.id, found[ref.path])
    drift = [d for t in transfer_ids for d in agreement(t, transfers[t], known)]
    credited = {(e.type, e.reference, e.account_id) for e in entries
                if e.type in ONCE_ONLY_CREDITS and e.delta.credits_posted > 0
                and parse_account_id(e.account_id)[2] is AccountKind.USER}
    credits = [c for key in sorted(credited) for c in store.same_credits(txn, *key)]
    return drift + duplicate_credits(credits) + _purchases(txn, entries)


def _purchases(txn: firestore.Transaction | None, entries: list[Entry]) -> list[Drift]:
    """The purchases check (services/purchases/sync.purchase_drift) for each purchase a new
    entry mints or claws back: what its transfers minted, net, is what it says it minted."""
    ids = sorted({e.reference for e in entries if e.type in MINTING and e.reference})
    refs = [collection(PURCHASES).document(i) for i in ids]
    found = wire.get_all(txn, refs)
    out = []
    for purchase_id, ref in zip(ids, refs):
        if found.get(ref.path) is None:
            continue   # a welcome bonus or another reference that is no purchase
        p = purchase_from(purchase_id, found[ref.path])
        expected = p.net_minted
        net = store.minted_for(txn, purchase_id, MINTING)
        if net != expected:
            out.append(Drift("purchases", purchase_id, "minted", expected, net))
    return out
