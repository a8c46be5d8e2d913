"""User documents <-> User values, and the admin audit log."""
from __future__ import annotations

from google.cloud import firestore

from shared.domain.users import Role, Status, User

from shared.store.client import collection

USERS, PROFILES, AUDIT_LOG = "users", "profiles", "audit_log"


def user_path(uid: str) -> str:
    return f"{USERS}/{uid}"


def user_from(data: dict) -> User:
    return User(uid=data["uid"], role=Role(data.get("role", "user")),
                status=Status(data.get("status", "active")),
                display_name=data.get("display_name", ""), bio=data.get("bio", ""),
                avatar_url=data.get("avatar_url", ""), version=int(data.get("version", 0)))


def user_doc(user: User) -> dict:
    return {"uid": user.uid, "role": user.role.value, "status": user.status.value,
            "display_name": user.display_name, "bio": user.bio, "avatar_url": user.avatar_url,
            "version": user.version, "updated_at": firestore.SERVER_TIMESTAMP}


def get_user(uid: str) -> User | None:
    snap = collection(USERS).document(uid).get()
    return user_from(snap.to_dict()) if snap.exists else None


def record_audit(txn: firestore.Transaction | firestore.WriteBatch, *, actor: str, action: str, target: str,
                 reason: str, before: object = None, after: object = None) -> str:
    """One audit entry, written in the same transaction (or batch) as the action it describes."""
    ref = collection(AUDIT_LOG).document()
    txn.create(ref, {"actor": actor, "action": action, "target": target, "reason": reason,
                     "before": before, "after": after, "at": firestore.SERVER_TIMESTAMP})
    return ref.id
