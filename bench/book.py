"""`python -m bench.book`: orders on one book offered open-loop through HTTP, against
create_transfer offered the same way by the same clients.

Stack: an emulator and the dev server (one process serving every function, with its task
dispatch, which delivers the sequencer's wake-ups), started as bench.big_market starts them,
without the RPC counter between them (a proxy in this process: orders and transfers alike
would pay its hop and this process's GIL).
This process is the clients: a scheduler sends each request at its planned time from a pool of
256 threads, rotating over 300 funded users (so no per-user rate limit applies), and a slow
answer never delays the next request (open loop). A request's time counts from when it was due.

Orders: one-unit limit orders on GOLD-CHIP, buys at 99-101 and sells at 100-102, so about half
trade and half rest. An order counts when sequenced: its document has left `pending`, and its
`updated_at` (the commit time of the batch that sequenced it) ends its latency. Transfers count
when answered with success.

For each kind, offered rates double from 8 a second for `--seconds` each; a rate is sustained
when, `--grace` seconds after its window, at least 95% of what was offered is done and nothing
failed. The highest sustained rate is the result. Then orders are offered at half their rate and
p50/p99 of request-to-sequenced are taken. Each rate runs on a stack of its own (`fresh`): the
emulator's queries scan whole collections, so on a shared one each run would pay for the
documents of the runs before it, which Firestore's indexes do not.
Last line: orders_per_s=... transfers_per_s=... ratio=... p50_ms=... p99_ms=... failed=...
(failed: failures at half rate).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

from bench.big_market import stack  # noqa: E402
from bench.count_setups import Call  # noqa: E402

BOOK, USERS = "GOLD-CHIP", 300


class Offered(NamedTuple):
    due: float            # time.time() the request was planned for
    done_at: float | None  # when it was done (sequenced, or answered for a transfer)
    failed: bool


def seed() -> list[str]:
    from shared.domain.assets import Asset
    from shared.domain.exchange.books import BookConfig
    from shared.domain.idempotency import Operation
    from shared.services import assets, transfers, users
    from shared.services.bootstrap import ensure_platform
    from shared.services.exchange import orders

    ensure_platform()
    admin = users.ensure_user("demo-admin")
    assets.create_asset(Operation.of("bench", "asset", "GOLD", {}), admin, Asset("GOLD", "Gold", 0))
    uids = [f"trader-{n:03d}" for n in range(USERS)]

    def fund(uid: str) -> None:
        users.ensure_user(uid)
        for asset, amount in (("GOLD", 10**6), ("CHIP", 10**9)):
            transfers.adjust(Operation.of("bench", "fund", f"{uid}{asset}", {}), admin, uid,
                             asset, amount, "bench funding")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(fund, uids))
    orders.create_book(Operation.of("bench", "book", BOOK, {}), admin,
                       BookConfig(BOOK, "GOLD", "CHIP"))
    return uids


def offer(rate: float, seconds: float, send: Callable[[int], Offered]) -> list[Offered]:
    """Send `rate` requests a second for `seconds`, each at its planned time."""
    count = int(rate * seconds)
    start = time.time() + 0.2
    with ThreadPoolExecutor(256) as pool:
        futures = []
        for n in range(count):
            due = start + n / rate
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            futures.append(pool.submit(send, n, due))
        return [f.result() for f in futures]


def order_sender(client, uids: list[str], tag: str) -> Callable:
    def send(n: int, due: float) -> tuple[float, str | None]:
        uid = uids[n % len(uids)]
        side = "buy" if n % 2 else "sell"
        price = (99 if side == "buy" else 100) + n % 3
        call = Call("place_order", "http", "POST", uid,
                    {"book": BOOK, "side": side, "quantity": 1, "price": price},
                    request_id=f"{tag}-{n}")
        try:
            response = client.send(call)
        except Exception:  # counted as failed
            return due, None
        return due, (response.json().get("data") or {}).get("id") \
            if response.status_code == 201 else None
    return send


def sequenced(sent: list[tuple[float, str | None]]) -> list[Offered]:
    from shared.store import exchange as store
    from shared.store.client import db

    ids = [oid for _, oid in sent if oid]
    at: dict[str, float] = {}
    for i in range(0, len(ids), 300):
        for snap in db().get_all([store.ref(store.ORDERS, oid) for oid in ids[i:i + 300]]):
            data = snap.to_dict() or {}
            if data.get("status") not in (None, "pending"):
                at[snap.id] = data["updated_at"].timestamp()
    return [Offered(due, at.get(oid) if oid else None, oid is None) for due, oid in sent]


def transfer_sender(client, uids: list[str], tag: str) -> Callable:
    def send(n: int, due: float) -> Offered:
        call = Call("create_transfer", "http", "POST", uids[n % len(uids)],
                    {"to": uids[(n + 1) % len(uids)], "asset": "CHIP", "amount": 1},
                    request_id=f"{tag}-{n}")
        try:
            response = client.send(call)
            ok = response.ok and response.json().get("success") is True
        except Exception:  # counted as failed
            ok = False
        return Offered(due, time.time() if ok else None, not ok)
    return send


def run_orders(client, uids, rate, seconds, grace) -> list[Offered]:
    sent = offer(rate, seconds, order_sender(client, uids, f"o{rate:g}-{uuid.uuid4().hex[:6]}"))
    time.sleep(grace)
    return sequenced(sent)


def run_transfers(client, uids, rate, seconds, grace) -> list[Offered]:
    return offer(rate, seconds, transfer_sender(client, uids, f"t{rate:g}-{uuid.uuid4().hex[:6]}"))


def sustained(results: list[Offered], window_end: float) -> bool:
    done = sum(1 for r in results if r.done_at is not None and r.done_at <= window_end)
    return not any(r.failed for r in results) and done >= 0.95 * len(results)


def highest(run: Callable[[float], tuple[list[Offered], float]], label: str) -> float:
    best, rate = 0.0, 8.0
    while rate <= 1024:
        results, window_end = run(rate)
        ok = sustained(results, window_end)
        print(f"{label}: offered {rate:g}/s -> {'sustained' if ok else 'not sustained'} "
              f"({sum(r.done_at is not None for r in results)}/{len(results)} done, "
              f"{sum(r.failed for r in results)} failed)", file=sys.stderr)
        if not ok:
            break
        best, rate = rate, rate * 2
    return best


def percentile(values: list[float], q: float) -> float:
    """nan when nothing was measured, never a made-up zero."""
    values = sorted(values)
    return values[min(int(q * len(values)), len(values) - 1)] if values else float("nan")


def fresh(run: Callable, rate: float, seconds: float, grace: float
          ) -> tuple[list[Offered], float]:
    """`run` at `rate` on a stack of its own, freshly seeded: the emulator answers a query by
    scanning the collection (Firestore reads an index), so the commands and orders of earlier
    rates would slow every later one, and the transfers measured after the orders."""
    with stack("bench-book", counted=False) as s:   # counts are not needed: timing only
        uids = seed()
        started = time.time()
        results = run(s.client, uids, rate, seconds, grace)
        return results, started + seconds + grace


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--grace", type=float, default=5.0)
    args = parser.parse_args()

    def orders_at(rate: float) -> tuple[list[Offered], float]:
        return fresh(run_orders, rate, args.seconds, args.grace)

    def transfers_at(rate: float) -> tuple[list[Offered], float]:
        return fresh(run_transfers, rate, args.seconds, args.grace)

    orders_per_s = highest(orders_at, "orders")
    transfers_per_s = highest(transfers_at, "transfers")
    half, _ = orders_at(max(orders_per_s / 2, 1.0))
    latencies = [(r.done_at - r.due) * 1000 for r in half if r.done_at is not None]
    failed = sum(r.failed for r in half)
    ratio = orders_per_s / transfers_per_s if transfers_per_s else 0.0
    print(f"orders_per_s={orders_per_s:.0f} transfers_per_s={transfers_per_s:.0f} "
          f"ratio={ratio:.2f} p50_ms={percentile(latencies, 0.5):.0f} "
          f"p99_ms={percentile(latencies, 0.99):.0f} failed={failed}")


if __name__ == "__main__":
    main()
