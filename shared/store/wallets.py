"""Wallet documents: challenges (nonces), spent-nonce markers and linked addresses.

- wallet_nonces/{nonce}: an open challenge; deleted in the transaction that uses it.
- wallet_nonces_used/{nonce}: written in that same transaction, so a replay is told apart from an
  unknown nonce; both kinds are swept after they expire (job_expire_wallet_nonces).
- wallet_addresses/{address}: who owns an address. The address is the document id, so it is
  owned at most once: linking creates it, and a second create fails the commit.
"""
from __future__ import annotations

from datetime import datetime

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.wallets import Chain, Challenge, Purpose

from shared.store.client import collection, db

NONCES, USED_NONCES, ADDRESSES = "wallet_nonces", "wallet_nonces_used", "wallet_addresses"


def nonce_path(nonce: str) -> str:
    return f"{NONCES}/{nonce}"


def used_path(nonce: str) -> str:
    return f"{USED_NONCES}/{nonce}"


def address_path(address: str) -> str:
    return f"{ADDRESSES}/{address}"


def challenge_doc(c: Challenge) -> dict:
    return {"nonce": c.nonce, "chain": c.chain.value, "address": c.address,
            "purpose": c.purpose.value, "issued_at": c.issued_at, "expires_at": c.expires_at,
            "domain": c.domain, "uid": c.uid}


def challenge_from(data: dict) -> Challenge:
    return Challenge(nonce=data["nonce"], chain=Chain(data["chain"]), address=data["address"],
                     purpose=Purpose(data["purpose"]), issued_at=_plain(data["issued_at"]),
                     expires_at=_plain(data["expires_at"]), domain=data["domain"],
                     uid=data.get("uid"))


def save_challenge(c: Challenge) -> None:
    collection(NONCES).document(c.nonce).create(challenge_doc(c))


def spend_nonce(txn: firestore.Transaction, c: Challenge, uid: str) -> None:
    txn.delete(collection(NONCES).document(c.nonce))
    txn.create(collection(USED_NONCES).document(c.nonce),
               {"uid": uid, "address": c.address, "expires_at": c.expires_at,
                "used_at": firestore.SERVER_TIMESTAMP})


def create_link(txn: firestore.Transaction, chain: Chain, address: str, uid: str) -> dict:
    data = {"address": address, "chain": chain.value, "owner": uid,
            "linked_at": firestore.SERVER_TIMESTAMP}
    txn.create(collection(ADDRESSES).document(address), data)
    return data


def linked_wallets(uid: str) -> list[dict]:
    query = collection(ADDRESSES).where(filter=FieldFilter("owner", "==", uid))
    return sorted((s.to_dict() for s in query.stream()), key=lambda d: d["address"])


def delete_expired(now: datetime, limit: int = 400) -> int:
    """Delete up to `limit` expired challenges and up to `limit` expired spent markers (one
    batch each, within 500 writes); returns how many. It reads each document it deletes, and
    one read for a query that finds none: what expired, never what is still open; a backlog
    beyond `limit` waits for the next run."""
    removed = 0
    for name in (NONCES, USED_NONCES):
        query = (collection(name).where(filter=FieldFilter("expires_at", "<", now))
                 .select([]).limit(limit))
        expired = list(query.stream())
        if expired:
            batch = db().batch()
            for snap in expired:
                batch.delete(snap.reference)
            batch.commit()
        removed += len(expired)
    return removed


def _plain(at: datetime) -> datetime:
    """Firestore returns its own datetime subclass; the domain compares plain UTC datetimes."""
    return datetime.fromtimestamp(at.timestamp(), tz=at.tzinfo)
