"""A webhook that fails mid-processing answers 5xx, writes nothing, and is recorded; Stripe's
redelivery or an admin replay completes it exactly once."""
from __future__ import annotations

import sys
from pathlib import Path

import flask
import pytest

from .helpers import balance, ok, reconcile
from .purchases_helpers import package, payment_event, pending_purchase, sign

pytestmark = pytest.mark.usefixtures("ledger")


@pytest.fixture
def webhook_in_process(monkeypatch):
    """The webhook function in this process (where a failure can be injected), behind Flask."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functions"))
    from api.stripe_webhook import stripe_webhook
    from shared.services.purchases import webhook as service

    app = flask.Flask("webhook-under-test")
    app.add_url_rule("/stripe_webhook", "stripe_webhook", lambda: stripe_webhook(flask.request),
                     methods=["POST"])
    injected = []
    monkeypatch.setattr(service, "FAULT", injected)
    return app.test_client(), injected


def boom() -> None:
    raise RuntimeError("injected: the process died after the ledger writes were buffered")


def test_injected_failure_answers_5xx_and_the_redelivery_completes_it(api, admin_uid,
                                                                      webhook_in_process):
    client, injected = webhook_in_process
    p = pending_purchase("kim", package(api, admin_uid, tokens=500, bonus=50, price=700))
    body, headers = sign(payment_event("succeeded", p))
    injected.append(boom)
    response = client.post("/stripe_webhook", data=body, headers=headers)
    assert response.status_code == 500 and response.json["errors"][0]["code"] == "processing_failed"
    assert balance(api, "kim")["total"] == 10_000
    [failure] = ok(api.call("GET", "admin_list_stripe_failures", admin_uid))["items"]
    assert (failure["code"], failure["attempts"], failure["resolved"]) == ("processing_failed", 1, False)
    injected.clear()
    assert client.post("/stripe_webhook", data=body, headers=headers).json["data"]["outcome"] == "completed"
    assert client.post("/stripe_webhook", data=body, headers=headers).json["data"]["outcome"] == "duplicate"
    assert balance(api, "kim")["total"] == 10_550
    assert ok(api.call("GET", "admin_list_stripe_failures", admin_uid))["items"] == []
    assert reconcile(api, admin_uid)["ok"]


def test_an_admin_replays_a_failed_delivery_once(api, admin_uid, webhook_in_process):
    client, injected = webhook_in_process
    p = pending_purchase("lea", package(api, admin_uid, tokens=300, price=400))
    evt = payment_event("succeeded", p)
    body, headers = sign(evt)
    injected.append(boom)
    assert client.post("/stripe_webhook", data=body, headers=headers).status_code == 500
    injected.clear()
    replayed = ok(api.call("POST", "admin_replay_stripe_event", admin_uid,
                           json={"event_id": evt["id"]}, idempotency_key="r1"))
    assert replayed["outcome"] == "completed"
    again = ok(api.call("POST", "admin_replay_stripe_event", admin_uid,
                        json={"event_id": evt["id"]}, idempotency_key="r2"))
    assert again["outcome"] == "duplicate"
    assert balance(api, "lea")["total"] == 10_300
    resolved = ok(api.call("GET", "admin_list_stripe_failures", admin_uid,
                           params={"include_resolved": "true"}))["items"]
    assert [(f["event_id"], f["resolved"]) for f in resolved] == [(evt["id"], True)]
    assert reconcile(api, admin_uid)["ok"]


def test_without_its_secret_the_webhook_refuses_to_run(api, admin_uid, webhook_in_process,
                                                      monkeypatch):
    client, _ = webhook_in_process
    p = pending_purchase("max", package(api, admin_uid))
    body, headers = sign(payment_event("succeeded", p))
    monkeypatch.delenv("MINTBOOK_STRIPE_WEBHOOK_SECRET")
    response = client.post("/stripe_webhook", data=body, headers=headers)
    assert response.status_code == 500 and response.json["errors"][0]["code"] == "not_configured"
    assert balance(api, "max")["total"] == 10_000
