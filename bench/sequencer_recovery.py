"""`python -m bench.sequencer_recovery [--runs N]` (not in make test): how long a book stops
sequencing when its sequencer is SIGKILLed in the middle of a batch, with the production lease.

Each run, on a book of its own (a dead transaction's locks outlive the run): 12 crossing orders
from six traders are accepted; dev/killed_sequencer.py takes the lease (LEASE_S, 15 s unless
MINTBOOK_EXCHANGE_LEASE_S says otherwise) and stalls inside its first batch's transaction with
every write buffered (it has read, and so locked, the lease, the head, its four commands and
the candles its trades fall in; no trader's document: a batch reads no ledger document); it is
SIGKILLed. At the kill a successor starts
calling sequencer.run every 0.2 s (as the task and the sweep would, only more often), and two
place_orders start: one by a trader of the dead batch (inside), one by a trader it did not
touch (outside). Measured per run: `recovery_s`, from the kill until the successor's first
committed batch (a command left the queue), and how long each place_order took to answer, with
what it answered (an order status, or the error code: `unavailable` is the 503 with a retry hint
that a transaction which cannot commit within its deadline answers).
Last line: `runs=N lease_s=... recovery_s_max=... recovery_s=[...] place_inside_s_max=...
place_outside_s_max=...`.
"""
from __future__ import annotations

import argparse
import os
import signal
import threading
import time

from .support import bench_emulator

TRADERS = 6
INSIDE, OUTSIDE = "rec-trader1", "rec-outsider"   # a trader of the dead batch, and one not in it


def seed_book(n: int) -> str:
    from shared.domain.assets import Asset
    from shared.domain.exchange.books import BookConfig
    from shared.domain.idempotency import Operation
    from shared.services import assets, transfers, users
    from shared.services.exchange import orders

    admin = users.ensure_user("demo-admin")
    base = f"REC{n}"
    book = f"{base}-CHIP"
    assets.create_asset(Operation.of("bench", "asset", base, {}), admin, Asset(base, base, 0))
    orders.create_book(Operation.of("bench", "book", book, {}), admin,
                       BookConfig(book, base, "CHIP"))
    for uid in [f"rec-trader{t}" for t in range(TRADERS)] + [OUTSIDE]:
        users.ensure_user(uid)
        for asset, amount in ((base, 10_000), ("CHIP", 10**8)):
            transfers.adjust(Operation.of("bench", "fund", f"{uid}{asset}{n}", {}), admin, uid,
                             asset, amount, "bench funding")
    return book


def accept(book: str, key: str, uid: str, side: str, quantity: int, price: int) -> str:
    from shared.domain.exchange.books import OrderRequest, OrderType
    from shared.domain.exchange.matching import Side, TimeInForce
    from shared.domain.idempotency import Operation
    from shared.services.exchange import orders
    from shared.store.users import get_user

    req = OrderRequest(book, Side(side), OrderType.LIMIT, quantity, price, TimeInForce.GTC)
    return orders.accept(Operation.of(uid, "place_order", key, {}), get_user(uid), req)


def one_run(n: int) -> tuple[float, tuple[float, str], tuple[float, str]]:
    from dev import killed_sequencer
    from shared.domain.errors import MintbookError
    from shared.domain.exchange.books import OrderRequest, OrderType
    from shared.domain.exchange.matching import Side, TimeInForce
    from shared.domain.idempotency import Operation
    from shared.services.exchange import orders, sequencer
    from shared.store import exchange as store
    from shared.store.users import get_user

    book = seed_book(n)
    for k in range(12):
        side = "buy" if k % 2 else "sell"
        accept(book, f"r{n}k{k}", f"rec-trader{k % TRADERS}", side, 1 + k % 3, 100)
    proc = killed_sequencer.spawn(book, "mid_transaction", 4)
    assert proc.stdout.readline().strip() == "running"
    assert proc.stdout.readline().strip() == "stalled"
    before = len(store.pending_command_ids(book, 100))
    os.kill(proc.pid, signal.SIGKILL)
    killed = time.monotonic()
    proc.wait()
    placed: dict[str, tuple[float, str]] = {}

    def place(uid: str) -> None:
        started = time.monotonic()
        req = OrderRequest(book, Side.BUY, OrderType.LIMIT, 1, 90, TimeInForce.GTC)
        try:
            answer = orders.place(Operation.of(uid, "place_order", f"r{n}late", {}),
                                  get_user(uid), req)
            status = answer["status"]
        except MintbookError as err:   # a 503 with a retry hint is an answer too
            status = err.code
        placed[uid] = (time.monotonic() - started, status)

    placers = [threading.Thread(target=place, args=(uid,)) for uid in (INSIDE, OUTSIDE)]
    for placer in placers:
        placer.start()
    while len(store.pending_command_ids(book, 100)) >= before:
        try:
            sequencer.run(book, max_batches=1)
        except Exception as err:  # noqa: BLE001 - the successor keeps trying, as the task would
            print(f"  successor: {err!r}", flush=True)
        time.sleep(0.2)
    recovery = time.monotonic() - killed
    for placer in placers:
        placer.join()
    return recovery, placed[INSIDE], placed[OUTSIDE]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with bench_emulator("bench-recovery"):
        from shared.services.bootstrap import ensure_platform
        from shared.store import exchange as store

        ensure_platform()
        recoveries, inside, outside = [], [], []
        for n in range(args.runs):
            recovery, (in_s, in_status), (out_s, out_status) = one_run(n)
            recoveries.append(recovery)
            inside.append(in_s)
            outside.append(out_s)
            print(f"run {n}: recovery_s={recovery:.1f} place_inside_s={in_s:.1f} "
                  f"({in_status}) place_outside_s={out_s:.1f} ({out_status})", flush=True)
        print(f"runs={args.runs} lease_s={store.LEASE_S:.0f} "
              f"recovery_s_max={max(recoveries):.1f} "
              f"recovery_s=[{', '.join(f'{r:.1f}' for r in recoveries)}] "
              f"place_inside_s_max={max(inside):.1f} place_outside_s_max={max(outside):.1f}",
              flush=True)


if __name__ == "__main__":
    main()
