"""Packages and purchases through the dev server (localstripe as the Stripe API)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from .helpers import balance, error, key, ok, reconcile
from .purchases_helpers import package

pytestmark = pytest.mark.usefixtures("ledger")


def buy(api, uid: str, package_id: str, idempotency_key: str | None = None):
    return api.call("POST", "create_purchase", uid, json={"package_id": package_id},
                    idempotency_key=idempotency_key or key())


def test_everyone_sees_active_packages_in_order_and_only_admins_manage_them(api, admin_uid):
    big = package(api, admin_uid, tokens=5_000, price=4_000, sort_order=2, popular=True)
    small = package(api, admin_uid, tokens=1_000, price=1_000, sort_order=1)
    hidden = package(api, admin_uid, tokens=9, price=9, active=False)
    listed = ok(api.call("GET", "list_packages"))["items"]
    assert [p["id"] for p in listed] == [small["id"], big["id"]] and listed[1]["popular"]
    assert hidden["id"] in [p["id"] for p in ok(api.call("GET", "admin_list_packages", admin_uid))["items"]]
    error(api.call("POST", "admin_create_package", "ann", idempotency_key=key(),
                   json={"name": "x", "tokens": 1, "price": 1}), 403, "role_required")


def test_a_stale_version_answers_409_and_deactivating_hides_the_package(api, admin_uid):
    pkg = package(api, admin_uid)
    edited = ok(api.call("POST", "admin_update_package", admin_uid, idempotency_key=key(),
                         json={"id": pkg["id"], "version": pkg["version"], "bonus": 50}))
    assert (edited["bonus"], edited["version"]) == (50, pkg["version"] + 1)
    error(api.call("POST", "admin_update_package", admin_uid, idempotency_key=key(),
                   json={"id": pkg["id"], "version": pkg["version"], "active": False}),
          409, "version_conflict")
    ok(api.call("POST", "admin_update_package", admin_uid, idempotency_key=key(),
                json={"id": pkg["id"], "version": edited["version"], "active": False}))
    assert ok(api.call("GET", "list_packages"))["items"] == []
    error(buy(api, "ann", pkg["id"]), 404, "package_inactive")
    error(buy(api, "ann", "nope"), 404, "unknown_package")


def test_the_same_key_returns_the_same_purchase_and_amounts_come_from_the_server(
        api, admin_uid, stripe_api):
    pkg = package(api, admin_uid, tokens=700, bonus=70, price=1_234)
    first = ok(buy(api, "bea", pkg["id"], "k1"))
    assert ok(buy(api, "bea", pkg["id"], "k1")) == first
    assert (first["amount"], first["currency"], first["tokens"], first["bonus"]) == (1_234, "usd", 700, 70)
    intent = stripe_api.v1.payment_intents.retrieve(first["payment_intent_id"])
    assert (intent.amount, intent.metadata["purchase_id"], intent.metadata["uid"]) == (
        1_234, first["purchase_id"], "bea")
    error(api.call("POST", "create_purchase", "bea", idempotency_key="k1",
                   json={"package_id": package(api, admin_uid)["id"]}), 409, "idempotency_conflict")
    error(api.call("POST", "create_purchase", "bea", idempotency_key=key(),
                   json={"package_id": pkg["id"], "amount": 1}), 400, "unknown_field")
    assert len(ok(api.call("GET", "list_purchases", "bea"))["items"]) == 1


def test_limits_say_which_limit_was_hit(api, admin_uid, stripe_api):
    pkg = package(api, admin_uid)
    for _ in range(5):
        ok(buy(api, "cyd", pkg["id"]))
    err = error(buy(api, "cyd", pkg["id"]), 429, "purchase_hourly_limit")
    assert err["details"]["limit"] == 5
    ok(buy(api, "dee", pkg["id"]))  # another user is not limited by cyd's purchases
    dear = package(api, admin_uid, price=100_001)
    error(buy(api, "dee", dear["id"]), 422, "purchase_amount_limit")


def test_admins_filter_purchases_by_status_and_user(api, admin_uid, stripe_api):
    pkg = package(api, admin_uid)
    mine = ok(buy(api, "eli", pkg["id"]))
    ok(buy(api, "fin", pkg["id"]))
    by_user = ok(api.call("GET", "admin_list_purchases", admin_uid, params={"uid": "eli"}))["items"]
    assert [p["id"] for p in by_user] == [mine["purchase_id"]]
    pending = ok(api.call("GET", "admin_list_purchases", admin_uid,
                          params={"status": "pending", "limit": 1}))
    assert len(pending["items"]) == 1 and pending["next_cursor"]
    assert ok(api.call("GET", "admin_list_purchases", admin_uid,
                       params={"status": "completed"}))["items"] == []
    error(api.call("GET", "admin_list_purchases", "eli"), 403, "role_required")


def test_expiry_cancels_the_payment_intent_or_mints_if_it_had_succeeded(
        api, admin_uid, stripe_api, localstripe, server_url):
    from dev.stack import LOCAL_STRIPE_WEBHOOK_SECRET
    from shared.services.purchases import sync

    pkg = package(api, admin_uid, tokens=300, price=500)
    abandoned = ok(buy(api, "gil", pkg["id"]))
    paid = ok(buy(api, "gil", pkg["id"]))
    localstripe.send_webhooks_to("http://127.0.0.1:9/nowhere", LOCAL_STRIPE_WEBHOOK_SECRET)
    try:  # the success webhook is lost: only Stripe knows the payment went through
        stripe_api.v1.payment_intents.update(paid["payment_intent_id"],
                                             {"payment_method": "pm_card_visa"})
        stripe_api.v1.payment_intents.confirm(paid["payment_intent_id"])
        assert sync.expire(stale_after=timedelta(0)) == {"expired": 1}
        assert balance(api, "gil")["total"] == 10_300  # minted by the expiry, not a webhook
    finally:
        localstripe.send_webhooks_to(f"{server_url}/stripe_webhook", LOCAL_STRIPE_WEBHOOK_SECRET)
    statuses = {p["id"]: p["status"] for p in ok(api.call("GET", "list_purchases", "gil"))["items"]}
    assert statuses == {abandoned["purchase_id"]: "canceled", paid["purchase_id"]: "completed"}
    assert stripe_api.v1.payment_intents.retrieve(abandoned["payment_intent_id"]).status == "canceled"
    assert balance(api, "gil")["total"] == 10_300
    stats = ok(api.call("GET", "admin_purchase_stats", admin_uid))
    assert (stats["tokens_sold"], stats["completed"], stats["failed"]) == (300, 1, 1)
    assert stats["by_currency"] == [{"currency": "usd", "revenue": 500, "refunded": 0,
                                     "purchases": 1}]
    assert reconcile(api, admin_uid)["ok"]
