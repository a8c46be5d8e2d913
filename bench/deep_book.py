"""`python -m bench.deep_book` (not in make test): a book of 20,000 resting orders keeps going.

Everything goes through the order service (funds held, commands recorded) and the sequencer, in
this process, against an emulator of its own behind the Firestore counter
(dev/firestore_counter.py), which counts every commit.

Seeding (not counted): 100 funded users; on GOLD-CHIP `--resting` one-unit orders over 200
price levels (bids 900-999, asks 1100-1199, the same number at each level), 1,000 of them the
asks of one user; SILVER-CHIP stays empty. Then, counted:
1. a buy sweeping the 500 best asks: one order whose work takes many steps; its seconds;
2. that user's cancel_all of its 1,000 orders: its seconds;
3. mixed orders at saturation on the deep book: `--backlog` orders from the 100 users (buys and
   sells at 1030-1070, one to three units, GTC and a fifth IOC, so they rest and trade among
   themselves) are accepted first, then one sequencer drains them; rate = orders / drain time;
4. the same orders on the empty book, the same way.
`halted` says whether any command was still unsequenced at the end; `max_writes_per_txn` is the
largest commit of steps 1-4; `book_doc_max_writes_per_s` the most writes any document a book
shares (head, depth, lease, candles; a trader's escrow and fee share are that trader's, written
as often as its own account, by its own fills) took in any one second;
`speed_vs_empty` = rate 3 / rate 4.
Last line: `resting=... halted=... max_writes_per_txn=... book_doc_max_writes_per_s=...
speed_vs_empty=... orders_per_s=...` (orders_per_s: rate 3).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from .support import bench_emulator

DEEP, EMPTY, USERS, BULK = "GOLD-CHIP", "SILVER-CHIP", 100, "bulk-trader"
# What a book shares: its head, depth, lease and candles. Escrows and fee shares are per
# (book, trader): domain/exchange/postings.fee_share.
SHARED = ("book_states/", "book_depth/", "book_leases/", "candles/")


def seed(resting: int) -> None:
    from shared.domain.assets import Asset
    from shared.domain.exchange.books import BookConfig
    from shared.domain.idempotency import Operation
    from shared.services import assets, transfers, users
    from shared.services.bootstrap import ensure_platform
    from shared.services.exchange import orders

    ensure_platform()
    admin = users.ensure_user("demo-admin")
    for asset, book in (("GOLD", DEEP), ("SILVER", EMPTY)):
        assets.create_asset(Operation.of("bench", "asset", asset, {}), admin,
                            Asset(asset, asset.title(), 0))
        orders.create_book(Operation.of("bench", "book", book, {}), admin,
                           BookConfig(book, asset, "CHIP"))
    for uid in [*traders(), BULK, "sweeper"]:
        users.ensure_user(uid)
        for asset, amount in (("GOLD", 10**6), ("SILVER", 10**6), ("CHIP", 10**10)):
            transfers.adjust(Operation.of("bench", "fund", f"{uid}{asset}", {}), admin, uid,
                             asset, amount, "bench funding")
    per_level = resting // 200
    plan = []
    for level in range(100):
        for k in range(per_level):
            plan.append((traders()[k % USERS], "buy", 999 - level))
            ask_owner = BULK if level >= 90 and k < 100 else traders()[(k + 7) % USERS]
            plan.append((ask_owner, "sell", 1100 + level))
    accept_all(DEEP, [(uid, side, price, 1, "gtc") for uid, side, price in plan], "seed")
    drain(DEEP)


def traders() -> list[str]:
    return [f"trader-{n:03d}" for n in range(USERS)]


def accept_all(book: str, orders_: list[tuple], tag: str, threads: int = 8) -> list[str]:
    from shared.domain.exchange.books import OrderRequest, OrderType
    from shared.domain.exchange.matching import Side, TimeInForce
    from shared.domain.idempotency import Operation
    from shared.services.exchange import orders
    from shared.store.users import get_user

    def one(n: int) -> str:
        uid, side, price, quantity, tif = orders_[n]
        req = OrderRequest(book, Side(side), OrderType.LIMIT, quantity, price, TimeInForce(tif))
        return orders.accept(Operation.of(uid, "place_order", f"{tag}-{n}", {}), get_user(uid),
                             req)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(len(orders_))))


def drain(book: str) -> float:
    from shared.services.exchange import sequencer
    from shared.store import exchange as store

    started = time.monotonic()
    while store.pending_command_ids(book, 1):
        sequencer.run(book, max_batches=10**6)
    return time.monotonic() - started


def mixed(count: int, seed_: int) -> list[tuple]:
    rng = random.Random(seed_)
    return [(rng.choice(traders()), side := rng.choice(("buy", "sell")),
             rng.randint(1030, 1070) + (5 if side == "buy" else -5) * rng.randint(0, 1),
             rng.randint(1, 3), "ioc" if rng.random() < 0.2 else "gtc") for _ in range(count)]


def saturated_rate(book: str, workload: list[tuple], tag: str) -> float:
    accept_all(book, workload, tag)
    return len(workload) / drain(book)


def busiest_shared(rpcs) -> tuple[int, str]:
    from dev.firestore_bill import busiest

    shared = [r._replace(writes=tuple(p for p in r.writes if any(s in p for s in SHARED)),
                         deletes=()) for r in rpcs]
    return busiest(shared)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resting", type=int, default=20_000)
    parser.add_argument("--backlog", type=int, default=2_000)
    args = parser.parse_args()
    from dev.firestore_counter import FirestoreCounter

    with bench_emulator("bench-deep-book") as emulator, \
            FirestoreCounter(emulator.host_port) as counter:
        os.environ["FIRESTORE_EMULATOR_HOST"] = counter.host_port
        from shared.config import settings
        settings.cache_clear()
        from shared.domain.idempotency import Operation
        from shared.services.exchange import orders
        from shared.store import exchange as store
        from shared.store.users import get_user

        started = time.monotonic()
        seed(args.resting)
        resting = len(store.resting_orders(DEEP, 5_000))
        print(f"seeded {resting} resting orders in {time.monotonic() - started:.0f}s",
              file=sys.stderr)
        mark = counter.mark()
        accept_all(DEEP, [("sweeper", "buy", 1104, 500, "gtc")], "sweep")
        sweep_s = drain(DEEP)
        started = time.monotonic()   # cancel_all wakes the sequencer itself, in this thread
        orders.cancel_all(Operation.of(BULK, "cancel_all_orders", "bulk", {}), get_user(BULK),
                          DEEP)
        drain(DEEP)
        cancel_s = time.monotonic() - started
        workload = mixed(args.backlog, 17)
        deep = saturated_rate(DEEP, workload, "deep")
        empty = saturated_rate(EMPTY, workload, "empty")
        rpcs = counter.records(mark)
        halted = bool(store.pending_command_ids(DEEP, 1) or store.pending_command_ids(EMPTY, 1))
    commits = [r for r in rpcs if r.method in ("Commit", "BatchWrite") and r.code == "OK"]
    most = max((len(r.writes) + len(r.deletes) for r in commits), default=0)
    busiest, where = busiest_shared(rpcs)
    print(f"sweep_500_makers_s={sweep_s:.1f} cancel_all_1000_s={cancel_s:.1f} "
          f"deep_orders_per_s={deep:.1f} empty_orders_per_s={empty:.1f} busiest={where}",
          file=sys.stderr)
    print(f"resting={resting} halted={'yes' if halted else 'no'} max_writes_per_txn={most} "
          f"book_doc_max_writes_per_s={busiest} "
          f"speed_vs_empty={deep / empty if empty else 0:.2f} orders_per_s={deep:.1f}")


if __name__ == "__main__":
    main()
