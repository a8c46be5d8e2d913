"""What bench.count calls, and the setup each call needs (done before counting starts).

A setup works on the demo data (dev/demo.py: CHIP and LUNA, demo-alice with chips and LUNA,
demo-bob and demo-carol with chips, superadmin demo-admin) through the HTTP API, as a client
would, and returns the `Call` to count:
- create_transfer: demo-alice sends 100 CHIP to demo-bob;
- commit_forecast: demo-alice commits 100 CHIP on an open market demo-bob already backs;
- get_market: an anonymous read of a market two users have committed to;
- place_order: demo-bob buys 15 LUNA at 101 on LUNA-CHIP, whose book rests asks of 10 at 100,
  101 and 102 (demo-alice) and bids of 5 at 90 and 95 (demo-carol): it fills 10 at 100 and 5
  at 101 in the sequencer run the call itself makes.
Any other function is called as given (`generic_call`); a job is POSTed as Cloud Scheduler
would (`job_call`).
"""
from __future__ import annotations

import importlib
import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable, NamedTuple

import requests

from dev.tokens import unsigned_id_token

ADMIN, ALICE, BOB, CAROL = "demo-admin", "demo-alice", "demo-bob", "demo-carol"
BOOK = "LUNA-CHIP"


class Call(NamedTuple):
    function: str
    kind: str                   # "http" or "job"
    method: str
    uid: str | None
    body: dict | None = None
    query: dict | None = None
    idempotent: bool = True     # sends an Idempotency-Key (mutating HTTP calls)
    request_id: str = ""

    @property
    def tag(self) -> str:
        """The operation tag the dev server gives the call (dev/server.py)."""
        return f"{self.function} {self.kind} {self.request_id}"


class Client:
    def __init__(self, base_url: str, project: str) -> None:
        self.base_url, self.project = base_url, project
        self.http = requests.Session()

    def send(self, call: Call) -> requests.Response:
        headers = {"X-Request-Id": call.request_id}
        if call.uid:
            headers["Authorization"] = f"Bearer {unsigned_id_token(call.uid, self.project)}"
        if call.idempotent and call.method != "GET":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        if call.kind == "job":
            headers.update({"X-CloudScheduler": "true", "X-CloudScheduler-JobName": call.function,
                            "User-Agent": "Google-Cloud-Scheduler"})
        return self.http.request(call.method, f"{self.base_url}/{call.function}",
                                 json=call.body, params=call.query, headers=headers, timeout=120)

    def ok(self, method: str, function: str, uid: str | None, body: dict | None = None) -> dict:
        """A setup call; raises unless it succeeded."""
        response = self.send(Call(function, "http", method, uid, body, None, True,
                                  f"setup-{uuid.uuid4().hex[:8]}"))
        answer = response.json()
        if not answer.get("success"):
            raise RuntimeError(f"setup: {function} answered {response.status_code}: "
                               f"{answer.get('errors')}")
        return answer["data"]

    def pending_tasks(self) -> int:
        return int(self.http.get(f"{self.base_url}/_tasks", timeout=10).json()["data"]["pending"])


def _rid() -> str:
    return uuid.uuid4().hex


def _market(c: Client, committers: tuple[str, ...]) -> str:
    closes = datetime.now(timezone.utc) + timedelta(days=1)
    market = c.ok("POST", "create_market", ADMIN, {
        "slug": f"count-{uuid.uuid4().hex[:8]}", "title": "Will bench.count count it all?",
        "category": "crypto", "outcomes": [{"id": "yes", "label": "Yes"},
                                           {"id": "no", "label": "No"}],
        "closes_at": closes.isoformat(), "max_per_user": 100_000})
    for n, uid in enumerate(committers):
        c.ok("POST", "commit_forecast", uid, {"market_id": market["id"],
                                              "outcome": ("yes", "no")[n % 2], "amount": 200})
    return market["id"]


def create_transfer(c: Client, uid: str | None) -> Call:
    return Call("create_transfer", "http", "POST", uid or ALICE,
                {"to": BOB, "asset": "CHIP", "amount": 100, "memo": "bench.count"},
                request_id=_rid())


def commit_forecast(c: Client, uid: str | None) -> Call:
    market_id = _market(c, (BOB,))
    return Call("commit_forecast", "http", "POST", uid or ALICE,
                {"market_id": market_id, "outcome": "yes", "amount": 100}, request_id=_rid())


def get_market(c: Client, uid: str | None) -> Call:
    market_id = _market(c, (BOB, CAROL))
    return Call("get_market", "http", "GET", uid, query={"market_id": market_id},
                request_id=_rid())


def place_order(c: Client, uid: str | None) -> Call:
    c.ok("POST", "admin_create_book", ADMIN, {"base": "LUNA", "tick_size": 1,
                                              "min_quantity": 1, "max_quantity": 1_000})
    for uid_, side, price, quantity in ((ALICE, "sell", 100, 10), (ALICE, "sell", 101, 10),
                                        (ALICE, "sell", 102, 10), (CAROL, "buy", 90, 5),
                                        (CAROL, "buy", 95, 5)):
        c.ok("POST", "place_order", uid_, {"book": BOOK, "side": side, "quantity": quantity,
                                           "price": price})
    return Call("place_order", "http", "POST", uid or BOB,
                {"book": BOOK, "side": "buy", "quantity": 15, "price": 101}, request_id=_rid())


SETUPS: dict[str, Callable[[Client, str | None], Call]] = {
    "create_transfer": create_transfer, "commit_forecast": commit_forecast,
    "get_market": get_market, "place_order": place_order}


def generic_call(function: str, uid: str | None, body: dict | None, query: dict | None) -> Call:
    """Any HTTP function, with the method and idempotency its endpoint declares."""
    from dev.server import load_manifest

    entry = next((f for f in load_manifest().FUNCTIONS if f.name == function), None)
    if entry is None or entry.kind != "http":
        raise SystemExit(f"no HTTP function named {function!r} (a job takes --job)")
    module, attribute = entry.target.split(":")
    spec = getattr(importlib.import_module(module), attribute).spec
    return Call(function, "http", spec.method, uid if uid is not None else ALICE, body, query,
                spec.idempotent, _rid())


def job_call(name: str) -> Call:
    from dev.server import load_manifest

    if not any(f.name == name and f.kind == "job" for f in load_manifest().FUNCTIONS):
        raise SystemExit(f"no job named {name!r}")
    return Call(name, "job", "POST", None, {}, None, False, _rid())
