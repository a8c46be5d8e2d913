"""The Stripe webhook through the dev server, with payloads signed by the Stripe library."""
from __future__ import annotations

import time

import pytest

from .helpers import balance, error, key, ok, reconcile, set_chips
from .purchases_helpers import (deliver, dispute_event, package, payment_event, pending_purchase,
                                refund_event)

pytestmark = pytest.mark.usefixtures("ledger")


def purchases_of(api, uid: str) -> list[dict]:
    return ok(api.call("GET", "list_purchases", uid))["items"]


def drift() -> list:
    from shared.services.purchases.sync import purchase_drift

    return purchase_drift()


def clean(api, admin: str) -> None:
    assert reconcile(api, admin)["ok"]
    assert drift() == []


def test_the_same_success_event_delivered_five_times_credits_once(api, admin_uid):
    pkg = package(api, admin_uid, tokens=1_000, bonus=200, price=999)
    p = pending_purchase("ann", pkg)
    evt = payment_event("succeeded", p)
    outcomes = [ok(deliver(api, evt))["outcome"] for _ in range(5)]
    assert outcomes == ["completed"] + ["duplicate"] * 4
    assert balance(api, "ann")["total"] == 10_000 + 1_200
    [shown] = purchases_of(api, "ann")
    assert (shown["status"], shown["tokens"], shown["bonus"]) == ("completed", 1_000, 200)
    history = ok(api.call("GET", "list_transactions", "ann"))["items"]
    assert sorted((e["type"], e["amount"]) for e in history[:2]) == [("bonus", 200),
                                                                     ("purchase", 1_000)]
    # Another event id with the same meaning (a sync, a second Stripe event) adds nothing.
    assert ok(deliver(api, payment_event("succeeded", p)))["outcome"] == "already completed"
    assert balance(api, "ann")["total"] == 11_200
    clean(api, admin_uid)


def test_refund_before_success_ends_with_the_refund_clawed_back(api, admin_uid):
    pkg = package(api, admin_uid, tokens=1_000, price=1_000)
    p = pending_purchase("bob", pkg)
    ok(deliver(api, refund_event(p, 1_000)))
    assert balance(api, "bob")["total"] == 10_000
    assert ok(deliver(api, payment_event("succeeded", p)))["outcome"] == "completed, refund applied"
    assert balance(api, "bob") == {"asset": "CHIP", "available": 10_000, "committed": 0,
                                   "total": 10_000, "owed": 0}
    [shown] = purchases_of(api, "bob")
    assert (shown["status"], shown["refunded"], shown["clawed_back"]) == ("completed", 1_000, 1_000)
    clean(api, admin_uid)


def test_two_partial_refunds_in_reverse_order_claw_back_the_cumulative_total(api, admin_uid):
    pkg = package(api, admin_uid, tokens=1_000, bonus=1, price=3_000)
    p = pending_purchase("cat", pkg)
    ok(deliver(api, payment_event("succeeded", p)))
    # refunds of 1,000 then 1,000 more: Stripe reports cumulative 1,000 and 2,000
    assert ok(deliver(api, refund_event(p, 2_000)))["outcome"] == "clawed back 667"  # floor(1001*2/3)
    assert ok(deliver(api, refund_event(p, 1_000)))["outcome"].startswith("ignored")
    assert balance(api, "cat")["total"] == 10_000 + 1_001 - 667
    ok(deliver(api, refund_event(p, 3_000)))
    assert balance(api, "cat")["total"] == 10_000
    clean(api, admin_uid)


def test_partial_refunds_in_order_add_up_to_the_same_total(api, admin_uid):
    pkg = package(api, admin_uid, tokens=1_000, bonus=1, price=3_000)
    p = pending_purchase("dan", pkg)
    ok(deliver(api, payment_event("succeeded", p)))
    outcomes = [ok(deliver(api, refund_event(p, c)))["outcome"] for c in (1_000, 2_000, 2_000)]
    assert outcomes == ["clawed back 333", "clawed back 334",
                        "ignored: an equal or larger refund was applied"]
    assert balance(api, "dan")["total"] == 10_000 + 1_001 - 667
    clean(api, admin_uid)


@pytest.mark.parametrize("case", ["tampered_body", "wrong_secret", "too_old", "no_signature"])
def test_bad_signatures_answer_400_and_change_nothing(api, admin_uid, case):
    pkg = package(api, admin_uid)
    p = pending_purchase("eve", pkg)
    evt = payment_event("succeeded", p)
    if case == "tampered_body":
        from .purchases_helpers import sign
        body, headers = sign(evt)
        body = body.replace(b'"amount": 1000', b'"amount": 1001')
        response = api.http.post(f"{api.base_url}/stripe_webhook", data=body, headers=headers)
    elif case == "wrong_secret":
        response = deliver(api, evt, secret="whsec_not_ours")
    elif case == "too_old":
        response = deliver(api, evt, timestamp=int(time.time()) - 301)
    else:
        response = api.http.post(f"{api.base_url}/stripe_webhook", json=evt)
    error(response, 400, "invalid_signature")
    assert balance(api, "eve")["total"] == 10_000
    assert purchases_of(api, "eve")[0]["status"] == "pending"
    failures = ok(api.call("GET", "admin_list_stripe_failures", admin_uid))["items"]
    assert failures == []  # unverified bodies are never stored


