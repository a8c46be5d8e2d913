"""The frontend's view: the official Firebase JS SDK (npm `firebase`, pinned in
clients/web-sdk-test) against the local stack, as the Next.js app uses it.

The app (clients/web-sdk-test/app.mjs, run with node) connects Firestore to the emulator with the
user's ID token, listens with onSnapshot to its own accounts, orders and notifications, and calls
the HTTPS functions with the same token. This test plays everyone else: Stripe (a signed
webhook), the seller on the other side of the book, a moderator resolving a market. It asserts
only on what the app printed: the documents its listeners saw and the answers it got.
"""
from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

import pytest

from dev.tokens import unsigned_id_token
from tests.emulator.helpers import balance, key, ok, reconcile
from tests.emulator.purchases_helpers import deliver, package, payment_event
from tests.support.npm import REPO_ROOT, installed

APP_DIR = REPO_ROOT / "clients" / "web-sdk-test"
WAIT_S = 90  # generous: a loaded 2-core machine, listeners, tasks and settlement in between
BOOK = "GOLD-CHIP"


@pytest.fixture(scope="module")
def web_sdk() -> Path:
    return installed(APP_DIR)


@pytest.fixture
def admin_uid() -> str:
    return "demo-admin"  # superadmin on first sign-in (MINTBOOK_BOOTSTRAP_ADMINS)


@pytest.fixture
def platform(clean_db, stack) -> None:
    """Nothing but the platform asset; the stack's triggers stay on, as in `make dev`."""
    from shared.services.bootstrap import ensure_platform

    ensure_platform()


@dataclass
class App:
    """The node app: commands in on stdin, observations (JSON lines) out on stdout."""

    process: subprocess.Popen
    events: list[dict] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)
    next_id: int = 0

    def start_reading(self) -> None:
        threading.Thread(target=self._read, args=(self.process.stdout, True), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, False), daemon=True).start()

    def _read(self, stream, is_stdout: bool) -> None:
        for line in stream:
            with self.changed:
                if is_stdout:
                    self.events.append(json.loads(line))
                else:
                    self.stderr.append(line.rstrip("\n"))
                self.changed.notify_all()

    def wait(self, probe: Callable[[list[dict]], Any], what: str, timeout_s: float = WAIT_S):
        """The first truthy probe(events); fails with what the app printed past the deadline."""
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while not (found := probe(self.events)):
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    tail = "\n".join(json.dumps(e) for e in self.events[-30:])
                    pytest.fail(f"the app never saw {what}; it printed:\n{tail}\nstderr:\n"
                                + "\n".join(self.stderr[-30:]), pytrace=False)
                self.changed.wait(timeout=min(left, 0.5))
            return found

    def send(self, op: str, **command: Any) -> int:
        self.next_id += 1
        self.process.stdin.write(json.dumps({"id": self.next_id, "op": op, **command}) + "\n")
        self.process.stdin.flush()
        return self.next_id

    def finished(self, op: str, **command: Any) -> list[dict]:
        """Run a command; the events it printed (responses, probes)."""
        ident = self.send(op, **command)
        self.wait(lambda evs: any(e["event"] == "done" and e["id"] == ident for e in evs),
                  f"command {ident} ({op}) finish")
        with self.changed:
            return [e for e in self.events if e.get("id") == ident and e["event"] != "done"]

    def call(self, method: str, name: str, body: Any = None, idempotent: bool = False) -> dict:
        """An HTTPS function called by the app; its `data` (asserting success)."""
        [answer] = self.finished("call", method=method, name=name, body=body,
                                 key=key() if idempotent else None)
        assert answer["event"] == "response", answer
        assert answer["status"] < 300 and answer["body"]["success"], answer
        return answer["body"]["data"]

    def seen(self, what: str, doc_id: str | None = None,
             where: Callable[[dict], bool] = lambda data: True) -> Callable[[list[dict]], Any]:
        """A probe: the data of the first non-local snapshot of `what` (doc_id) matching `where`."""
        def probe(events: list[dict]) -> dict | None:
            return next((e["data"] for e in events
                         if e["event"] == "doc" and e["what"] == what and not e["local"]
                         and (doc_id is None or e["id"] == doc_id) and where(e["data"])), None)
        return probe

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.send("exit")
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def app(web_sdk: Path, emulator, server_url: str, platform):
    uid = f"web-{uuid.uuid4().hex[:8]}"
    host, port = emulator.host_port.rsplit(":", 1)
    config = {"project": emulator.project, "firestoreHost": host, "firestorePort": int(port),
              "apiUrl": server_url, "uid": uid, "otherUid": "sal",
              "token": unsigned_id_token(uid, emulator.project)}
    process = subprocess.Popen(["node", "app.mjs", json.dumps(config)], cwd=web_sdk, text=True,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, bufsize=1)
    running = App(process)
    running.start_reading()
    try:
        yield uid, running
    finally:
        running.stop()


