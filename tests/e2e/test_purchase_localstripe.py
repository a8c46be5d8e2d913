"""A purchase end to end: the dev server as a black box, localstripe as Stripe.

The test plays the frontend (create the purchase, confirm the PaymentIntent with a test card)
and the Stripe dashboard (refund); localstripe delivers the signed webhook by itself.
"""
from __future__ import annotations

import threading

import pytest
import stripe

from tests.emulator.helpers import balance, key, ok, reconcile
from tests.emulator.purchases_helpers import package
from tests.support.waiting import eventually

WAIT_S = 20.0  # localstripe posts its webhook about 1 s after the payment


@pytest.fixture
def admin_uid() -> str:
    return "demo-admin"  # superadmin on first sign-in (MINTBOOK_BOOTSTRAP_ADMINS)


@pytest.fixture
def shop(clean_db, stack):
    """Nothing but the platform asset; the stack's triggers stay on, as in `make dev`."""
    from shared.services.bootstrap import ensure_platform

    ensure_platform()


def account_listener(uid: str) -> tuple[list[int], object]:
    """A Firestore listener on the user's CHIP account, as a client app keeps one open."""
    from shared.store.client import collection

    seen: list[int] = []
    lock = threading.Lock()

    def on_change(snapshots, changes, read_time) -> None:
        with lock:
            for snap in snapshots:
                data = snap.to_dict() or {}
                seen.append(int(data.get("credits_posted", 0)) - int(data.get("debits_posted", 0)))

    watch = collection("accounts").document(f"{uid}:CHIP").on_snapshot(on_change)
    return seen, watch


def test_buy_with_a_test_card_then_refund_and_sync(api, admin_uid, stripe_api, shop):
    pkg = package(api, admin_uid, tokens=1_000, bonus=100, price=1_500)
    assert [p["id"] for p in ok(api.call("GET", "list_packages"))["items"]] == [pkg["id"]]
    ok(api.call("GET", "get_me", "zoe"))
    seen, watch = account_listener("zoe")
    try:
        created = ok(api.call("POST", "create_purchase", "zoe", json={"package_id": pkg["id"]},
                              idempotency_key="buy-1"))
        again = ok(api.call("POST", "create_purchase", "zoe", json={"package_id": pkg["id"]},
                            idempotency_key="buy-1"))
        assert again == created and created["amount"] == 1_500 and created["client_secret"]
        pi = created["payment_intent_id"]
        stripe_api.v1.payment_intents.update(pi, {"payment_method": "pm_card_visa"})
        assert stripe_api.v1.payment_intents.confirm(pi).status == "succeeded"
        eventually(lambda: balance(api, "zoe")["total"] == 11_100, timeout_s=WAIT_S,
                   interval_s=0.2, what="the minted balance")
        eventually(lambda: 11_100 in seen, timeout_s=WAIT_S, what="the balance on the listener")
    finally:
        watch.unsubscribe()
    [bought] = ok(api.call("GET", "list_purchases", "zoe"))["items"]
    assert (bought["status"], bought["tokens"], bought["bonus"]) == ("completed", 1_000, 100)
    history = ok(api.call("GET", "list_transactions", "zoe"))["items"]
    assert sorted((e["type"], e["amount"]) for e in history[:2]) == [("bonus", 100),
                                                                     ("purchase", 1_000)]

    # localstripe sends no webhook for refunds: the sync finds them.
    stripe_api.v1.refunds.create({"payment_intent": pi, "amount": 750})
    synced = ok(api.call("POST", "admin_stripe_sync", admin_uid, json={}, idempotency_key=key()))
    assert [a["outcome"] for a in synced["applied"]] == ["clawed back 550"]
    assert balance(api, "zoe")["total"] == 10_550
    stripe_api.v1.refunds.create({"payment_intent": pi, "amount": 750})
    ok(api.call("POST", "admin_stripe_sync", admin_uid, json={}, idempotency_key=key()))
    ok(api.call("POST", "admin_stripe_sync", admin_uid, json={}, idempotency_key=key()))
    assert balance(api, "zoe") == {"asset": "CHIP", "available": 10_000, "committed": 0,
                                   "total": 10_000, "owed": 0}
    assert reconcile(api, admin_uid)["ok"]


def test_a_declined_card_fails_the_purchase_and_mints_nothing(api, admin_uid, stripe_api, shop):
    pkg = package(api, admin_uid, tokens=1_000, price=1_500)
    created = ok(api.call("POST", "create_purchase", "yan", json={"package_id": pkg["id"]},
                          idempotency_key=key()))
    pi = created["payment_intent_id"]
    # 4000 0000 0000 0341: attaches, then the charge is declined
    stripe_api.v1.payment_intents.update(pi, {"payment_method": "pm_card_chargeCustomerFail"})
    try:
        assert stripe_api.v1.payment_intents.confirm(pi).status == "requires_payment_method"
    except stripe.CardError:
        pass  # Stripe answers a decline with a card error; localstripe with the intent's status

    def purchase_failed() -> bool:
        return ok(api.call("GET", "list_purchases", "yan"))["items"][0]["status"] == "failed"

    eventually(purchase_failed, timeout_s=WAIT_S, interval_s=0.2, what="the failed purchase")
    assert balance(api, "yan")["total"] == 10_000
    assert reconcile(api, admin_uid)["ok"]


def test_the_scheduled_sync_checks_a_purchase_on_its_schedule_then_retires_it(
        api, admin_uid, stripe_api, shop):
    """A refund whose webhook never came is found by the scheduled sync at the purchase's next
    due check; each purchase is checked len(SYNC_DELAYS) times at most, then never again."""
    from datetime import datetime, timezone

    from shared.domain.purchases import SYNC_DELAYS
    from shared.services.purchases import sync

    pkg = package(api, admin_uid, tokens=1_000, price=1_500)
    ok(api.call("GET", "get_me", "uma"))
    created = ok(api.call("POST", "create_purchase", "uma", json={"package_id": pkg["id"]},
                          idempotency_key=key()))
    pi = created["payment_intent_id"]
    stripe_api.v1.payment_intents.update(pi, {"payment_method": "pm_card_visa"})
    stripe_api.v1.payment_intents.confirm(pi)
    eventually(lambda: balance(api, "uma")["total"] == 11_000, timeout_s=WAIT_S,
               interval_s=0.2, what="the minted balance")
    stripe_api.v1.refunds.create({"payment_intent": pi, "amount": 1_500})  # no webhook
    now = datetime.now(timezone.utc)
    # not due yet: nothing is asked of Stripe
    assert sync.sync_due(now)["checked"] == 0 and balance(api, "uma")["total"] == 11_000
    # due after the first delay: the refund is applied
    at = now + SYNC_DELAYS[0]
    assert sync.sync_due(at)["checked"] == 1
    assert balance(api, "uma")["total"] == 10_000
    # then checked on its schedule until the last delay, and never after
    checks = 1
    for delay in SYNC_DELAYS[1:] + SYNC_DELAYS[-1:]:
        at += delay
        checks += sync.sync_due(at)["checked"]
    assert checks == len(SYNC_DELAYS)
    assert sync.sync_due(at + SYNC_DELAYS[-1] * 10)["checked"] == 0
    assert balance(api, "uma")["total"] == 10_000
    assert reconcile(api, admin_uid)["ok"]
