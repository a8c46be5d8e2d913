"""Data rights through the dev server: a user's export of everything they own, paged, and the
erasure of their personal data, by themselves or by an admin on request; and the operations
functions beside them (readiness, the default service prices)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from google.cloud.firestore_v1.base_query import FieldFilter

from dev.auth_emulator import AuthError
from shared.store.client import collection
from tests.support.waiting import eventually

from .helpers import balance, error, key, ok, reconcile, set_chips

pytestmark = pytest.mark.usefixtures("ledger")
PASSWORD = "correct horse battery"


def send(api, sender: str, to: str, amount: int, memo: str = "") -> dict:
    return ok(api.call("POST", "create_transfer", sender, idempotency_key=key(),
                       json={"to": to, "asset": "CHIP", "amount": amount, "memo": memo}))


def export_pages(api, caller: str, limit: int) -> list[dict]:
    """Every page of the caller's export, following next_cursor."""
    pages, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        page = ok(api.call("GET", "export_my_data", caller, params=params))
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


def delete_me(api, uid: str, confirm: bool = False):
    return api.call("POST", "delete_my_account", uid, idempotency_key=key(),
                    json={"confirm_forfeit": confirm})


def open_market(api, admin: str) -> str:
    closes = datetime.now(timezone.utc) + timedelta(hours=1)
    market = ok(api.call("POST", "create_market", admin, idempotency_key=key(), json={
        "slug": f"rights-{uuid.uuid4().hex[:8]}", "title": "Will the export hold?",
        "category": "crypto", "outcomes": [{"id": "yes", "label": "Yes"},
                                           {"id": "no", "label": "No"}],
        "closes_at": closes.isoformat(), "max_per_user": 1_000_000, "asset": "CHIP"}))
    return market["id"]


def test_an_export_pages_through_everything_the_user_owns_exactly_once(api, admin_uid):
    # given a user with a profile, transfers both ways and a forecast
    ok(api.call("PATCH", "update_me", "ann", idempotency_key=key(),
                json={"display_name": "Ann Example", "bio": "forecaster"}))
    ok(api.call("GET", "get_me", "ben"))
    for n in range(3):
        send(api, "ann", "ben", 100 + n, memo=f"gift {n}")
    send(api, "ben", "ann", 50)
    market = open_market(api, admin_uid)
    ok(api.call("POST", "commit_forecast", "ann", idempotency_key=key(),
                json={"market_id": market, "outcome": "yes", "amount": 70}))

    # when ann exports her data three documents a page
    pages = export_pages(api, "ann", limit=3)

    # then the first page has her profile and balances, later pages neither
    assert pages[0]["profile"]["display_name"] == "Ann Example"
    assert pages[0]["balances"] == ok(api.call("GET", "get_balances", "ann"))["items"]
    assert all(p["profile"] is None and p["balances"] is None for p in pages[1:])
    assert all(sum(len(docs) for docs in p["sections"].values()) <= 3 for p in pages)

    # and every document she owns is there once, and nobody else's
    seen: dict[str, list[str]] = {}
    for p in pages:
        for section, docs in p["sections"].items():
            seen.setdefault(section, []).extend(d["id"] for d in docs)
    for section, ids in seen.items():
        assert len(ids) == len(set(ids)), section
    journal = [d for p in pages for d in p["sections"].get("journal", [])]
    assert {d["owner"] for d in journal} == {"ann"}
    memos = [d.get("memo", "") for d in journal]
    assert sorted(m for m in memos if m.startswith("gift")) == \
        ["gift 0", "gift 1", "gift 2"]
    owned = collection("journal").where(filter=FieldFilter("owner", "==", "ann"))
    assert len(journal) == len(list(owned.stream()))
    assert {d["market_id"] for p in pages for d in p["sections"].get("forecasts", [])} == {market}
    assert {d["owner"] for p in pages for d in p["sections"].get("holds", [])} == {"ann"}
    assert [d["id"] for p in pages for d in p["sections"].get("accounts", [])] == \
        ["ann:CHIP", "ann:CHIP:receivable"]
    # timestamps come as ISO 8601 text
    assert all(isinstance(d["created_at"], str) for d in journal)

    # and a cursor that was not handed out is refused
    error(api.call("GET", "export_my_data", "ann", params={"cursor": "bm9uc2Vuc2U"}), 400,
          "invalid_cursor")