def chips(data: dict) -> dict:
    """What the app shows for an account document (README: balance, available, committed)."""
    balance_ = data["credits_posted"] - data["debits_posted"]
    return {"balance": balance_, "available": balance_ - data["debits_pending"],
            "committed": data["debits_pending"]}


def listening(app: App) -> None:
    for what in ("accounts", "orders", "notifications"):
        app.wait(lambda evs, w=what: any(e["event"] == "listening" and e["what"] == w
                                         for e in evs), f"its {what} listener start")


def open_market(api, admin: str, closes_in_s: float) -> dict:
    closes = datetime.now(timezone.utc) + timedelta(seconds=closes_in_s)
    body = {"slug": f"web-{uuid.uuid4().hex[:6]}", "title": "Will the web app see it?",
            "category": "crypto", "outcomes": [{"id": "yes", "label": "Yes"},
                                               {"id": "no", "label": "No"}],
            "closes_at": closes.isoformat(), "max_per_user": 1_000}
    return ok(api.call("POST", "create_market", admin, json=body, idempotency_key=key()))


def open_book_with_a_seller(api, admin: str) -> None:
    """GOLD exists, sal (the other user) holds 1,000 GOLD and offers 10 at 100 chips."""
    ok(api.call("POST", "admin_create_asset", admin, idempotency_key=key(),
                json={"code": "GOLD", "name": "Gold creator", "decimals": 0, "kind": "creator"}))
    ok(api.call("GET", "get_me", "sal"))
    ok(api.call("POST", "admin_adjust", admin, idempotency_key=key(),
                json={"uid": "sal", "asset": "GOLD", "amount": 1_000, "reason": "listing"}))
    ok(api.call("POST", "admin_create_book", admin, idempotency_key=key(),
                json={"base": "GOLD", "tick_size": 1, "min_quantity": 1, "max_quantity": 500}))
    ok(api.call("POST", "place_order", "sal", idempotency_key=key(),
                json={"book": BOOK, "side": "sell", "type": "limit", "tif": "gtc",
                      "quantity": 10, "price": 100}))


def wait_past(moment: str, grace_s: float = 3.3) -> None:
    pause = (datetime.fromisoformat(moment) - datetime.now(timezone.utc)).total_seconds()
    if pause + grace_s > 0:
        time.sleep(pause + grace_s)


