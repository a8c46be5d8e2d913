"""Wallet sign-in, linking and unlinking.

Guarantees:
- A challenge is a stored single-use nonce for one address and purpose, valid NONCE_TTL_S.
- Sign-in and linking verify the signature over the stored message and, in ONE transaction, spend
  the nonce (delete it, mark it used) together with their effect: finding or creating the user
  (with the welcome bonus, exactly as a first Firebase sign-in would pay it) and linking the
  address. Any failure raises before a write, so nothing changes.
- An address belongs to at most one user (wallet_addresses/{address} is created, never
  overwritten). Signing in with a linked address signs in as the user it is linked to.
- A user first seen through a wallet has a uid derived from the address; that sign-in wallet
  cannot be unlinked, or the account would become unreachable.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from google.cloud import firestore

from shared.config import settings
from shared.domain.errors import Conflict, Forbidden, NotFound, Unauthenticated
from shared.domain.idempotency import Operation
from shared.domain.users import User
from shared.domain.wallets import (NONCE_TTL_S, Chain, Challenge, Purpose, check_challenge,
                                   normalize_address, require_chain, require_scheme, verify,
                                   wallet_uid)
from shared.integrations.firebase_auth import custom_token
from shared.store import ledger as ledger_store
from shared.store import wallets as store
from shared.store.client import collection
from shared.store.idempotency import run_idempotent
from shared.store.transactions import run_transaction
from shared.store.users import user_path

from shared.services.users import create_user, opening_accounts, welcome_transfer_id


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def issue_challenge(chain: str, address: str, scheme: str, uid: str | None = None) -> dict:
    """Store a nonce for `address` and return the exact message its wallet must sign."""
    kind = require_chain(chain)
    require_scheme(scheme)
    issued = now_utc()
    c = Challenge(nonce=secrets.token_hex(16), chain=kind, address=normalize_address(kind, address),
                  purpose=Purpose.LINK if uid else Purpose.LOGIN, issued_at=issued,
                  expires_at=issued + timedelta(seconds=NONCE_TTL_S),
                  domain=settings().login_domain, uid=uid)
    store.save_challenge(c)
    return {"chain": kind.value, "address": c.address, "nonce": c.nonce, "message": c.message,
            "issued_at": c.issued_at, "expires_at": c.expires_at}


def sign_in(chain: str, address: str, nonce: str, signature: str, scheme: str) -> dict:
    """Verify the proof, spend the nonce and find or create the user; returns a custom token."""
    kind = require_chain(chain)
    require_scheme(scheme)
    address = normalize_address(kind, address)
    new_uid = wallet_uid(kind, address)

    def work(txn: firestore.Transaction) -> tuple[str, bool]:
        paths = [store.nonce_path(nonce), store.used_path(nonce), store.address_path(address),
                 user_path(new_uid)]
        read = ledger_store.read(txn, opening_accounts(new_uid),
                                 transfer_ids=[welcome_transfer_id(new_uid)], other_paths=paths)
        c = _proven(read.others, nonce, kind, address, signature, Purpose.LOGIN)
        link = read.others[store.address_path(address)]
        uid = link["owner"] if link else new_uid
        created = link is None and read.others[user_path(new_uid)] is None
        if created:
            create_user(txn, read, new_uid)
        if link is None:
            store.create_link(txn, kind, address, uid)
        store.spend_nonce(txn, c, uid)
        return uid, created

    uid, created = run_transaction(work)
    return {"uid": uid, "created": created, "custom_token": custom_token(uid)}


def link(op: Operation, user: User, chain: str, address: str, nonce: str, signature: str,
         scheme: str) -> dict:
    kind = require_chain(chain)
    require_scheme(scheme)
    address = normalize_address(kind, address)

    def work(txn: firestore.Transaction) -> dict:
        paths = [store.nonce_path(nonce), store.used_path(nonce), store.address_path(address)]
        read = ledger_store.read(txn, other_paths=paths)
        c = _proven(read.others, nonce, kind, address, signature, Purpose.LINK)
        if c.uid != user.uid:
            raise Forbidden("this nonce was issued to another user", field="nonce",
                            code="nonce_user_mismatch")
        owner = (read.others[store.address_path(address)] or {}).get("owner")
        if owner is not None and owner != user.uid:
            raise Conflict("this address is linked to another account", field="address",
                           code="wallet_linked_elsewhere")
        if owner is None:
            store.create_link(txn, kind, address, user.uid)
        store.spend_nonce(txn, c, user.uid)
        return {"address": address, "chain": kind.value, "owner": user.uid}

    return run_idempotent(op, work)


def unlink(op: Operation, user: User, address: str) -> dict:
    ref = collection(store.ADDRESSES).document(address)

    def work(txn: firestore.Transaction) -> dict:
        snap = ref.get(transaction=txn) if address and "/" not in address else None
        if snap is None or not snap.exists or snap.get("owner") != user.uid:
            raise NotFound("no such wallet is linked to your account", field="address",
                           code="wallet_not_linked")
        if wallet_uid(Chain(snap.get("chain")), address) == user.uid:
            raise Forbidden("this wallet is how this account signs in", field="address",
                            code="cannot_unlink_sign_in_wallet")
        txn.delete(ref)
        return {"address": address, "chain": snap.get("chain"), "owner": user.uid}

    return run_idempotent(op, work)


def wallets_of(uid: str) -> list[dict]:
    return [{"address": d["address"], "chain": d["chain"], "linked_at": d.get("linked_at"),
             "sign_in": wallet_uid(Chain(d["chain"]), d["address"]) == uid}
            for d in store.linked_wallets(uid)]


def _proven(docs: dict, nonce: str, chain: Chain, address: str, signature: str,
            purpose: Purpose) -> Challenge:
    """The stored challenge, once the nonce is fresh, unspent, ours and the signature holds."""
    if docs[store.used_path(nonce)] is not None:
        raise Conflict("this nonce was already used; ask for a new challenge", field="nonce",
                       code="nonce_already_used")
    data = docs[store.nonce_path(nonce)]
    if data is None:
        raise Unauthenticated("unknown nonce; ask for a challenge first", field="nonce",
                              code="unknown_nonce")
    c = store.challenge_from(data)
    if c.purpose is not purpose:
        raise Forbidden(f"this nonce was issued to {c.purpose.value}, not to {purpose.value}",
                        field="nonce", code="nonce_purpose_mismatch")
    check_challenge(c, chain, address, now_utc())
    verify(chain, address, c.message, signature)
    return c


def expire_nonces() -> dict:
    """job_expire_wallet_nonces: sweep what expired. `changed` (what its read budget grows
    with) is what it removed: at most 400 challenges and 400 spent markers a run."""
    removed = store.delete_expired(datetime.now(timezone.utc))
    return {"removed": removed, "changed": removed}
