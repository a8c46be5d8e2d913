"""Creators run their own page, through the dev server: apply and be reviewed, edit the page's
sections, check a symbol, be found by search, be followed (with a followers count kept by a
task), and a user's list of the creators they follow."""
from __future__ import annotations

import pytest

from tests.support.waiting import eventually

from .helpers import balance, error, key, ok

pytestmark = pytest.mark.usefixtures("ledger")


def application(symbol: str, name: str, **extra) -> dict:
    return {"symbol": symbol, "name": name, "bio": "makes things", "categories": ["art"],
            "initial_supply": 5_000, **extra}


def apply(api, uid: str, body: dict, idempotency_key: str | None = None):
    return api.call("POST", "apply_as_creator", uid, json=body,
                    idempotency_key=idempotency_key or key())


def review(api, admin: str, uid: str, approve: bool, idempotency_key: str | None = None):
    return api.call("POST", "admin_review_creator_application", admin,
                    idempotency_key=idempotency_key or key(),
                    json={"uid": uid, "approve": approve, "reason": "reviewed by the team"})


def test_an_approved_application_lists_the_creator_once_audited(api, admin_uid):
    # given ann applies for the symbol ANNA
    ok(api.call("GET", "get_me", "ann"))
    pending = ok(apply(api, "ann", application("ANNA", "Ann Artist")))
    assert (pending["status"], pending["symbol"]) == ("pending", "ANNA")
    # then a second application waits for the first
    error(apply(api, "ann", application("ANNB", "Ann Again")), 409, "application_pending")
    # and the symbol is still free until the listing
    assert ok(api.call("GET", "check_symbol", params={"symbol": "ANNA"}))["available"] is True

    # when an admin approves it (and the same request arrives twice)
    same = key()
    approved = ok(review(api, admin_uid, "ann", True, same))
    assert ok(review(api, admin_uid, "ann", True, same)) == approved

    # then she is listed as admin_list_creator would: her token minted to her, its book open
    assert approved["status"] == "approved"
    creator = ok(api.call("GET", "get_creator", params={"uid": "ann"}))
    assert (creator["symbol"], creator["name"], creator["book"]) == ("ANNA", "Ann Artist",
                                                                      "ANNA-CHIP")
    assert balance(api, "ann", "ANNA")["total"] == 5_000
    assert ok(api.call("GET", "check_symbol", params={"symbol": "ANNA"})) == {
        "symbol": "ANNA", "available": False, "reason": "taken"}
    # and a new review of it is refused, and so is a new application
    error(review(api, admin_uid, "ann", False), 409, "application_reviewed")
    error(apply(api, "ann", application("ANNC", "Ann")), 409, "creator_exists")
    # and the review is in the audit log
    audit = ok(api.call("GET", "admin_audit_log", admin_uid, params={"target": "ann"}))["items"]
    assert {e["action"] for e in audit} == {"approved_creator_application", "list_creator"}


def test_a_rejected_application_says_why_and_another_may_follow(api, admin_uid):
    ok(api.call("GET", "get_me", "ben"))
    ok(apply(api, "ben", application("BENX", "Ben")))
    rejected = ok(review(api, admin_uid, "ben", False))
    assert (rejected["status"], rejected["reason"]) == ("rejected", "reviewed by the team")
    # nothing was listed
    error(api.call("GET", "get_creator", params={"uid": "ben"}), 404, "unknown_creator")
    assert ok(api.call("GET", "check_symbol", params={"symbol": "BENX"}))["available"] is True
    # and ben may apply again
    assert ok(apply(api, "ben", application("BENY", "Ben")))["status"] == "pending"
    # an application for a taken symbol is refused
    ok(api.call("GET", "get_me", "cat"))
    ok(apply(api, "cat", application("CATS", "Cat")))
    ok(review(api, admin_uid, "cat", True))
    error(apply(api, "ben", application("CATS", "Copycat")), 409, "symbol_taken")
    # only admins review, and only applications that exist
    error(review(api, "ben", "ben", True), 403, "role_required")
    error(review(api, admin_uid, "nobody", True), 404, "unknown_application")


def test_check_symbol_says_why_a_symbol_cannot_be_had(api, admin_uid):
    assert ok(api.call("GET", "check_symbol", params={"symbol": "chip!"})) == {
        "symbol": "chip!", "available": False, "reason": "invalid"}
    assert ok(api.call("GET", "check_symbol", params={"symbol": "CHIP"}))["reason"] == "taken"
    assert ok(api.call("GET", "check_symbol", params={"symbol": "FRESH"}))["available"] is True


