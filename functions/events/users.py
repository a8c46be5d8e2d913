"""users/{uid} written: keep the public profile in step, and mirror role/status into claims.

Idempotent (services/users.sync_profile): duplicate or reordered deliveries converge.
"""
from __future__ import annotations

from shared.services.users import sync_profile
from shared.web.events import document_change


def on_user_written(cloud_event) -> None:
    change = document_change(cloud_event)
    sync_profile(change.doc_id, change.before, change.after)
