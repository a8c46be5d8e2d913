"""Firestore triggers are delivered by the emulator itself, to the dev server, as in production.

Writes come from outside the dev server (the emulator's REST API, bypassing rules as the Admin
SDK would), so the only path from the write to its effect is the emulator's CloudEvent delivery
to `on_user_written`, which keeps profiles/{uid} in step with users/{uid}.
"""
from __future__ import annotations

import uuid

from tests.support.waiting import eventually


def _user(uid: str, display_name: str) -> dict:
    return {"uid": uid, "display_name": display_name, "bio": "", "avatar_url": "",
            "role": "user", "status": "active", "version": 1}


def test_user_written_elsewhere_gets_a_public_profile_with_its_display_name(
        stack, clean_db, firestore_rest):
    # given the dev server with its triggers registered and a uid nobody has used
    uid = f"trig-{uuid.uuid4().hex[:8]}"
    # when another client writes the user document
    firestore_rest.write(f"users/{uid}", _user(uid, "Grace Hopper"))
    # then on_user_written, delivered by the emulator, writes the public profile
    profile = eventually(lambda: firestore_rest.read(f"profiles/{uid}"), timeout_s=10,
                         what=f"profiles/{uid} written by on_user_written")
    assert profile["display_name"] == "Grace Hopper"


def test_renaming_a_user_elsewhere_renames_the_public_profile(stack, clean_db, firestore_rest):
    # given a user whose profile the trigger already wrote
    uid = f"trig-{uuid.uuid4().hex[:8]}"
    firestore_rest.write(f"users/{uid}", _user(uid, "Ada"))
    eventually(lambda: firestore_rest.read(f"profiles/{uid}"), timeout_s=10)
    # when another client changes the display name
    firestore_rest.update(f"users/{uid}", {"display_name": "Ada Lovelace"}).raise_for_status()
    # then the profile follows
    eventually(lambda: (firestore_rest.read(f"profiles/{uid}") or {}).get("display_name")
               == "Ada Lovelace", timeout_s=10, what="the profile renamed")
