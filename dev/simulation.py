"""A seeded randomized simulation over the HTTP functions, ending with a clean reconciliation.

`python -m dev.simulation --seed 7 --steps 500` starts a fresh stack (emulator and dev server on
free ports), or drives a running one with `--url` (its emulator named by FIRESTORE_EMULATOR_HOST).

Each step, chosen by a random.Random(seed): a purchase paid through a signed Stripe webhook
(sometimes delivered twice, sometimes refunded later, in part or in full), a forecast commit, a
market resolution or cancellation once it closed, an exchange order or cancel, a swap offer
created, executed or cancelled, a transfer, a service fee, a reward (sometimes paid twice under
one reward id). Faults: a client retry of the previous call with the same Idempotency-Key (as
after a timeout) must answer the same; a webhook transaction aborted before commit must write
nothing and its redelivery completes it once; one sequencer process is killed mid-run.

Guarantees of `run()`: it returns every finding (a 5xx, a retry that answered differently, an
aborted delivery that was not aborted) and the reconciliation report taken once every order was
sequenced and every market settled; `ok` is true only when both are clean. The same seed makes
the same choices (timings and so the exact fills may differ).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

import requests

from dev import simulation_faults as faults
from dev.stripe_events import payment_event, refund_event
from dev.tokens import unsigned_id_token

ADMIN, SERVICE, SYMBOL = "demo-admin", "sim-service", "SIMX"
ACTIONS = {"purchase": 10, "refund": 4, "commit": 12, "settle": 3, "order": 16, "cancel": 6,
           "offer": 6, "execute": 5, "cancel_offer": 2, "transfer": 10, "fee": 6, "reward": 5,
           "retry": 6, "abort": 2}


class Simulation:
    def __init__(self, base_url: str, project: str, seed: int, users: int = 8) -> None:
        self.base_url, self.project, self.rng = base_url.rstrip("/"), project, random.Random(seed)
        self.http = requests.Session()
        self.users = [f"sim-{seed}-u{n}" for n in range(users)]
        self.findings: list[str] = []
        self.outcomes: Counter = Counter()
        self.purchases: list[dict] = []
        self.markets: list[dict] = []
        self.orders: list[tuple[str, str]] = []
        self.offers: list[tuple[str, str]] = []
        self.last: tuple | None = None
        self.book = ""

    # -- calls --------------------------------------------------------------------------------
    def call(self, method: str, name: str, uid: str | None, body: dict | None = None,
             params: dict | None = None, key: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {unsigned_id_token(uid, self.project)}"} if uid else {}
        if method != "GET":
            headers["Idempotency-Key"] = key or uuid.uuid4().hex
        for _ in range(8):  # a 503 wrote nothing: a client retries it with the same key
            answer = self.http.request(method, f"{self.base_url}/{name}", json=body, params=params,
                                       headers=headers, timeout=60)
            if answer.status_code != 503:
                break
            time.sleep(0.2)
        self.outcomes[f"{name} {answer.status_code}"] += 1
        if answer.status_code >= 500:
            self.findings.append(f"{name} {body or params} -> {answer.status_code} {answer.text}")
        if method != "GET":
            self.last = (method, name, uid, body, headers["Idempotency-Key"], answer)
        return answer

    def data(self, *args: Any, **kwargs: Any) -> Any:
        answer = self.call(*args, **kwargs)
        return answer.json()["data"] if answer.status_code < 300 else None

    def must(self, *args: Any, **kwargs: Any) -> Any:
        answer = self.call(*args, **kwargs)
        if answer.status_code >= 300:
            raise RuntimeError(f"simulation setup: {args[1]} failed: {answer.text}")
        return answer.json()["data"]

    # -- setup --------------------------------------------------------------------------------
    def setup(self) -> None:
        for uid in (ADMIN, SERVICE, *self.users):
            self.must("GET", "get_me", uid)
        self.must("POST", "admin_set_role", ADMIN, {"uid": SERVICE, "role": "service",
                                                    "reason": "simulation backend"})
        creator = self.users[0]
        listed = self.must("POST", "admin_list_creator", ADMIN, {
            "uid": creator, "symbol": SYMBOL, "name": "Sim token", "initial_supply": 1_000_000})
        self.book = listed["book"]
        for uid in self.users[1:]:
            self.must("POST", "create_transfer", creator, {"to": uid, "asset": SYMBOL,
                                                           "amount": 5_000})
        for asset, usd in (("CHIP", 5_000_000), (SYMBOL, 100_000_000)):
            self.must("POST", "admin_set_price", ADMIN, {"asset": asset, "usd": usd, "btc": 1_000})
        self.package = self.must("POST", "admin_create_package", ADMIN, {
            "name": "sim pack", "tokens": 2_000, "bonus": 100, "price": 999})["id"]
        self.must("POST", "admin_fund_rewards", ADMIN, {"asset": "CHIP", "amount": 1_000_000,
                                                        "reason": "simulation pool"})
        self.must("POST", "admin_set_service_price", ADMIN, {
            "service_type": "sim_call", "asset": "CHIP", "amount": 37, "reason": "simulation",
            "valid_from": (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()})
        for n, closes_in in enumerate((8, 16, 24, 40)):
            closes = datetime.now(timezone.utc) + timedelta(seconds=closes_in)
            self.markets.append(self.must("POST", "create_market", ADMIN, {
                "slug": f"sim-{uuid.uuid4().hex[:8]}-{n}", "title": f"Simulated question {n}",
                "category": "crypto", "closes_at": closes.isoformat(), "max_per_user": 5_000,
                "outcomes": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"},
                             {"id": "maybe", "label": "Maybe"}]}))

    # -- actions ------------------------------------------------------------------------------
    def user(self) -> str:
        return self.rng.choice(self.users)

    def purchase(self) -> None:
        p = faults.pending_purchase(self.user(), self.package)
        if p is None:
            return
        evt = payment_event("succeeded", p)
        for _ in range(1 + (self.rng.random() < 0.3)):  # Stripe delivers at least once
            self.webhook(evt)
        self.purchases.append(p)

    def webhook(self, evt: dict) -> None:
        answer = faults.deliver(self.http, self.base_url, evt)
        self.outcomes[f"stripe_webhook {answer.status_code}"] += 1
        if answer.status_code >= 500:
            self.findings.append(f"stripe_webhook {evt['type']} -> {answer.status_code}")

    def refund(self) -> None:
        open_ = [p for p in self.purchases if p["refunded"] < p["amount"]]
        if open_:
            p = self.rng.choice(open_)
            p["refunded"] = self.rng.choice([p["amount"], p["refunded"] + (p["amount"] - p["refunded"]) // 2 or 1])
            evt = refund_event(p, p["refunded"])
            for _ in range(1 + (self.rng.random() < 0.3)):
                self.webhook(evt)

    def abort(self) -> None:
        p = faults.pending_purchase(self.user(), self.package)
        if p is None:
            return
        evt = payment_event("succeeded", p)
        if faults.deliver_aborted(evt) != "aborted":
            self.findings.append(f"the injected abort of {evt['id']} did not abort")
        self.webhook(evt)  # Stripe's redelivery completes it, once
        self.purchases.append(p)

    def open_markets(self) -> list[dict]:
        now = datetime.now(timezone.utc)
        return [m for m in self.markets if datetime.fromisoformat(m["closes_at"]) > now]

    def commit(self) -> None:
        if self.open_markets():
            m = self.rng.choice(self.open_markets())
            self.call("POST", "commit_forecast", self.user(), {
                "market_id": m["id"], "outcome": self.rng.choice(["yes", "no", "maybe"]),
                "amount": self.rng.randint(1, 400)})

    def settle(self, everything: bool = False) -> None:
        now = datetime.now(timezone.utc) - timedelta(seconds=4)
        for m in [m for m in self.markets if not m.get("done")]:
            if datetime.fromisoformat(m["closes_at"]) > now or not (everything or self.rng.random() < 0.5):
                continue
            if self.rng.random() < 0.8:
                answer = self.call("POST", "resolve_market", ADMIN, {
                    "market_id": m["id"], "outcome": self.rng.choice(["yes", "no", "maybe"]),
                    "evidence_urls": ["https://example.com/result"], "note": "simulated"})
            else:
                answer = self.call("POST", "cancel_market", ADMIN, {"market_id": m["id"],
                                                                    "reason": "simulated"})
            m["done"] = answer.status_code < 300

    def order(self) -> None:
        uid, side = self.user(), self.rng.choice(["buy", "sell"])
        kind = self.rng.choice(["limit"] * 4 + ["market"])
        body = {"book": self.book, "side": side, "type": kind, "quantity": self.rng.randint(1, 20),
                "tif": self.rng.choice(["gtc", "gtc", "ioc", "fok"]) if kind == "limit" else "ioc"}
        if kind == "limit":
            body["price"] = self.rng.randint(15, 25)
        placed = self.data("POST", "place_order", uid, body)
        if placed:
            self.orders.append((uid, placed["id"]))

    def cancel(self) -> None:
        if self.orders:
            uid, order_id = self.orders.pop(self.rng.randrange(len(self.orders)))
            self.call("POST", "cancel_order", uid, {"order_id": order_id})

    def offer(self) -> None:
        rate = self.data("GET", "get_conversion_rate", None, params={"base": SYMBOL, "quote": "CHIP"})
        if rate is None:
            return
        k, uid = self.rng.randint(1, 3), self.user()
        made = self.data("POST", "create_swap_offer", uid, {
            "give_asset": SYMBOL, "give_amount": k * rate["denominator"], "want_asset": "CHIP",
            "want_amount": k * rate["numerator"]})
        if made:
            self.offers.append((uid, made["id"]))

    def execute(self, cancel: bool = False) -> None:
        if self.offers:
            maker, offer_id = self.offers.pop(self.rng.randrange(len(self.offers)))
            if cancel:
                self.call("POST", "cancel_swap_offer", maker, {"offer_id": offer_id})
            else:
                self.call("POST", "execute_swap_offer", self.user(), {"offer_id": offer_id})

    def transfer(self) -> None:
        sender, to = self.rng.sample(self.users, 2)
        self.call("POST", "create_transfer", sender, {
            "to": to, "asset": self.rng.choice(["CHIP", SYMBOL]), "amount": self.rng.randint(1, 3_000)})

    def fee(self) -> None:
        self.call("POST", "service_charge_fee", SERVICE, {
            "uid": self.user(), "service_type": "sim_call", "request_id": uuid.uuid4().hex[:16]})

    def reward(self) -> None:
        body = {"reward_id": uuid.uuid4().hex[:16], "uid": self.user(), "asset": "CHIP",
                "amount": self.rng.randint(1, 500), "reason": "simulated reward"}
        for _ in range(1 + (self.rng.random() < 0.3)):  # a second payment of one reward id
            self.call("POST", "pay_reward", SERVICE, body)

    def retry(self) -> None:
        """The client timed out and sends the same call again: it must get the same answer."""
        if self.last is None:
            return
        method, name, uid, body, key, first = self.last
        again = self.call(method, name, uid, body, key=key)
        if first.status_code in (429, 503) or again.status_code in (429, 503):
            return  # never stored as the answer
        if (again.status_code, again.json()["data"]) != (first.status_code, first.json()["data"]):
            self.findings.append(f"retry of {name} answered {again.status_code} {again.text} "
                                 f"after {first.status_code} {first.text}")

    # -- run ----------------------------------------------------------------------------------
    def step(self) -> None:
        action = self.rng.choices(list(ACTIONS), weights=list(ACTIONS.values()))[0]
        if action in ("execute", "cancel_offer"):
            self.execute(cancel=action == "cancel_offer")
        else:
            getattr(self, action)()

    def kill_sequencer(self) -> None:
        def orders() -> None:
            for _ in range(10):
                self.order()

        self.outcomes[f"sequencer killed: {faults.kill_a_sequencer(self.book, orders)}"] += 1

    def finish(self, deadline_s: float = 180.0) -> dict:
        deadline = time.monotonic() + deadline_s
        while faults.pending_commands(self.book) and time.monotonic() < deadline:
            time.sleep(0.5)
        if faults.pending_commands(self.book):
            self.findings.append("orders still unsequenced at the end")
        last_close = max(datetime.fromisoformat(m["closes_at"]) for m in self.markets)
        time.sleep(max(0.0, (last_close - datetime.now(timezone.utc)).total_seconds() + 4.5))
        self.settle(everything=True)
        for m in self.markets:
            while time.monotonic() < deadline and not self.settled(m["id"]):
                time.sleep(0.5)
        self.check_fills()
        return self.must("POST", "admin_reconcile", ADMIN, {})

    def pages(self, name: str, uid: str) -> list[dict]:
        items, cursor = [], None
        while True:
            params = {"book": self.book, "limit": 100, **({"cursor": cursor} if cursor else {})}
            page = self.must("GET", name, uid, params=params)
            items += page["items"]
            if not (cursor := page.get("next_cursor")):
                return items

    def check_fills(self) -> None:
        """Every order's fills (a killed sequencer included) add up to what the order shows
        filled, never past its quantity: no fill lost, none duplicated."""
        for uid in self.users:
            filled: Counter = Counter()
            notional: Counter = Counter()
            for fill in self.pages("list_my_fills", uid):
                filled[fill["order_id"]] += fill["quantity"]
                notional[fill["order_id"]] += fill["quantity"] * fill["price"]
            for order in self.pages("list_my_orders", uid):
                seen = (order["filled"], order["notional"])
                if seen != (filled[order["id"]], notional[order["id"]]) or seen[0] > order["quantity"]:
                    self.findings.append(f"order {order['id']} shows {seen} of {order['quantity']}"
                                         f" but its fills add up to {filled[order['id']]}")

    def settled(self, market_id: str) -> bool:
        market = self.data("GET", "get_market", None, params={"market_id": market_id}) or {}
        return (market.get("settlement") or {}).get("state") == "settled"

    def run(self, steps: int) -> dict:
        self.setup()
        for n in range(steps):
            if n == steps // 2:
                self.kill_sequencer()
            self.step()
        report = self.finish()
        return {"ok": report["ok"] and not self.findings, "findings": self.findings,
                "reconciliation": report, "outcomes": dict(sorted(self.outcomes.items()))}


def _fresh_stack():
    """An emulator and a dev server on free ports; this process takes on their environment."""
    import os
    import tempfile
    from pathlib import Path

    from dev.emulator import FirestoreEmulator, free_port
    from dev.server import load_manifest
    from dev.stack import (PROJECT, RULES_FILE, register_triggers, server_env, start_server,
                           wait_for_server)

    logs = Path(tempfile.mkdtemp(prefix="mintbook-sim-"))
    emulator = FirestoreEmulator(port=free_port(), functions_port=free_port(), project=PROJECT,
                                 rules_path=RULES_FILE, log_path=logs / "emulator.log")
    env = server_env(emulator.host_port, emulator.functions_port, PROJECT)
    os.environ.update(env)
    emulator.start()
    register_triggers(emulator, load_manifest().FUNCTIONS)
    server = start_server(emulator.functions_port, env, output=open(logs / "dev-server.log", "wb"))
    wait_for_server(server, f"http://127.0.0.1:{emulator.functions_port}")
    print(f"fresh stack: logs in {logs}", flush=True)
    return emulator, server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--url", help="a running dev server (default: start a fresh stack)")
    args = parser.parse_args()
    emulator = server = None
    if args.url is None:
        emulator, server = _fresh_stack()
    try:
        from dev.emulator import stop_group
        from dev.stack import PROJECT
        from shared.services.bootstrap import ensure_platform

        ensure_platform()
        url = args.url or f"http://127.0.0.1:{emulator.functions_port}"
        result = Simulation(url, PROJECT, args.seed).run(args.steps)
    finally:
        if server is not None:
            stop_group(server)
        if emulator is not None:
            emulator.stop()
    for line, count in result["outcomes"].items():
        print(f"{count:6d}  {line}")
    for finding in result["findings"]:
        print(f"FINDING: {finding}")
    drift = result["reconciliation"]["drift"]
    print(f"reconciliation ok={result['reconciliation']['ok']} drift={drift}")
    print(f"simulation seed={args.seed} steps={args.steps} ok={result['ok']}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