def listed(api, admin: str, uid: str, symbol: str, name: str) -> None:
    ok(api.call("GET", "get_me", uid))
    ok(api.call("POST", "admin_list_creator", admin, idempotency_key=key(), json={
        "uid": uid, "symbol": symbol, "name": name, "initial_supply": 1_000}))


def test_a_creator_edits_the_sections_of_their_own_page_within_bounds(api, admin_uid):
    listed(api, admin_uid, "dee", "DEE", "Dee Maker")
    page = ok(api.call("PATCH", "update_creator_profile", "dee", idempotency_key=key(), json={
        "bio": "ceramics", "skills": ["glazing", "throwing"], "education": ["art school"],
        "content_links": ["https://example.com/dee/work"]}))
    assert (page["bio"], page["skills"], page["education"], page["achievements"]) == (
        "ceramics", ["glazing", "throwing"], ["art school"], [])
    assert (page["symbol"], page["name"]) == ("DEE", "Dee Maker")  # not editable here
    # an empty edit changes nothing
    assert ok(api.call("PATCH", "update_creator_profile", "dee", idempotency_key=key(),
                       json={})) == page
    # a section past its bound is refused and changes nothing
    error(api.call("PATCH", "update_creator_profile", "dee", idempotency_key=key(),
                   json={"skills": [f"skill {n}" for n in range(21)]}), 400, "invalid_input")
    error(api.call("PATCH", "update_creator_profile", "dee", idempotency_key=key(),
                   json={"symbol": "HIJACK"}), 400, "unknown_field")
    assert ok(api.call("GET", "search_creators", params={"q": "DEE"}))["items"][0]["skills"] == \
        ["glazing", "throwing"]
    # someone who is not a creator has no page to edit
    ok(api.call("GET", "get_me", "eve"))
    error(api.call("PATCH", "update_creator_profile", "eve", idempotency_key=key(),
                   json={"bio": "not mine"}), 404, "unknown_creator")


def test_search_finds_creators_by_symbol_or_name_prefix(api, admin_uid):
    listed(api, admin_uid, "fay", "FAYE", "Faye Songwriter")
    listed(api, admin_uid, "gus", "GUS", "Gustav Fayer")
    listed(api, admin_uid, "hal", "HAL", "Hal Painter")
    by_symbol = ok(api.call("GET", "search_creators", params={"q": "fa"}))["items"]
    assert [c["symbol"] for c in by_symbol] == ["FAYE"]
    by_name = ok(api.call("GET", "search_creators", params={"q": "Gust"}))["items"]
    assert [c["symbol"] for c in by_name] == ["GUS"]
    assert ok(api.call("GET", "search_creators", params={"q": "hal p"}))["items"][0]["uid"] == "hal"
    assert ok(api.call("GET", "search_creators", params={"q": "zzz"}))["items"] == []
    error(api.call("GET", "search_creators", params={"q": ""}), 400, "invalid_input")


def test_followers_are_counted_by_a_task_and_a_user_lists_whom_they_follow(api, admin_uid):
    listed(api, admin_uid, "ivy", "IVY", "Ivy")
    listed(api, admin_uid, "jon", "JON", "Jon")
    for fan in ("f1", "f2", "f3"):
        ok(api.call("GET", "get_me", fan))
        ok(api.call("POST", "follow_creator", fan, idempotency_key=key(),
                    json={"creator": "ivy"}))
    ok(api.call("POST", "follow_creator", "f1", idempotency_key=key(), json={"creator": "jon"}))

    # then the count follows, with the time it was taken
    def ivy() -> dict:
        return ok(api.call("GET", "search_creators", params={"q": "IVY"}))["items"][0]

    eventually(lambda: ivy()["followers"] == 3, what="ivy's followers counted")
    assert ivy()["followers_as_of"] is not None
    ok(api.call("POST", "follow_creator", "f2", idempotency_key=key(),
                json={"creator": "ivy", "follow": False}))
    eventually(lambda: ivy()["followers"] == 2, what="an unfollow counted")

    # and f1 lists the creators they follow, a page at a time
    first = ok(api.call("GET", "list_my_followed_creators", "f1", params={"limit": 1}))
    rest = ok(api.call("GET", "list_my_followed_creators", "f1",
                       params={"limit": 1, "cursor": first["next_cursor"]}))
    assert [c["symbol"] for c in first["items"] + rest["items"]] == ["IVY", "JON"]
    assert ok(api.call("GET", "list_my_followed_creators", "f2"))["items"] == []
