"""Reconciliation catches real drift, and snapshots record balance history."""
from __future__ import annotations

import pytest

from .helpers import ok, reconcile

pytestmark = pytest.mark.usefixtures("ledger")


def test_an_account_edited_behind_the_ledger_is_named_with_the_exact_difference(
        api, admin_uid, firestore_rest):
    api.call("GET", "get_me", admin_uid)
    api.call("GET", "get_me", "ann")
    assert reconcile(api, admin_uid)["ok"]
    account = firestore_rest.read("accounts/ann:CHIP")
    firestore_rest.update("accounts/ann:CHIP", {"credits_posted": account["credits_posted"] + 777})
    report = reconcile(api, admin_uid)
    assert not report["ok"]
    drift = {(d["check"], d["subject"], d["field"]): d["difference"] for d in report["drift"]}
    assert drift[("journal", "ann:CHIP", "credits_posted")] == 777
    assert drift[("zero_sum", "CHIP", "balance")] == 777
    stored = firestore_rest.read(f"reconciliation_reports/{report['id']}")
    assert stored["ok"] is False and len(stored["drift"]) == len(report["drift"])


def test_a_stored_balance_edited_behind_the_ledger_is_named_and_holders_follow_the_ledger(
        api, admin_uid, firestore_rest):
    # given ann and bob holding the platform token, and a healthy ledger
    for uid in (admin_uid, "ann", "bob"):
        api.call("GET", "get_me", uid)
    ok(api.call("POST", "create_transfer", "ann", idempotency_key="t-ann-bob",
                json={"to": "bob", "asset": "CHIP", "amount": 300}))
    assert reconcile(api, admin_uid)["ok"]
    # when ann's stored balance (what holders are ordered by) is edited behind the ledger
    account = firestore_rest.read("accounts/ann:CHIP")
    firestore_rest.update("accounts/ann:CHIP", {"balance": account["balance"] + 55})
    # then reconciliation names it with the exact difference, and nothing else moved
    report = reconcile(api, admin_uid)
    assert [(d["check"], d["subject"], d["field"], d["difference"]) for d in report["drift"]] == \
        [("stored_balance", "ann:CHIP", "balance", 55)]


def test_daily_snapshots_become_the_users_balance_history(api, server_url):
    import requests

    api.call("GET", "get_me", "ann")
    ran = requests.post(f"{server_url}/job_snapshot_balances", timeout=30).json()
    assert ran["success"] and ran["data"]["snapshots"] >= 1
    history = ok(api.call("GET", "get_balance_history", "ann", params={"asset": "CHIP"}))
    assert [(h["balance"], h["available"]) for h in history["items"]] == [(10_000, 10_000)]
