"""Data rights: a user's export of everything they own, and erasure of their personal data.

Guarantees:
- An export is paged: each page reads at most `limit` documents plus one query per section it
  reaches, resuming by (section, document id) (domain/privacy.py), so no call reads more than a
  page whatever the user's history. The first page adds the profile and the balances.
- Erasure commits in one transaction, audited: the user document becomes a tombstone (status
  `deleted`, name, bio and avatar blank), so a still-valid token cannot re-create the user and is
  refused `account_deleted`; the sign-up record (IP) and wallet links are deleted; a creator's
  page and its listing's audit entry lose their personal text (the name becomes the symbol).
  Available tokens, when the caller confirms forfeiting them, go to the treasury by ledger
  transfers whose ids derive from (uid, asset). Debts and committed tokens refuse it
  (domain/privacy.forfeits). Ledger records (accounts, transfers, journal, holds), purchases,
  orders, fills and forecasts keep the uid as a pseudonym: a ledger must keep them.
- Then sign-in is disabled in Auth and its sessions revoked; the public profile is deleted by
  the users trigger (services/users.sync_profile) once the tombstone is written.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.field_path import FieldPath

from shared.domain.accounts import (AccountKind, SystemAccount, parse_account_id,
                                    spread_account_id, user_account_id)
from shared.domain.idempotency import Operation, derive_id
from shared.domain.ledger import LedgerBatch, Transfer, TransferType
from shared.domain.privacy import ExportCursor, Holding, decode_cursor, encode_cursor, forfeits
from shared.domain.users import Status, User, check_can_manage
from shared.integrations.firebase_auth import disable_account
from shared.store import ledger as ledger_store
from shared.store.client import collection, db
from shared.store.exchange import FILLS, ORDERS
from shared.store.markets.market import FORECASTS
from shared.store.markets.social import NOTIFICATIONS
from shared.store.purchases import PURCHASES
from shared.store.swaps import OFFERS
from shared.store.transactions import run_transaction
from shared.store.idempotency import record
from shared.store.users import AUDIT_LOG, USERS, record_audit, user_doc, user_from
from shared.store.wallets import ADDRESSES

from shared.services.balances import SNAPSHOTS, balances
from shared.services.exchange.creators import CREATORS
from shared.services.flags import SIGNUPS
from shared.services.users import profile_view, require_user


class Section(NamedTuple):
    name: str
    collection: str
    owner_field: str


# The order an export walks; appending a section keeps every cursor handed out valid.
SECTIONS = (
    Section("accounts", ledger_store.ACCOUNTS, "owner"),
    Section("journal", ledger_store.JOURNAL, "owner"),
    Section("holds", ledger_store.HOLDS, "owner"),
    Section("purchases", PURCHASES, "owner"),
    Section("forecasts", FORECASTS, "owner"),
    Section("orders", ORDERS, "owner"),
    Section("fills", FILLS, "owner"),
    Section("swap_offers", OFFERS, "maker"),
    Section("wallets", ADDRESSES, "owner"),
    Section("notifications", NOTIFICATIONS, "owner"),
    Section("balance_snapshots", SNAPSHOTS, "owner"),
)
PERSONAL_CREATOR_FIELDS = {"bio": "", "links": []}  # plus name, which becomes the symbol


def export(user: User, cursor: str | None, limit: int) -> dict:
    """One page of everything `user` owns: {profile?, balances?, sections, next_cursor}."""
    at = decode_cursor(cursor, len(SECTIONS))
    page: dict[str, Any] = {"uid": user.uid, "sections": {}}
    if at == ExportCursor(0, None):
        page["profile"] = profile_view(user)
        page["balances"] = balances(user.uid)
    left, next_cursor = limit, None
    for index in range(at.section, len(SECTIONS)):
        section = SECTIONS[index]
        after = at.after if index == at.section else None
        docs = _owned(section, user.uid, after, left + 1)
        page["sections"][section.name] = [_plain({"id": d.id, **d.to_dict()}) for d in docs[:left]]
        if len(docs) > left:  # more in this section: the next page resumes after the last one
            next_cursor = encode_cursor(ExportCursor(index, docs[left - 1].id))
            break
        left -= len(docs)
        if left == 0:
            if index + 1 < len(SECTIONS):
                next_cursor = encode_cursor(ExportCursor(index + 1, None))
            break
    page["next_cursor"] = next_cursor
    return page


def _owned(section: Section, uid: str, after: str | None, limit: int) -> list:
    query = collection(section.collection).where(
        filter=FieldFilter(section.owner_field, "==", uid))
    if after is not None:
        query = query.where(filter=FieldFilter(FieldPath.document_id(), ">",
                                               collection(section.collection).document(after)))
    return list(query.order_by(FieldPath.document_id()).limit(limit).stream())


def _plain(value: Any) -> Any:
    """Firestore values as JSON: times as ISO 8601, references as paths."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, firestore.DocumentReference):
        return value.path
    if isinstance(value, bytes):
        return value.hex()
    return value