def test_deletion_is_refused_while_tokens_remain_and_changes_nothing(api, admin_uid):
    # given ann holds tokens, some committed to a market
    ok(api.call("GET", "get_me", "ann"))
    market = open_market(api, admin_uid)
    ok(api.call("POST", "commit_forecast", "ann", idempotency_key=key(),
                json={"market_id": market, "outcome": "no", "amount": 40}))
    before = balance(api, "ann")

    # when she asks to delete her account, with or without confirming the forfeit
    refused = error(delete_me(api, "ann"), 409, "tokens_committed")
    error(delete_me(api, "ann", confirm=True), 409, "tokens_committed")

    # then it says why, and nothing changed
    assert refused["details"]["committed"] == {"CHIP": 40}
    assert balance(api, "ann") == before
    assert ok(api.call("GET", "get_me", "ann"))["status"] == "active"

    # given ben holds tokens and nothing committed
    ok(api.call("GET", "get_me", "ben"))
    # when he asks without confirming, then he is told to confirm, and nothing changed
    error(delete_me(api, "ben"), 409, "balance_remains")
    assert ok(api.call("GET", "get_me", "ben"))["status"] == "active"


def test_a_deleted_account_is_erased_forfeits_to_the_treasury_and_stays_deleted(
        api, admin_uid, auth_emulator):
    # given a user of a real Auth account, with a name, a bio and tokens
    accounts = auth_emulator.accounts
    email = f"{uuid.uuid4().hex[:12]}@example.com"
    signed_up = accounts.sign_up(email, PASSWORD)
    uid, headers = signed_up.uid, {"Authorization": f"Bearer {signed_up.id_token}"}
    ok(api.call("PATCH", "update_me", headers=headers, idempotency_key=key(),
                json={"display_name": "Dana Real-Name", "bio": "lives in Lisbon"}))
    eventually(lambda: (collection("profiles").document(uid).get().to_dict() or {})
               .get("display_name") == "Dana Real-Name", what="the public profile")
    assert collection("signups").document(uid).get().exists
    chips = next(r for r in ok(api.call("GET", "get_balances", headers=headers))["items"]
                 if r["asset"] == "CHIP")

    # when she deletes her account, confirming the forfeit
    deleted = ok(api.call("POST", "delete_my_account", headers=headers, idempotency_key=key(),
                          json={"confirm_forfeit": True}))

    # then her tokens went to the treasury by a ledger transfer, and the ledger still adds up
    assert deleted == {"uid": uid, "status": "deleted",
                       "forfeited": [{"asset": "CHIP", "amount": chips["available"]}]}
    assert reconcile(api, admin_uid)["ok"]

    # and her personal data is gone: name, bio, public profile, sign-up record
    user = collection("users").document(uid).get().to_dict()
    assert (user["status"], user["display_name"], user["bio"]) == ("deleted", "", "")
    eventually(lambda: not collection("profiles").document(uid).get().exists,
               what="the public profile deleted")
    assert not collection("signups").document(uid).get().exists

    # and the uid stays on her ledger records as a pseudonym
    assert collection("accounts").document(f"{uid}:CHIP").get().exists

    # and her still-valid token is refused, and never re-creates her
    error(api.call("GET", "get_me", headers=headers), 401, "account_disabled")
    with pytest.raises(AuthError, match="USER_DISABLED"):
        accounts.sign_in(email, PASSWORD)

    # and the deletion is in the audit log
    audit = ok(api.call("GET", "admin_audit_log", admin_uid, params={"target": uid}))["items"]
    assert [e["action"] for e in audit] == ["delete_account"]
    assert audit[0]["after"]["forfeited"] == deleted["forfeited"]


def test_a_dev_token_of_a_deleted_user_is_refused_and_an_admin_cannot_change_them(api,
                                                                                    admin_uid):
    # given ann, with nothing left, deletes her account
    ok(api.call("GET", "get_me", "ann"))
    ok(api.call("GET", "get_me", "ben"))
    send(api, "ann", "ben", balance(api, "ann")["available"] - 100)
    ok(delete_me(api, "ann", confirm=True))

    # then her token (no Auth account to disable) is refused, on reads too
    error(api.call("GET", "get_me", "ann"), 403, "account_deleted")
    error(api.call("GET", "get_balances", "ann"), 403, "account_deleted")
    # and the refused calls did not re-create her user document
    assert collection("users").document("ann").get().to_dict()["status"] == "deleted"
    # and an admin cannot reactivate her
    error(api.call("POST", "admin_set_status", admin_uid, idempotency_key=key(),
                   json={"uid": "ann", "status": "active", "reason": "test: undo"}),
          403, "account_deleted")
    # nor set "deleted" without erasing
    error(api.call("POST", "admin_set_status", admin_uid, idempotency_key=key(),
                   json={"uid": "ben", "status": "deleted", "reason": "test: shortcut"}),
          400, "invalid_input")


