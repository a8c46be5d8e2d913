"""A webhook that fails mid-processing answers 5xx, writes nothing, and is recorded; Stripe's
redelivery or an admin replay completes it exactly once."""
from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

import flask
import pytest

from dev.instrument import fault_before_commit
from shared.store.purchases import STRIPE_EVENTS

from .helpers import balance, ok, reconcile
from .purchases_helpers import package, payment_event, pending_purchase, sign

pytestmark = pytest.mark.usefixtures("ledger")


class Faults:
    """Failures injected into the webhook's transaction, after its writes are buffered and
    before it commits (dev/instrument.py), while on."""

    def __init__(self) -> None:
        self._on = ExitStack()

    def on(self, fault) -> None:
        self._on.enter_context(fault_before_commit(STRIPE_EVENTS, fault))

    def off(self) -> None:
        self._on.close()


@pytest.fixture
def webhook_in_process():
    """The webhook function in this process (where a failure can be injected), behind Flask."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "functions"))
    from api.stripe_webhook import stripe_webhook

    app = flask.Flask("webhook-under-test")
    app.add_url_rule("/stripe_webhook", "stripe_webhook", lambda: stripe_webhook(flask.request),
                     methods=["POST"])
    faults = Faults()
    yield app.test_client(), faults
    faults.off()


def boom() -> None:
    raise RuntimeError("injected: the process died after the ledger writes were buffered")


def test_injected_failure_answers_5xx_and_the_redelivery_completes_it(api, admin_uid,
                                                                      webhook_in_process):
    client, faults = webhook_in_process
    p = pending_purchase("kim", package(api, admin_uid, tokens=500, bonus=50, price=700))
    body, headers = sign(payment_event("succeeded", p))
    faults.on(boom)
    response = client.post("/stripe_webhook", data=body, headers=headers)
    assert response.status_code == 500 and response.json["errors"][0]["code"] == "processing_failed"
    assert balance(api, "kim")["total"] == 10_000
    [failure] = ok(api.call("GET", "admin_list_stripe_failures", admin_uid))["items"]
    assert (failure["code"], failure["attempts"], failure["resolved"]) == ("processing_failed", 1, False)
    faults.off()
    assert client.post("/stripe_webhook", data=body, headers=headers).json["data"]["outcome"] == "completed"
    assert client.post("/stripe_webhook", data=body, headers=headers).json["data"]["outcome"] == "duplicate"
    assert balance(api, "kim")["total"] == 10_550
    assert ok(api.call("GET", "admin_list_stripe_failures", admin_uid))["items"] == []
    assert reconcile(api, admin_uid)["ok"]


def test_an_admin_replays_a_failed_delivery_once(api, admin_uid, webhook_in_process):
    client, faults = webhook_in_process
    p = pending_purchase("lea", package(api, admin_uid, tokens=300, price=400))
    evt = payment_event("succeeded", p)
    body, headers = sign(evt)
    faults.on(boom)
    assert client.post("/stripe_webhook", data=body, headers=headers).status_code == 500
    faults.off()
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
