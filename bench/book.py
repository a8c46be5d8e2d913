"""`python -m bench.book`: orders on one book through the place_order function, against a
bare-transaction floor on the same emulator.

Subject: 16 concurrent clients POST crossing limit orders (quantity 1, buys at 101, sells at 99)
to the place_order HTTP function, in this process behind a WSGI test client, rotating over 200
funded users so no rate limit applies. Each call accepts the order (funds held) and runs the
book's sequencer in process, as deployed. An order counts once the sequencer has processed it:
after each phase the book is drained, and the drain time is added to the phase.
Floor: the same 16 clients doing bare one-document read-modify-write transactions.
Wake-up tasks go to a local sink that accepts them (the drain stands in for their delivery).
Last line: orders_per_s=... floor_per_s=... ratio=... failed=...
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from .support import ROOT, Rate, alternate, bare_transaction_workers, bench_emulator, closed_loop

BOOK, USERS = "GOLD-CHIP", 200


class _Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def task_sink() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def seed() -> list[str]:
    from shared.domain.assets import Asset
    from shared.domain.exchange.books import BookConfig
    from shared.domain.idempotency import Operation
    from shared.services import assets, transfers, users
    from shared.services.exchange import orders
    from shared.services.bootstrap import ensure_platform

    ensure_platform()
    admin = users.ensure_user("demo-admin")
    assets.create_asset(Operation.of("bench", "asset", "GOLD", {}), admin, Asset("GOLD", "Gold", 0))
    uids = [f"trader-{n}" for n in range(USERS)]
    for uid in uids:
        users.ensure_user(uid)
        for asset, amount in (("GOLD", 10**6), ("CHIP", 10**8)):
            transfers.adjust(Operation.of("bench", "fund", f"{uid}{asset}", {}), admin, uid,
                             asset, amount, "bench funding")
    orders.create_book(Operation.of("bench", "book", BOOK, {}), admin,
                                BookConfig(BOOK, "GOLD", "CHIP"))
    return uids


def placers(client, tokens: Callable[[str], str], uids: list[str], clients: int, tag: str):
    def make(i: int):
        def place(n: int) -> None:
            uid = uids[(n * clients + i) % len(uids)]
            side = "buy" if (n + i) % 2 else "sell"
            response = client.post("/place_order", json={
                "book": BOOK, "side": side, "quantity": 1, "price": 101 if side == "buy" else 99},
                headers={"Authorization": f"Bearer {tokens(uid)}",
                         "Idempotency-Key": f"{tag}-{i}-{n}"})
            if response.status_code != 201:
                raise RuntimeError(f"{response.status_code} {response.get_data(as_text=True)[:200]}")
        return place
    return [make(i) for i in range(clients)]


def drain() -> float:
    from shared.services.exchange import sequencer
    from shared.store import exchange as store

    started = time.monotonic()
    while store.pending_command_ids(BOOK, 1):
        sequencer.run(BOOK)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    from dev.stack import AUTH_EMULATOR_MARKER
    from dev.tokens import IdTokens

    os.environ.update(FIREBASE_AUTH_EMULATOR_HOST=AUTH_EMULATOR_MARKER,
                      MINTBOOK_TASKS_URL=task_sink())
    with bench_emulator("bench-exchange") as emulator:
        import flask

        sys.path.insert(0, str(ROOT / "functions"))
        from api.exchange import place_order

        uids = seed()
        tokens = IdTokens(emulator.project)
        app = flask.Flask("bench-exchange")
        app.add_url_rule("/place_order", "place_order", lambda: place_order(flask.request),
                         methods=["POST"])
        client = app.test_client()
        round_no = iter(range(1000))

        def subject() -> Rate:
            rate = closed_loop(placers(client, tokens, uids, args.clients, f"s{next(round_no)}"),
                               args.seconds)
            return Rate(rate.ops, rate.failed, rate.seconds + drain())

        floor, orders = alternate(
            lambda: closed_loop(bare_transaction_workers(args.clients, f"r{next(round_no)}"),
                                args.seconds),
            subject, args.rounds)
    ratio = orders.per_s / floor.per_s if floor.per_s else 0.0
    print(f"orders_per_s={orders.per_s:.1f} floor_per_s={floor.per_s:.1f} "
          f"ratio={ratio:.2f} failed={orders.failed + floor.failed}")


if __name__ == "__main__":
    main()
