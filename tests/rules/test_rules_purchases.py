"""firestore.rules for issue 3's collections: packages (public), purchases (the buyer and
admins), processed Stripe events and failed deliveries (admins), through the emulator's REST
API. Clients write none of them."""
from __future__ import annotations


import pytest

from tests.rules.rules_support import (ADMIN, CREATED, OTHER, OWNER, Where,
                                       allowed, query_paths)

DOCS: dict[str, dict] = {
    "packages/p1": {"name": "1,000 chips", "tokens": 1000, "bonus": 100, "price": 999,
                    "currency": "usd", "active": True, "sort_order": 1, "popular": False,
                    "version": 1},
    "purchases/u1": {"uid": OWNER, "owner": OWNER, "package_id": "p1", "asset": "CHIPS",
                     "tokens": 1000, "bonus": 100, "amount": 999, "currency": "usd",
                     "status": "completed", "refunded": 0, "clawed_back": 0, "version": 2,
                     "created_at": CREATED},
    "stripe_events/evt_1": {"type": "payment_intent.succeeded", "purchase_id": "u1",
                            "outcome": "completed", "at": CREATED},
    "stripe_failures/evt_2": {"event_id": "evt_2", "type": "charge.refunded", "payload": "{}",
                              "code": "processing_failed", "error": "x", "resolved": False,
                              "attempts": 1, "last_attempt_at": CREATED},
}
CALLERS = {"anonymous": None, "owner": OWNER, "other": OTHER, "admin": ADMIN}
READERS = {
    "packages/p1": set(CALLERS),
    "purchases/u1": {"owner", "admin"},
    "stripe_events/evt_1": {"admin"},
    "stripe_failures/evt_2": {"admin"},
}


@pytest.mark.parametrize("path", list(DOCS))
@pytest.mark.parametrize("caller", list(CALLERS))
def test_who_may_get_each_document(client, path, caller):
    assert allowed(client.get(path, CALLERS[caller])) is (caller in READERS[path])


@pytest.mark.parametrize("path", list(DOCS))
@pytest.mark.parametrize("caller", list(CALLERS))
def test_no_client_writes_anything(client, path, caller):
    uid = CALLERS[caller]
    assert allowed(client.update(path, {"owner": OTHER, "status": "completed"}, uid)) is False
    assert allowed(client.delete(path, uid)) is False
    assert allowed(client.create(path.split("/")[0] + "/forged", {"owner": uid}, uid)) is False
    assert client.peek(path) == DOCS[path]


def test_a_user_lists_only_their_own_purchases(client):
    mine = client.query("purchases", OWNER, Where("owner", OWNER))
    assert allowed(mine) and query_paths(mine, client.project) == ["purchases/u1"]
    assert allowed(client.query("purchases", OTHER, Where("owner", OWNER))) is False
    assert allowed(client.query("purchases", OWNER)) is False


def test_anyone_lists_the_packages(client):
    listed = client.query("packages", None)
    assert allowed(listed) and query_paths(listed, client.project) == ["packages/p1"]
