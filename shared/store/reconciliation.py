"""Reconciliation's own documents and the reads it makes of the ledger.

- `reconciliation_state/journal.<bucket>`: the watermark of one bucket of the journal feed: the
  (created_at, id) of the last entry folded, in that order. Written only together with the sums
  the fold changed (one transaction), so at any read time the sums are exactly the bucket's
  entries up to its watermark.
- `reconciliation_sums/<account id>`: an account's four counters summed over its folded entries.
  One small document per account (no size cliff); a run writes it at most once per page folded.
- `reconciliation_state/partition`: where the re-verification of accounts resumes (an account
  id; "" is the start of a period), with the period's number and start.
Only reconciliation writes these; nothing on a hot path reads them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable, NamedTuple

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.accounts import Counters
from shared.domain.journal_audit import Entry
from shared.domain.reconciliation import FIELDS
from shared.store import wire
from shared.store.changes import BUCKETS
from shared.store.client import collection
from shared.store.ledger import HOLDS, JOURNAL, JOURNAL_FEED, TRANSFERS

STATE, SUMS = "reconciliation_state", "reconciliation_sums"
PARTITION = "partition"
IN_LIMIT = 30  # values of one `in` filter


class Watermark(NamedTuple):
    """The last folded entry of a bucket; `at` None before the first fold. An empty `id` means
    every entry created before `at` is folded (a bucket folded up to a run's cutoff)."""
    bucket: int
    at: datetime | None = None
    id: str = ""

    def before(self, at: datetime, entry_id: str) -> bool:
        """Whether the entry (at, entry_id) comes after the watermark (is not folded yet)."""
        return self.at is None or (at, entry_id) > (self.at, self.id)


def watermark_ref(bucket: int) -> firestore.DocumentReference:
    return collection(STATE).document(f"{JOURNAL_FEED}.{bucket}")


def watermarks(txn: wire.Reads) -> dict[int, Watermark]:
    refs = [watermark_ref(b) for b in range(BUCKETS)]
    found = wire.get_all(txn, refs)
    out = {}
    for b, ref in enumerate(refs):
        data = found.get(ref.path) or {}
        out[b] = Watermark(b, data.get("at"), data.get("id", ""))
    return out


def entry_from(doc_id: str, data: dict) -> Entry:
    return Entry(id=doc_id, transfer_id=data["transfer_id"], account_id=data["account_id"],
                 asset=data["asset"], type=data.get("type", ""),
                 reference=data.get("reference", ""),
                 delta=Counters(*(int(data.get(name, 0)) for name in FIELDS)))


def journal_page(w: Watermark, cutoff: datetime,
                 limit: int) -> list[tuple[datetime, Entry]]:
    """The bucket's next entries after the watermark and created before `cutoff`, in (created_at,
    id) order (index journal (feed, created_at))."""
    query = (collection(JOURNAL)
             .where(filter=FieldFilter("feed", "==", f"{JOURNAL_FEED}.{w.bucket}"))
             .where(filter=FieldFilter("created_at", "<", cutoff)))
    if w.at is not None:
        query = query.where(filter=FieldFilter("created_at", ">=", w.at))
    query = query.order_by("created_at").order_by("__name__").limit(limit)
    if w.at is not None and w.id:
        query = query.start_after({"created_at": w.at,
                                   "__name__": collection(JOURNAL).document(w.id)})
    return [(s.get("created_at"), entry_from(s.id, s.to_dict())) for s in query.stream()]


def journal_tail(txn: wire.Reads, account_ids: list[str],
                 marks: dict[str, Watermark], limit: int) -> tuple[list[Entry], int, int]:
    """The accounts' entries after their buckets' watermarks (`marks`: account id -> its
    bucket's watermark), `in` IN_LIMIT accounts a query (index journal (account_id, created_at)),
    how many of the accounts (a prefix) they cover completely, and how many entries it read
    (those at or before a watermark too): reading stops before more than `limit` entries (a fold
    that is behind must not make one step read without end)."""
    out: list[Entry] = []
    read = 0
    for i in range(0, len(account_ids), IN_LIMIT):
        chunk = account_ids[i:i + IN_LIMIT]
        query = collection(JOURNAL).where(filter=FieldFilter("account_id", "in", chunk))
        since = [marks[a].at for a in chunk if marks[a].at is not None]
        if len(since) == len(chunk):
            query = query.where(filter=FieldFilter("created_at", ">=", min(since)))
        found = list(wire.stream(query.limit(limit - read + 1), txn))
        read += len(found)
        if read > limit:
            return out, i, read
        for s in found:
            data = s.to_dict()
            if marks[data["account_id"]].before(data["created_at"], s.id):
                out.append(entry_from(s.id, data))
    return out, len(account_ids), read


def sums_range(txn: wire.Reads, after: str,
               through: str | None) -> dict[str, Counters]:
    """The folded sums of the accounts with ids in (after, through] (through None: to the end)."""
    query = collection(SUMS)
    if after:
        query = query.where(filter=FieldFilter("__name__", ">", collection(SUMS).document(after)))
    if through is not None:
        query = query.where(filter=FieldFilter("__name__", "<=",
                                               collection(SUMS).document(through)))
    return {s.id: sums_from(s.to_dict()) for s in wire.stream(query, txn)}


def sums_from(data: dict | None) -> Counters:
    return Counters(*(int((data or {}).get(name, 0)) for name in FIELDS))


def sums_refs(account_ids: Iterable[str]) -> list[firestore.DocumentReference]:
    return [collection(SUMS).document(a) for a in account_ids]


def open_holds(txn: wire.Reads, account_ids: list[str]) -> list[dict]:
    """The pending holds debiting or crediting any of the accounts, each once."""
    out: dict[str, dict] = {}
    for side in ("debit_account_id", "credit_account_id"):
        for i in range(0, len(account_ids), IN_LIMIT):
            query = (collection(HOLDS).where(filter=FieldFilter("status", "==", "pending"))
                     .where(filter=FieldFilter(side, "in", account_ids[i:i + IN_LIMIT])))
            out.update((s.id, s.to_dict()) for s in wire.stream(query, txn))
    return list(out.values())


def same_credits(txn: wire.Reads, kind: str, reference: str,
                 account_id: str) -> list[tuple[str, str, str, str]]:
    """Every posted transfer of `kind` for `reference` crediting the account, as the
    duplicate-credit check takes them (equality only: served by single-field indexes)."""
    query = (collection(TRANSFERS).where(filter=FieldFilter("type", "==", kind))
             .where(filter=FieldFilter("reference", "==", reference))
             .where(filter=FieldFilter("credit_account_id", "==", account_id))
             .select(["pending"]))
    return [(kind, reference, account_id, s.id) for s in wire.stream(query, txn)
            if not s.to_dict().get("pending")]


def minted_for(txn: wire.Reads, purchase_id: str,
               kinds: dict[str, int]) -> int:
    """Tokens posted for the purchase by transfers of `kinds` (type -> sign), as the purchases
    check counts them (services/purchases/sync.purchase_drift); equality only."""
    query = (collection(TRANSFERS).where(filter=FieldFilter("reference", "==", purchase_id))
             .where(filter=FieldFilter("type", "in", list(kinds)))
             .select(["type", "amount", "pending"]))
    return sum(kinds[d["type"]] * int(d["amount"]) for d in
               (s.to_dict() for s in wire.stream(query, txn)) if not d.get("pending"))


def partition_cursor() -> tuple[dict, wire.ReadTime]:
    """Where the partitions resume, and Firestore's time of this read: a step reads everything
    else at it (a time of Firestore's own clock, so never ahead of it)."""
    snap = collection(STATE).document(PARTITION).get()
    return (snap.to_dict() or {"after": "", "period": 0}), wire.ReadTime(snap.read_time)


def save_partition_cursor(after: str, period: int, started_at: datetime | None) -> None:
    collection(STATE).document(PARTITION).set(
        {"after": after, "period": period, "started_at": started_at,
         "updated_at": firestore.SERVER_TIMESTAMP})