def forfeit_transfer_id(uid: str, asset: str) -> str:
    return derive_id("forfeit", uid, asset)


def delete_account(op: Operation, actor: User, uid: str, *, confirm_forfeit: bool,
                   reason: str, by_admin: bool = False) -> dict:
    """Erase `uid`'s personal data (see the module guarantees); idempotent by `op`."""
    target = require_user(uid)
    if by_admin:
        check_can_manage(actor, target)  # an admin erases only users below their rank
    elif target.status is Status.DELETED:
        return _deleted_view(uid, [])
    account_ids = [s.id for s in collection(ledger_store.ACCOUNTS)
                   .where(filter=FieldFilter("owner", "==", uid)).stream()]
    wallets = [s.reference for s in collection(ADDRESSES)
               .where(filter=FieldFilter("owner", "==", uid)).stream()]
    listing_audits = [s.reference for s in collection(AUDIT_LOG)
                      .where(filter=FieldFilter("target", "==", uid)).stream()
                      if s.get("action") == "list_creator"]
    user_ref, creator_ref = collection(USERS).document(uid), collection(CREATORS).document(uid)

    def work(txn: firestore.Transaction) -> dict:
        read = ledger_store.read(txn, account_ids, operation=op,
                                 other_paths=[user_ref.path, creator_ref.path])
        if read.replay is not None:
            return read.replay
        user = user_from(read.others[user_ref.path])
        if user.status is Status.DELETED:
            return record(txn, op, _deleted_view(uid, []))
        due = forfeits(_holdings(read.accounts.values()), confirm_forfeit)
        batch = LedgerBatch(read.accounts)
        for asset, amount in due:
            batch.transfer(Transfer(
                id=forfeit_transfer_id(uid, asset), asset=asset, amount=amount,
                debit_account_id=user_account_id(uid, asset),
                credit_account_id=spread_account_id(SystemAccount.TREASURY, uid, asset),
                type=TransferType.FORFEIT, reference="account deleted"))
        ledger_store.write(txn, batch.result)
        tombstone = user._replace(status=Status.DELETED, display_name="", bio="", avatar_url="",
                                  version=user.version + 1)
        txn.set(user_ref, {**user_doc(tombstone), "deleted_at": firestore.SERVER_TIMESTAMP},
                merge=True)
        txn.delete(collection(SIGNUPS).document(uid))
        for ref in wallets:
            txn.delete(ref)
        creator = read.others[creator_ref.path]
        if creator is not None:
            txn.update(creator_ref, {**PERSONAL_CREATOR_FIELDS, "name": creator["symbol"],
                                     "name_lower": creator["symbol"].lower()})
            for ref in listing_audits:
                txn.update(ref, {f"after.{k}": v for k, v in
                                 {**PERSONAL_CREATOR_FIELDS, "name": creator["symbol"]}.items()})
        forfeited = [{"asset": a, "amount": n} for a, n in due]
        record_audit(txn, actor=actor.uid, action="delete_account", target=uid, reason=reason,
                     before={"status": user.status.value}, after={"forfeited": forfeited,
                                                                  "wallets": len(wallets)})
        return record(txn, op, _deleted_view(uid, forfeited))

    deleted = run_transaction(work, serialize_on=account_ids[:1])
    disable_account(uid)
    return deleted


def _holdings(accounts) -> list[Holding]:
    by_asset: dict[str, Holding] = {}
    for account in accounts:
        _, asset, kind = parse_account_id(account.id)
        h = by_asset.get(asset, Holding(asset, 0, 0, 0))
        if kind is AccountKind.RECEIVABLE:
            h = h._replace(owed=max(0, -account.balance))
        else:
            h = h._replace(available=account.available,
                           committed=account.counters.debits_pending)
        by_asset[asset] = h
    return sorted(by_asset.values())


def _deleted_view(uid: str, forfeited: list[dict]) -> dict:
    return {"uid": uid, "status": Status.DELETED.value, "forfeited": forfeited}


def export_audited(actor: User, uid: str, cursor: str | None, limit: int, reason: str) -> dict:
    """An admin's export of `uid`, audited once per export (on its first page)."""
    user = require_user(uid)
    if not cursor:
        batch = db().batch()
        record_audit(batch, actor=actor.uid, action="export_user", target=uid, reason=reason)
        batch.commit()
    return export(user, cursor, limit)