def test_the_web_app_sees_its_purchase_fill_and_payout_arrive_live(app, api, admin_uid):
    uid, web = app
    chip, gold = f"{uid}:CHIP", f"{uid}:GOLD"
    listening(web)
    # given a signed-in user (the first call creates them and pays the welcome bonus)
    me = web.call("GET", "get_me")
    assert me["uid"] == uid
    start = balance(api, uid)["total"]
    assert start > 0
    web.wait(web.seen("accounts", chip, lambda d: chips(d) == {
        "balance": start, "available": start, "committed": 0}), "its welcome bonus")
    # and a market that closes soon, on which the user forecasts "yes" and bob "no"
    market = open_market(api, admin_uid, closes_in_s=15)
    committed = web.call("POST", "commit_forecast", idempotent=True,
                         body={"market_id": market["id"], "outcome": "yes", "amount": 300})
    assert committed["amount"] == 300
    ok(api.call("POST", "commit_forecast", "bob", idempotency_key=key(),
                json={"market_id": market["id"], "outcome": "no", "amount": 100}))
    web.wait(web.seen("accounts", chip, lambda d: chips(d) == {
        "balance": start, "available": start - 300, "committed": 300}), "300 committed")

    # when the user buys a package (the app creates the purchase, Stripe confirms the card and
    # sends its signed webhook)
    pkg = package(api, admin_uid, tokens=1_000, bonus=100, price=1_500)
    bought = web.call("POST", "create_purchase", idempotent=True, body={"package_id": pkg["id"]})
    assert bought["client_secret"] and bought["tokens"] == 1_000
    paid = {"id": bought["purchase_id"], "uid": uid, "amount": bought["amount"],
            "currency": bought["currency"], "payment_intent_id": bought["payment_intent_id"]}
    assert ok(deliver(api, payment_event("succeeded", paid)))["outcome"] == "completed"
    # then the tokens arrive in its account listener
    after_purchase = start + 1_100
    web.wait(web.seen("accounts", chip, lambda d: chips(d)["balance"] == after_purchase),
             "the purchase's 1,100 chips")

    # when it buys 10 GOLD at 100 from the other side of the book
    open_book_with_a_seller(api, admin_uid)
    order = web.call("POST", "place_order", idempotent=True,
                     body={"book": BOOK, "side": "buy", "type": "limit", "tif": "gtc",
                           "quantity": 10, "price": 100})
    # then it sees its order filled, the GOLD arrive and the chips (with the fee) leave
    filled = web.wait(web.seen("orders", order["id"], lambda d: d["status"] == "filled"),
                      "its order filled")
    assert (filled["filled"], filled["notional"]) == (10, 1_000) and filled["fees"] > 0
    web.wait(web.seen("accounts", gold, lambda d: chips(d)["balance"] == 10), "10 GOLD")
    after_trade = after_purchase - 1_000 - filled["fees"]
    web.wait(web.seen("accounts", chip, lambda d: chips(d) == {
        "balance": after_trade, "available": after_trade - 300, "committed": 300}),
        "the trade's chips leave, the commitment still held")

    # when the market closes and a moderator resolves it "yes"
    wait_past(market["closes_at"])
    ok(api.call("POST", "resolve_market", admin_uid, idempotency_key=key(),
                json={"market_id": market["id"], "outcome": "yes",
                      "evidence_urls": ["https://example.com/result"], "note": "official"}))
    # then the payout (its 300 back plus bob's 100) and a notification arrive live
    note = web.wait(web.seen("notifications", where=lambda d: d.get("market_id") == market["id"]
                             and d.get("kind") == "market_resolved"), "the resolution notice")
    assert (note["result"], note["payout"], note["owner"]) == ("won", 400, uid)
    final = after_trade - 300 + 400
    web.wait(web.seen("accounts", chip, lambda d: chips(d) == {
        "balance": final, "available": final, "committed": 0}), "the payout of 400")
    assert balance(api, uid) == {"asset": "CHIP", "available": final, "committed": 0,
                                 "total": final, "owed": 0}
    assert reconcile(api, admin_uid)["ok"]


def test_the_rules_deny_other_users_documents_and_every_client_write(app, api):
    uid, web = app
    listening(web)
    web.call("GET", "get_me")
    ok(api.call("GET", "get_me", "sal"))  # the other user's accounts exist
    total = balance(api, uid)["total"]
    before = web.wait(web.seen("accounts", f"{uid}:CHIP", lambda d: chips(d)["balance"] == total),
                      "its CHIP account")
    outcomes = {p["what"]: (p["outcome"], p.get("code")) for p in web.finished("probe")}
    assert outcomes == {
        "read own account": ("allowed", None),
        "read other account": ("denied", "permission-denied"),
        "list all accounts": ("denied", "permission-denied"),
        "list other notifications": ("denied", "permission-denied"),
        "write own balance": ("denied", "permission-denied"),
        "write other balance": ("denied", "permission-denied"),
    }
    # and the refused write changed nothing the app or the API sees
    with web.changed:
        seen = [e["data"] for e in web.events
                if e["event"] == "doc" and e["what"] == "accounts" and e["id"] == f"{uid}:CHIP"]
    assert chips(seen[-1]) == chips(before)
    assert balance(api, uid)["total"] == chips(before)["balance"]
    assert not [e for e in web.events if e["event"] == "listen_error"]
