"""Ledger documents: accounts, holds, transfers and journal entries <-> domain values.

Guarantees:
- `read` fetches every document a batch needs in one round trip (get_all) inside the transaction.
- Reads and writes go through `wire` (the same requests, built without proto-plus).
- `write` writes exactly what a LedgerBatch returned: read accounts are overwritten with their new
  counters (and a `version` one higher); blind system accounts get increments only, so no user
  transaction ever reads or locks them (a share of a spread system account also carries the
  change-feed fields of SPREAD_FEED); every transfer is created (a duplicate id fails the commit)
  and every journal entry is created with the commit's server timestamp. A batch that posts to
  receivables also creates the change in what they owe, for the purchase statistics
  (store/purchase_stats.py), in the same transaction.
- A receipt (an operation's idempotent answer) rides on the transfer whose id is the operation id,
  so the hot paths write no separate idempotency record: the transfer's existence and the answer
  commit together by construction, and a replay reads the one document it would have created.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, NamedTuple

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.accounts import Account, AccountKind, Counters, empty_account, main_owner
from shared.domain.ledger import BatchResult, Hold, HoldStatus, JournalEntry, Transfer, TransferType

from shared.domain.idempotency import Operation

from shared.store import changes, purchase_stats, wire
from shared.store.changes import feed_fields
from shared.store.client import collection, db
from shared.store.idempotency import record_fields, record_ref, replayed

ACCOUNTS, HOLDS, TRANSFERS, JOURNAL = "accounts", "holds", "transfers", "journal"
COUNTERS = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")
BALANCE = "balance"  # stored beside the counters for ordering only: see account_doc
SPREAD_FEED = "spread"  # shares of spread system accounts with a change to consolidate
USER_FEED = "user_accounts"  # user accounts with a change to snapshot (services/snapshots.py)
JOURNAL_FEED = "journal"  # every entry, bucketed by its account: reconciliation folds them


@dataclass
class LedgerRead:
    accounts: dict[str, Account]
    holds: dict[str, Hold]
    transfers: dict[str, Transfer]
    others: dict[str, dict | None]  # any extra documents by path (None when missing)
    replay: dict | None = None      # the stored answer when `operation` already committed


class Receipt(NamedTuple):
    """The answer to `operation`, stored on its transfer (see the module guarantees)."""
    operation: Operation
    response: dict


def read(txn: firestore.Transaction | None, account_ids: Iterable[str] = (),
         hold_ids: Iterable[str] = (), transfer_ids: Iterable[str] = (),
         other_paths: Iterable[str] = (), operation: Operation | None = None,
         receipt_of: Operation | None = None) -> LedgerRead:
    """One get_all for everything; missing accounts read as empty, missing holds are absent.

    With `operation`, its idempotency record is read in the same round trip: `replay` is then
    the first answer (or IdempotencyConflict is raised) and the caller records its own answer.
    `receipt_of` does the same for an operation whose receipt rides on transfers/{operation.id}
    (the caller then writes with `receipt=`).
    """
    if operation is not None:
        other_paths = [record_ref(operation).path, *other_paths]
    if receipt_of is not None:
        transfer_ids = [receipt_of.id, *transfer_ids]
    refs = ([collection(ACCOUNTS).document(i) for i in dict.fromkeys(account_ids)]
            + [collection(HOLDS).document(i) for i in dict.fromkeys(hold_ids)]
            + [collection(TRANSFERS).document(i) for i in dict.fromkeys(transfer_ids)]
            + [db().document(p) for p in dict.fromkeys(other_paths)])
    found = wire.get_all(txn, refs)
    out = LedgerRead({}, {}, {}, {})
    for ref in refs:
        data = found.get(ref.path)
        kind, doc_id = ref.parent.id, ref.id
        if kind == ACCOUNTS and ref.path.count("/") == 1:
            out.accounts[doc_id] = account_from(doc_id, data)
        elif kind == HOLDS and ref.path.count("/") == 1:
            if data is not None:
                out.holds[doc_id] = hold_from(data)
        elif kind == TRANSFERS and ref.path.count("/") == 1:
            if data is not None:
                out.transfers[doc_id] = transfer_from(doc_id, data)
        else:
            out.others[ref.path] = data
    if operation is not None:
        out.replay = replayed(operation, out.others[record_ref(operation).path])
    if receipt_of is not None:
        receipt_path = collection(TRANSFERS).document(receipt_of.id).path
        out.replay = replayed(receipt_of, found.get(receipt_path))
    return out


def owned_with_prefix(prefix: str, asset: str) -> firestore.Query:
    """The accounts of `asset` whose owner starts with `prefix` (a system account's shares:
    their ids are the owner and the asset), in owner order."""
    after = prefix + "\uf8ff"  # above every character an owner uses
    return (collection(ACCOUNTS).where(filter=FieldFilter("asset", "==", asset))
            .where(filter=FieldFilter("owner", ">=", prefix))
            .where(filter=FieldFilter("owner", "<", after)).order_by("owner"))


def sum_balance(query: firestore.Query) -> int:
    """The stored balances of the accounts of `query`, summed by one aggregation (billed a read
    per 1,000 accounts; index `accounts (asset, owner, balance)`)."""
    return int(query.sum(BALANCE, alias="balance").get()[0][0].value or 0)


def account_from(account_id: str, data: dict | None) -> Account:
    if data is None:
        return empty_account(account_id)
    counters = Counters(*(int(data.get(name, 0)) for name in COUNTERS))
    return Account(id=account_id, owner=data["owner"], asset=data["asset"],
                   kind=AccountKind(data["kind"]), counters=counters,
                   version=int(data.get("version", 0)))


def account_doc(account: Account) -> dict:
    """The counters, and `balance` (credits_posted - debits_posted) beside them so a query can
    order holders by it (services/exchange/creators.holders). Every write of an account sets or
    increments both in one write, so `balance` moves exactly with the counters; reconciliation
    names any account whose stored balance differs. Available stays derived."""
    c = account.counters
    return {"owner": account.owner, "asset": account.asset, "kind": account.kind.value,
            **{name: getattr(c, name) for name in COUNTERS},
            BALANCE: c.credits_posted - c.debits_posted, "version": account.version,
            **_user_feed(account.id, account.kind)}


def _user_feed(account_id: str, kind: AccountKind) -> dict:
    """A user account joins USER_FEED on every write, where the daily snapshot finds it."""
    return feed_fields(USER_FEED, account_id) if kind is AccountKind.USER else {}


def blind_doc(account_id: str, delta: Counters) -> dict:
    """Increments for an account this transaction never read (see module guarantees). A share
    of a spread system account also joins the SPREAD_FEED, where consolidation finds it."""
    shape = empty_account(account_id)
    inc = firestore.Increment
    doc = {"owner": shape.owner, "asset": shape.asset, "kind": shape.kind.value,
           **{name: inc(getattr(delta, name)) for name in COUNTERS},
           BALANCE: inc(delta.credits_posted - delta.debits_posted), "version": inc(1)}
    if main_owner(shape.owner) != shape.owner:
        doc |= feed_fields(SPREAD_FEED, account_id)
    return doc | _user_feed(account_id, shape.kind)


def hold_from(data: dict) -> Hold:
    return Hold(id=data["id"], debit_account_id=data["debit_account_id"],
                credit_account_id=data["credit_account_id"], asset=data["asset"],
                amount=int(data["amount"]), posted=int(data.get("posted", 0)),
                status=HoldStatus(data["status"]), type=TransferType(data["type"]),
                reference=data.get("reference", ""), version=int(data.get("version", 0)))


def hold_doc(hold: Hold) -> dict:
    return {"id": hold.id, "debit_account_id": hold.debit_account_id,
            "credit_account_id": hold.credit_account_id, "asset": hold.asset,
            "owner": empty_account(hold.debit_account_id).owner, "amount": hold.amount,
            "posted": hold.posted, "remaining": hold.remaining, "status": hold.status.value,
            "type": hold.type.value, "reference": hold.reference, "version": hold.version,
            "updated_at": firestore.SERVER_TIMESTAMP}


def transfer_from(transfer_id: str, data: dict) -> Transfer:
    return Transfer(id=transfer_id, debit_account_id=data["debit_account_id"],
                    credit_account_id=data["credit_account_id"], asset=data["asset"],
                    amount=int(data["amount"]), type=TransferType(data["type"]),
                    reference=data.get("reference", ""), memo=data.get("memo", ""),
                    pending=bool(data.get("pending", False)), hold_id=data.get("hold_id"))


def transfer_doc(t: Transfer) -> dict:
    """The immutable transfer; optional fields are left out when empty (each field is indexed).
    `day` (UTC, this process's clock) is what a day's transfers are counted by: entries of one
    day's value sort by the transfer's hashed id, so its index spreads, where `created_at`'s
    would take every transfer at the end of one range (its index is exempt)."""
    doc = {"debit_account_id": t.debit_account_id,
           "credit_account_id": t.credit_account_id, "asset": t.asset, "amount": t.amount,
           "type": t.type.value, "reference": t.reference, "created_at": firestore.SERVER_TIMESTAMP,
           "day": datetime.now(timezone.utc).date().isoformat()}
    if t.memo:
        doc["memo"] = t.memo
    if t.pending:
        doc["pending"] = True
    if t.hold_id:
        doc["hold_id"] = t.hold_id
    return doc


def journal_doc(e: JournalEntry, memo: str = "") -> dict:
    """A journal entry; zero counters, unknown balances and empty memos are left out, since
    every field costs index writes and readers default them (to 0, None and "").

    `feed` is JOURNAL_FEED's bucket of the entry's account (not of the entry), so one account's
    entries share a bucket and one watermark: reconciliation folds each bucket in (created_at,
    id) order through the index (feed, created_at), which splits the sequential timestamp over
    the buckets (store/changes.py); an entry is created once, so `created_at` is its change."""
    doc = {"transfer_id": e.transfer_id, "account_id": e.account_id, "owner": e.owner,
           "asset": e.asset, "type": e.type.value, "reference": e.reference, "amount": e.amount,
           "created_at": firestore.SERVER_TIMESTAMP,
           "feed": f"{JOURNAL_FEED}.{changes.bucket(e.account_id)}"}
    doc.update({name: getattr(e.delta, name) for name in COUNTERS if getattr(e.delta, name)})
    if e.balance_before is not None:
        doc.update(balance_before=e.balance_before, balance_after=e.balance_after,
                   available_before=e.available_before, available_after=e.available_after)
    if memo:
        doc["memo"] = memo
    return doc


def write(txn: firestore.Transaction, result: BatchResult, receipt: Receipt | None = None,
          hold_facts: dict[str, dict] | None = None) -> None:
    """`hold_facts`: fields a caller attaches to a hold it creates, written once with it (a
    forecast commit's market, outcome and implied probability), so the hold is its record."""
    for account in result.accounts.values():
        wire.set(txn, collection(ACCOUNTS).document(account.id), account_doc(account))
    for account_id, delta in result.blind.items():
        wire.merge(txn, collection(ACCOUNTS).document(account_id), blind_doc(account_id, delta))
    for hold in result.holds.values():
        data = hold_doc(hold)
        if hold.version == 0:
            data["created_at"] = firestore.SERVER_TIMESTAMP
            data |= (hold_facts or {}).get(hold.id, {})
        wire.merge(txn, collection(HOLDS).document(hold.id), data)
    memos = {t.id: t.memo for t in result.transfers}
    if receipt is not None and receipt.operation.id not in memos:
        raise AssertionError(f"no transfer {receipt.operation.id} to carry the receipt")
    for t in result.transfers:
        doc = transfer_doc(t)
        if receipt is not None and t.id == receipt.operation.id:
            doc |= record_fields(receipt.operation, receipt.response)
        wire.create(txn, collection(TRANSFERS).document(t.id), doc)
    for entry in result.journal:
        wire.create(txn, collection(JOURNAL).document(entry.id),
                    journal_doc(entry, memos.get(entry.transfer_id, "")))
    purchase_stats.record_owed(txn, result.journal)
