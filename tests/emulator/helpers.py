"""Small helpers for emulator tests: envelope checks and user setup through the API."""
from __future__ import annotations

import uuid

import requests


def ok(response: requests.Response) -> dict | list:
    body = response.json()
    assert response.status_code < 300 and body["success"], (response.status_code, body)
    return body["data"]


def error(response: requests.Response, status: int, code: str) -> dict:
    body = response.json()
    assert response.status_code == status, (response.status_code, body)
    assert body["success"] is False and body["data"] is None
    assert body["errors"][0]["code"] == code, body
    return body["errors"][0]


def key() -> str:
    return uuid.uuid4().hex


def balance(api, uid: str, asset: str = "CHIP") -> dict:
    rows = ok(api.call("GET", "get_balances", uid))["items"]
    return next((r for r in rows if r["asset"] == asset),
                {"asset": asset, "available": 0, "committed": 0, "total": 0, "owed": 0})


def set_chips(api, admin: str, uid: str, target: int) -> None:
    """Bring a user's CHIP balance to `target` with an admin adjustment."""
    current = balance(api, uid)["total"]
    if current != target:
        ok(api.call("POST", "admin_adjust", admin, json={"uid": uid, "asset": "CHIP",
                    "amount": target - current, "reason": "test setup"}, idempotency_key=key()))


def reconcile(api, admin: str) -> dict:
    return ok(api.call("POST", "admin_reconcile", admin, json={}, idempotency_key=key()))
