"""Users: first sign-in (user document, open accounts, welcome bonus), profiles, roles, status.

Guarantees:
- The first authenticated call creates the user document and pays the welcome bonus exactly
  once: the bonus transfer id is derived from the uid, and both commit in one transaction.
- Role and status changes are checked by domain/users.check_can_manage, pass the version they
  read when given one, and write an audit entry in the same transaction.
"""
from __future__ import annotations

import logging

from google.cloud import firestore

from shared.config import settings
from shared.integrations.firebase_auth import set_claims, uid_from_bearer
from shared.domain.accounts import (SystemAccount, receivable_account_id, spread_account_id,
                                    user_account_id)
from shared.domain.errors import NotFound, Unauthenticated, VersionConflict
from shared.domain.idempotency import Operation, derive_id
from shared.domain.ledger import LedgerBatch, Transfer, TransferType
from shared.domain.users import Role, Status, User, check_can_manage
from shared.store import ledger as ledger_store
from shared.store.client import collection
from shared.store.idempotency import run_idempotent
from shared.store.transactions import run_transaction
from shared.store.users import (PROFILES, USERS, get_user, record_audit, user_doc, user_from,
                                 user_path)

log = logging.getLogger("mintbook.events")
PUBLIC_FIELDS = ("display_name", "bio", "avatar_url")  # what profiles/{uid} shows anyone


def authenticate(authorization: str | None, ip: str | None = None) -> User:
    """The caller's user, created on their first authenticated call (its sign-up IP recorded
    for the suspicious-account rules)."""
    uid = uid_from_bearer(authorization)
    user = get_user(uid)
    if user is None:
        from shared.services.flags import note_signup

        user = ensure_user(uid)
        note_signup(uid, ip)
    user.require_present()  # a deleted account's tokens are refused, never re-create it
    return user


def is_service(authorization: str) -> bool:
    """Whether a token sent to a public function is a service identity's (which no per-IP
    limit counts). Creates no user; a token that does not verify is simply not a service's."""
    try:
        user = get_user(uid_from_bearer(authorization))
    except Unauthenticated:
        return False
    return user is not None and user.role is Role.SERVICE


def welcome_transfer_id(uid: str) -> str:
    return derive_id("welcome", uid)


def opening_accounts(uid: str) -> list[str]:
    """The accounts a new user opens: platform-asset spendable and receivable."""
    asset = settings().platform_asset
    return [user_account_id(uid, asset), receivable_account_id(uid, asset)]


def create_user(txn: firestore.Transaction, read: ledger_store.LedgerRead, uid: str) -> User:
    """Inside the caller's transaction, which read opening_accounts(uid) and the welcome
    transfer: the user document, both accounts opened and the welcome bonus paid once."""
    asset = settings().platform_asset
    spendable, receivable = opening_accounts(uid)
    bonus_id = welcome_transfer_id(uid)
    role = Role.SUPERADMIN if uid in settings().bootstrap_admins else Role.USER
    user = User(uid=uid, role=role, display_name="")
    batch = LedgerBatch(read.accounts)
    batch.open(spendable)
    batch.open(receivable)
    bonus = settings().welcome_bonus
    if bonus > 0 and bonus_id not in read.transfers:
        batch.transfer(Transfer(id=bonus_id, asset=asset, amount=bonus,
                                debit_account_id=spread_account_id(SystemAccount.ISSUANCE, uid, asset),
                                credit_account_id=spendable, type=TransferType.BONUS,
                                reference="welcome"))
    ledger_store.write(txn, batch.result)
    txn.create(collection(USERS).document(uid),
               {**user_doc(user), "created_at": firestore.SERVER_TIMESTAMP})
    return user


def ensure_user(uid: str) -> User:
    def work(txn: firestore.Transaction) -> User:
        read = ledger_store.read(txn, opening_accounts(uid), transfer_ids=[welcome_transfer_id(uid)],
                                 other_paths=[user_path(uid)])
        existing = read.others[user_path(uid)]
        return user_from(existing) if existing is not None else create_user(txn, read, uid)

    return run_transaction(work, serialize_on=opening_accounts(uid)[:1])


def require_user(uid: str) -> User:
    user = get_user(uid)
    if user is None:
        raise NotFound(f"no user {uid!r}", field="uid", code="unknown_user")
    return user


def update_profile(op: Operation, uid: str, changes: dict, expected_version: int | None) -> dict:
    ref = collection(USERS).document(uid)

    def work(txn: firestore.Transaction) -> dict:
        user = user_from(ref.get(transaction=txn).to_dict())
        if expected_version is not None and expected_version != user.version:
            raise VersionConflict("the profile changed since you read it", field="version",
                                  details={"version": user.version})
        updated = user._replace(**changes, version=user.version + 1)
        txn.set(ref, user_doc(updated), merge=True)
        return profile_view(updated)

    return run_idempotent(op, work)


def change_user(op: Operation, actor: User, uid: str, *, role: Role | None = None,
                status: Status | None = None, reason: str,
                expected_version: int | None = None) -> dict:
    """Set a user's role or status; audited, version-checked, idempotent."""
    ref = collection(USERS).document(uid)

    def work(txn: firestore.Transaction) -> dict:
        snap = ref.get(transaction=txn)
        if not snap.exists:
            raise NotFound(f"no user {uid!r}", field="uid", code="unknown_user")
        target = user_from(snap.to_dict())
        if expected_version is not None and expected_version != target.version:
            raise VersionConflict("the user changed since you read it", field="version",
                                  details={"version": target.version})
        check_can_manage(actor, target, role)
        updated = target._replace(role=role or target.role, status=status or target.status,
                          version=target.version + 1)
        txn.set(ref, user_doc(updated), merge=True)
        action = "set_role" if role else "set_status"
        record_audit(txn, actor=actor.uid, action=action, target=uid, reason=reason,
                     before={"role": target.role.value, "status": target.status.value},
                     after={"role": updated.role.value, "status": updated.status.value})
        return profile_view(updated)

    return run_idempotent(op, work)


def profile_view(user: User) -> dict:
    return {"uid": user.uid, "display_name": user.display_name, "bio": user.bio,
            "avatar_url": user.avatar_url, "role": user.role.value, "status": user.status.value,
            "version": user.version}



def sync_profile(uid: str, before: dict | None, after: dict | None) -> None:
    """Keep profiles/{uid} in step with users/{uid}, and mirror role and status into custom
    claims. Idempotent: the profile is rewritten from the user document as it now is, so
    duplicate or reordered deliveries converge on the same result.

    Claims are mirrored wherever an Auth holds the accounts: production, and the Auth emulator
    that make dev and make test run. They are skipped when there is no Auth to ask
    (`settings().auth_server` false) and when Auth has no account for the uid: a dev-token user
    (dev/tokens.py), or an account deleted since, has no tokens to carry them."""
    ref = collection(PROFILES).document(uid)
    if after is None or after.get("status") == Status.DELETED.value:
        ref.delete()
        return
    ref.set({**{k: after.get(k, "") for k in PUBLIC_FIELDS}, "uid": uid,
             "updated_at": firestore.SERVER_TIMESTAMP})
    keys = ("role", "status")
    old = {k: (before or {}).get(k) for k in keys}
    new = {k: after.get(k) for k in keys}
    # The user document is authoritative; claims are a copy for rules and clients.
    if old != new and settings().auth_server:
        if set_claims(uid, new):
            log.info("claims mirrored", extra={"uid": uid, "claims": new})
        else:
            log.info("claims not mirrored: Auth has no account", extra={"uid": uid})