def test_an_admin_exports_and_deletes_on_request_audited_and_a_creator_page_loses_its_text(
        api, admin_uid):
    # given a listed creator with a personal page
    ok(api.call("GET", "get_me", "cara"))
    ok(api.call("POST", "admin_list_creator", admin_uid, idempotency_key=key(), json={
        "uid": "cara", "symbol": "CARA", "name": "Cara Person", "bio": "painter in Porto",
        "links": ["https://example.com/cara"], "categories": ["art"],
        "initial_supply": 1_000}))

    # when an admin exports her data on request
    first = ok(api.call("GET", "admin_export_user", admin_uid,
                        params={"uid": "cara", "reason": "subject access request"}))
    # then it is her export, and the request is audited
    assert first["uid"] == "cara" and first["profile"]["uid"] == "cara"
    accounts = [d["id"] for d in first["sections"]["accounts"]]
    assert "cara:CARA" in accounts

    # when the admin deletes her on request, forfeiting her tokens
    deleted = ok(api.call("POST", "admin_delete_user", admin_uid, idempotency_key=key(),
                          json={"uid": "cara", "confirm_forfeit": True,
                                "reason": "erasure request"}))
    assert {f["asset"] for f in deleted["forfeited"]} == {"CHIP", "CARA"}

    # then her creator page and its listing's audit entry keep no personal text
    page = ok(api.call("GET", "get_creator", params={"uid": "cara"}))
    assert (page["name"], page["bio"], page["links"]) == ("CARA", "", [])
    audit = ok(api.call("GET", "admin_audit_log", admin_uid, params={"target": "cara"}))["items"]
    assert [e["action"] for e in audit] == ["delete_account", "export_user", "list_creator"]
    listing = audit[-1]["after"]
    assert (listing["name"], listing["bio"], listing["links"]) == ("CARA", "", [])
    assert reconcile(api, admin_uid)["ok"]

    # and an admin cannot delete someone of their own rank or above
    error(api.call("POST", "admin_delete_user", admin_uid, idempotency_key=key(),
                   json={"uid": admin_uid, "confirm_forfeit": True, "reason": "erasure request"}),
          403, "cannot_change_self")


def test_ready_answers_when_firestore_does(api):
    ready = ok(api.call("GET", "ready"))
    assert ready["status"] == "ready" and ready["firestore_ms"] >= 0


def test_the_default_service_prices_apply_until_an_admin_edits_them(api, admin_uid):
    # given a fresh project: no price was ever set
    service = "svc-app"
    ok(api.call("GET", "get_me", service))
    ok(api.call("POST", "admin_set_role", admin_uid, idempotency_key=key(),
                json={"uid": service, "role": "service", "reason": "the app's backend"}))
    table = ok(api.call("GET", "list_service_prices", "ann"))["items"]
    # then the default table is in force, in the platform token's smallest units (2 decimals)
    assert {(p["service_type"], p["amount"], p["in_force"]) for p in table} == {
        ("analysis", 50, True), ("goal", 100, True), ("notification", 5, True),
        ("search", 10, True)}
    set_chips(api, admin_uid, "ann", 1_000)
    charged = ok(api.call("POST", "service_charge_fee", service, idempotency_key="req-d1",
                          json={"uid": "ann", "service_type": "search", "request_id": "req-d1"}))
    assert charged["amount"] == 10

    # when an admin edits the default's own window
    default_from = next(p["valid_from"] for p in table if p["service_type"] == "search")
    ok(api.call("POST", "admin_set_service_price", admin_uid, idempotency_key=key(), json={
        "service_type": "search", "asset": "CHIP", "amount": 12, "valid_from": default_from,
        "valid_until": None, "reason": "repricing"}))
    # then the edit replaces the default, and charges follow it
    search = ok(api.call("GET", "list_service_prices", "ann",
                         params={"service_type": "search"}))["items"]
    assert [(p["amount"], p["in_force"]) for p in search] == [(12, True)]
    charged = ok(api.call("POST", "service_charge_fee", service, idempotency_key="req-d2",
                          json={"uid": "ann", "service_type": "search", "request_id": "req-d2"}))
    assert charged["amount"] == 12