@pytest.mark.parametrize("change,code", [({"amount": 999}, "amount_mismatch"),
                                         ({"currency": "eur"}, "currency_mismatch")])
def test_a_payment_that_does_not_match_its_purchase_is_rejected_and_recorded(
        api, admin_uid, change, code):
    pkg = package(api, admin_uid)
    p = pending_purchase("fay", pkg)
    evt = payment_event("succeeded", p, **change)
    error(deliver(api, evt), 422, code)
    assert balance(api, "fay")["total"] == 10_000
    assert purchases_of(api, "fay")[0]["status"] == "pending"
    [failure] = ok(api.call("GET", "admin_list_stripe_failures", admin_uid))["items"]
    assert (failure["event_id"], failure["code"], failure["resolved"]) == (evt["id"], code, False)
    clean(api, admin_uid)


@pytest.mark.parametrize("type_", ["customer.created", "charge.refund.updated", "invoice.paid"])
def test_unknown_event_types_answer_2xx(api, type_):
    from .purchases_helpers import event

    response = deliver(api, event(type_, {"id": "x_1", "object": "thing"}))
    assert ok(response)["outcome"] == "ignored"


def test_payment_failed_marks_the_purchase_failed_and_mints_nothing(api, admin_uid):
    pkg = package(api, admin_uid)
    p = pending_purchase("gus", pkg)
    assert ok(deliver(api, payment_event("payment_failed", p)))["outcome"] == "failed"
    assert purchases_of(api, "gus")[0]["status"] == "failed"
    assert balance(api, "gus")["total"] == 10_000
    clean(api, admin_uid)


def test_refund_after_spend_leaves_a_receivable_that_later_credits_repay(api, admin_uid):
    """Buy 100, spend 80, full refund: spendable 0, receivable -80; credit 50: -30 and 0."""
    api.call("GET", "get_me", "hal")
    set_chips(api, admin_uid, "hal", 0)
    pkg = package(api, admin_uid, tokens=100, price=500)
    p = pending_purchase("hal", pkg)
    ok(deliver(api, payment_event("succeeded", p)))
    assert balance(api, "hal")["total"] == 100
    ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                json={"uid": "hal", "asset": "CHIP", "amount": -80, "reason": "spent on a service"}))
    clean(api, admin_uid)
    ok(deliver(api, refund_event(p, 500)))
    assert balance(api, "hal") == {"asset": "CHIP", "available": 0, "committed": 0, "total": 0,
                                   "owed": 80}
    clean(api, admin_uid)
    ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                json={"uid": "hal", "asset": "CHIP", "amount": 50, "reason": "a later credit"}))
    assert balance(api, "hal") == {"asset": "CHIP", "available": 0, "committed": 0, "total": 0,
                                   "owed": 30}
    stats = ok(api.call("GET", "admin_purchase_stats", admin_uid))
    assert stats["outstanding_receivables"] == 30 and stats["tokens_clawed_back"] == 100
    clean(api, admin_uid)


def test_a_lost_dispute_claws_back_what_was_held_and_the_rest(api, admin_uid):
    api.call("GET", "get_me", "ida")
    set_chips(api, admin_uid, "ida", 0)
    p = pending_purchase("ida", package(api, admin_uid, tokens=100, price=500))
    ok(deliver(api, payment_event("succeeded", p)))
    ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                json={"uid": "ida", "asset": "CHIP", "amount": -40, "reason": "spent"}))
    assert ok(deliver(api, dispute_event("created", p)))["outcome"] == "held 60"
    assert balance(api, "ida") == {"asset": "CHIP", "available": 0, "committed": 60,
                                   "total": 60, "owed": 0}
    clean(api, admin_uid)
    ok(deliver(api, dispute_event("closed", p, status="lost")))
    assert balance(api, "ida") == {"asset": "CHIP", "available": 0, "committed": 0, "total": 0,
                                   "owed": 40}
    assert purchases_of(api, "ida")[0]["dispute"] == "lost"
    clean(api, admin_uid)


def test_a_won_dispute_releases_the_hold(api, admin_uid):
    p = pending_purchase("jay", package(api, admin_uid, tokens=100, price=500))
    ok(deliver(api, payment_event("succeeded", p)))
    ok(deliver(api, dispute_event("created", p)))
    assert balance(api, "jay")["committed"] == 100
    assert ok(deliver(api, dispute_event("closed", p, status="won")))["outcome"] == "released"
    assert balance(api, "jay") == {"asset": "CHIP", "available": 10_100, "committed": 0,
                                   "total": 10_100, "owed": 0}
    # a late "created" after the close changes nothing
    assert ok(deliver(api, dispute_event("created", p)))["outcome"].startswith("ignored")
    clean(api, admin_uid)


def test_the_purchases_check_finds_tokens_minted_without_a_completed_purchase(api, admin_uid):
    from shared.store.client import collection

    p = pending_purchase("kai", package(api, admin_uid, tokens=100, price=500))
    ok(deliver(api, payment_event("succeeded", p)))
    assert drift() == []
    collection("purchases").document(p["id"]).update({"status": "failed"})  # a corrupted record
    [found] = drift()
    assert (found.check, found.subject, found.expected, found.actual) == ("purchases", p["id"], 0, 100)
