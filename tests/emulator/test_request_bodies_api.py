"""Request bodies through the dev server, as a hostile client sends them.

A body is `application/json` in UTF-8 (`415 unsupported_media_type` otherwise, chunked bodies
included), a GET without a body needs no Content-Type, the Stripe webhook takes Stripe's
`application/json; charset=utf-8`, and a JSON body is strict: repeated keys, lone surrogate
escapes, NaN, Infinity, bytes that are not UTF-8 or a BOM are `400 invalid_json` saying which.
Body limits: 64 KiB, 512 KiB for the webhook. A refused body moves nothing.
"""
from __future__ import annotations

import pytest

from dev.tokens import unsigned_id_token

from .helpers import balance, error, key, ok

pytestmark = pytest.mark.usefixtures("ledger")


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def token(api, uid: str = "ann", **claims: object) -> str:
    return unsigned_id_token(uid, api.project, **claims)


def post(api, raw: bytes, content_type: str | None, **headers: str):
    sent = {**bearer(token(api)), "Idempotency-Key": key(), **headers}
    if content_type is not None:
        sent["Content-Type"] = content_type
    return api.http.post(f"{api.base_url}/create_transfer", data=raw, headers=sent, timeout=30)


TRANSFER = b'{"to": "ben", "asset": "CHIP", "amount": 5}'


@pytest.mark.parametrize("content_type", [
    pytest.param("text/plain", id="text_plain"),
    pytest.param(None, id="none"),
    pytest.param("application/x-www-form-urlencoded", id="form"),
    pytest.param("application/json; charset=utf-16", id="charset_utf16"),
    pytest.param("application/json; charset=latin-1", id="charset_latin1"),
    pytest.param("application/jsonx", id="lookalike"),
    pytest.param("application/merge-patch+json", id="json_suffix"),
])
def test_a_body_that_is_not_application_json_is_415_and_moves_nothing(api, content_type):
    api.call("GET", "get_me", "ben")
    raw = TRANSFER.decode().encode("utf-16") if "utf-16" in (content_type or "") else TRANSFER
    err = error(post(api, raw, content_type), 415, "unsupported_media_type")
    assert err["field"] == "Content-Type"
    assert balance(api, "ann")["total"] == 10_000 and balance(api, "ben")["total"] == 10_000


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "Application/JSON; Charset=\"UTF-8\""])
def test_json_with_or_without_a_utf8_charset_is_accepted(api, content_type):
    api.call("GET", "get_me", "ben")
    ok(post(api, TRANSFER, content_type))
    assert balance(api, "ben")["total"] == 10_005


def test_a_body_sent_chunked_must_be_json_too(api):
    api.call("GET", "get_me", "ben")
    chunks = iter([TRANSFER[:10], TRANSFER[10:]])  # requests sends an iterator chunked
    error(post(api, chunks, "text/plain"), 415, "unsupported_media_type")  # type: ignore[arg-type]
    ok(post(api, iter([TRANSFER[:10], TRANSFER[10:]]), "application/json"))  # type: ignore[arg-type]
    assert balance(api, "ben")["total"] == 10_005


def test_a_get_without_a_body_needs_no_content_type(api):
    response = api.http.get(f"{api.base_url}/get_balances", headers=bearer(token(api)), timeout=30)
    ok(response)
    assert "Content-Type" not in response.request.headers


def test_a_get_with_a_body_that_is_not_json_is_415(api):
    response = api.http.get(f"{api.base_url}/get_balances", data=b"x=1",
                            headers={**bearer(token(api)), "Content-Type": "text/plain"},
                            timeout=30)
    error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("raw,field,says", [
    pytest.param(b'{"to": "ben", "asset": "CHIP", "amount": 5, "amount": 5000}', "body",
                 "repeats the key 'amount'", id="duplicate_key"),
    pytest.param(b'{"to": "ben", "asset": "CHIP", "amount": 5, "memo": {"a": 1, "a": 2}}', "body",
                 "repeats the key 'a'", id="nested_duplicate_key"),
    pytest.param(b'{"to": "ben", "asset": "CHIP", "amount": 5, "memo": "\\ud800"}', "memo",
                 "lone UTF-16 surrogate", id="lone_high_surrogate"),
    pytest.param(b'{"to": "ben", "asset": "CHIP", "amount": 5, "memo": "a\\udc00b"}', "memo",
                 "lone UTF-16 surrogate", id="lone_low_surrogate"),
    pytest.param(b'{"to": "ben", "asset": "CHIP", "amount": 5, "\\ud800": 1}', "body",
                 "lone UTF-16 surrogate", id="lone_surrogate_in_a_key"),
    pytest.param(b'{"to": "ben", "asset": "CHIP", "amount": NaN}', "body", "NaN",
                 id="nan"),
    pytest.param(b'{"to": "ben", "asset": "CHIP", "amount": Infinity}', "body", "Infinity",
                 id="infinity"),
    pytest.param(b'{"to": "ben", "asset": "CHIP", "amount": 5, "memo": "\xff"}', "body",
                 "not valid UTF-8", id="not_utf8"),
    pytest.param(b'\xef\xbb\xbf{"to": "ben", "asset": "CHIP", "amount": 5}', "body",
                 "BOM", id="utf8_bom"),
])
def test_bodies_that_are_not_strict_json_are_invalid_json_and_move_nothing(api, raw, field, says):
    api.call("GET", "get_me", "ben")
    err = error(post(api, raw, "application/json"), 400, "invalid_json")
    assert err["field"] == field and says in err["message"], err
    assert balance(api, "ann")["total"] == 10_000 and balance(api, "ben")["total"] == 10_000


def test_a_surrogate_pair_is_one_character_and_accepted(api):
    api.call("GET", "get_me", "ben")
    raw = b'{"to": "ben", "asset": "CHIP", "amount": 5, "memo": "\\ud83d\\ude00 thanks"}'
    ok(post(api, raw, "application/json"))
    assert balance(api, "ben")["total"] == 10_005


def test_the_stripe_webhook_takes_json_as_stripe_sends_it_and_refuses_anything_else(api):
    from dev.stripe_events import event, sign

    body, headers = sign(event("customer.created", {"id": "cus_edges", "object": "customer"}))
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    url = f"{api.base_url}/stripe_webhook"
    ok(api.http.post(url, data=body, headers=headers, timeout=30))
    error(api.http.post(url, data=body, headers={**headers, "Content-Type": "text/plain"},
                        timeout=30), 415, "unsupported_media_type")


def test_the_stripe_webhook_takes_bodies_up_to_512_kib_and_no_more(api):
    from dev.stripe_events import event, sign

    padding = {"id": "cus_big", "object": "customer", "description": "x" * (400 * 1024)}
    body, headers = sign(event("customer.created", padding))
    assert 64 * 1024 < len(body) < 512 * 1024
    ok(api.http.post(f"{api.base_url}/stripe_webhook", data=body, headers=headers, timeout=30))
    padding["description"] = "x" * (512 * 1024)
    body, headers = sign(event("customer.created", padding))
    error(api.http.post(f"{api.base_url}/stripe_webhook", data=body, headers=headers, timeout=30),
          413, "payload_too_large")


def test_other_bodies_are_limited_to_64_kib(api):
    raw = b'{"to": "ben", "asset": "CHIP", "amount": 5, "memo": "' + b"x" * (64 * 1024) + b'"}'
    error(post(api, raw, "application/json"), 413, "payload_too_large")
