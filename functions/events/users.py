"""users/{uid} written: keep the public profile in step, and mirror role/status into claims.

Idempotent: each delivery rewrites profiles/{uid} from the user document as it now is, so
duplicate or reordered deliveries converge on the same result.
"""
from __future__ import annotations

import logging

from google.cloud import firestore

from shared.config import settings
from shared.store.client import collection
from shared.store.users import PROFILES
from shared.web.events import document_change

log = logging.getLogger("mintbook.events")
PUBLIC = ("display_name", "bio", "avatar_url")


def on_user_written(cloud_event) -> None:
    change = document_change(cloud_event)
    ref = collection(PROFILES).document(change.doc_id)
    if change.after is None:
        ref.delete()
        return
    ref.set({**{k: change.after.get(k, "") for k in PUBLIC}, "uid": change.doc_id,
             "updated_at": firestore.SERVER_TIMESTAMP})
    _mirror_claims(change)


def _mirror_claims(change) -> None:
    """Custom claims mirror the user document (authoritative); skipped without a real Auth."""
    keys = ("role", "status")
    old = {k: (change.before or {}).get(k) for k in keys}
    new = {k: change.after.get(k) for k in keys}
    if old == new or settings().emulated_auth:
        return
    from firebase_admin import auth

    from shared.web.auth import firebase_app

    auth.set_custom_user_claims(change.doc_id, new, app=firebase_app())
    log.info("claims mirrored", extra={"uid": change.doc_id, "claims": new})
