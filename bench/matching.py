"""`python -m bench.matching`: the pure matching core against a sorted-container book, same process.

Workload (pinned seed): 60% limit orders around a mid price that rest or cross (GTC 80%, IOC 10%,
FOK 10%), 20% cancels of earlier orders, 20% market orders (IOC with a price cap and funds).
Baseline: a competent reference book, not a strawman: per side a `sortedcontainers.SortedDict`
from price key to a FIFO `deque` of resting orders (O(log levels) to find or add a level, O(1)
to take the best order), cancels marked in place and dropped when matching reaches them. It keeps
the subject's rules (price-time priority, self-trade cancels the resting order, IOC, FOK that
fills whole or not at all, funds-bounded market buys, cumulative fee ceilings, at most
MAX_FILLS_PER_ORDER fills per order), and does less bookkeeping than the subject (no input
validation, result objects, fill statuses or level depths), so the ratio flatters the subject in
nothing.
Both must produce the same fills (checksum over every fill's ids, price, quantity and fees).
Timing: CPU time of this process (process_time; the work is single-threaded and pure Python, so
another job on a shared 2-core machine delays it without adding CPU), best of `--rounds` runs per
side, the sides alternating in order so a slow stretch cannot land on one side only.
One line per size, the default sizes being the first 100,000 and all 1,000,000 operations of one
workload:
orders_per_s=... baseline_per_s=... ratio=... baseline=sortedlist checksum_match=yes|no
"""
from __future__ import annotations

import argparse
import gc
import random
import time
from collections import deque

from sortedcontainers import SortedDict

from shared.domain.exchange.matching import (BPS, MAX_FILLS_PER_ORDER, Book, Order, OrderStatus,
                                             Side, TimeInForce, affordable, buy_funds)

MID, OWNERS = 10_000, 2_000
BUY, SELL = Side.BUY, Side.SELL
GTC, IOC, FOK = TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK
CANCELLED = OrderStatus.CANCELLED
SIGN = (-1, 1)  # index 0 bids, 1 asks: key = sign x price, the smallest key is the best price


def workload(n: int, seed: int) -> list[tuple]:
    rng = random.Random(seed)
    ops: list[tuple] = []
    for i in range(n):
        roll = rng.random()
        owner = f"u{rng.randrange(OWNERS)}"
        side = BUY if rng.random() < 0.5 else SELL
        qty = rng.randint(1, 50)
        if roll < 0.6:
            tif = GTC if roll < 0.48 else (IOC if roll < 0.54 else FOK)
            price = MID + rng.randint(-30, 30) + (-8 if side is BUY else 8)
            ops.append(("order", str(i), owner, side, price, qty, tif,
                        buy_funds(qty, price, 50) if side is BUY else 0))
        elif roll < 0.8:
            ops.append(("cancel", str(rng.randrange(max(i, 1)))))
        else:
            cap = MID + 60 if side is BUY else MID - 60
            ops.append(("order", str(i), owner, side, cap, qty, IOC,
                        rng.randint(1, 60) * MID if side is BUY else 0))
    return ops


class SortedBook:
    """The baseline: per side a SortedDict of price key -> deque of resting orders, oldest first.

    A cancelled order stays in its deque, marked, until matching reaches it at the front; a level
    leaves the SortedDict when its deque empties there.
    """

    def __init__(self, maker_bps: int = 30, taker_bps: int = 50) -> None:
        self.maker_bps, self.taker_bps = maker_bps, taker_bps
        self.sides: tuple[SortedDict, SortedDict] = (SortedDict(), SortedDict())
        self.live: dict[str, Order] = {}
        self.seq = 0
        self.fills: list[tuple] = []

    def submit(self, o: Order) -> None:
        self.seq += 1
        o.seq = self.seq
        mine = 0 if o.side is BUY else 1
        levels = self.sides[1 - mine]
        limit = SIGN[1 - mine] * o.price
        if o.tif is FOK and self._fillable(o, levels, limit) < o.quantity:
            o.status = CANCELLED
            return
        stopped = self._match(o, levels, limit)
        if o.filled < o.quantity and o.tif is GTC and not stopped:
            key = SIGN[mine] * o.price
            queue = self.sides[mine].get(key)
            if queue is None:
                queue = self.sides[mine][key] = deque()
            queue.append(o)
            self.live[o.id] = o

    def cancel(self, order_id: str) -> None:
        found = self.live.pop(order_id, None)
        if found is not None:
            found.status = CANCELLED

    def _match(self, o: Order, levels: SortedDict, limit: int) -> bool:
        """Fill `o` against `levels` up to key `limit`, best first. True when it stopped before
        running out of crossing orders (fill bound, funds exhausted); it never rests then."""
        capped = o.side is BUY and o.tif is not GTC  # only these can run out of funds
        fills = 0
        while o.filled < o.quantity and levels:
            key, queue = levels.peekitem(0)
            if key > limit:
                break
            maker = queue[0]
            if maker.status is CANCELLED:
                queue.popleft()
                if not queue:
                    del levels[key]
                continue
            if maker.owner == o.owner:
                self.cancel(maker.id)
                continue
            if fills == MAX_FILLS_PER_ORDER:
                return True
            price = maker.price
            q = min(o.quantity - o.filled, maker.quantity - maker.filled)
            if capped:
                q = min(q, affordable(o.funds, o.notional, o.fee_basis, price, self.taker_bps))
                if q == 0:
                    return True
            tf = self._charge(o, q, price * q, self.taker_bps)
            mf = self._charge(maker, q, price * q, self.maker_bps)
            self.fills.append((o.id, maker.id, price, q, tf, mf))
            fills += 1
            if maker.filled == maker.quantity:
                queue.popleft()
                del self.live[maker.id]
                if not queue:
                    del levels[key]
        return False

    def _fillable(self, o: Order, levels: SortedDict, limit: int) -> int:
        """How much of `o` would fill now, changing nothing (FOK)."""
        filled = notional = basis = fills = 0
        for key in levels.irange(maximum=limit):
            for maker in levels[key]:
                if maker.status is CANCELLED or maker.owner == o.owner:
                    continue
                if filled == o.quantity or fills == MAX_FILLS_PER_ORDER:
                    return filled
                price = maker.price
                q = min(o.quantity - filled, maker.quantity - maker.filled)
                if o.side is BUY:
                    q = min(q, affordable(o.funds, notional, basis, price, self.taker_bps))
                    if q == 0:
                        return filled
                filled, notional, fills = filled + q, notional + q * price, fills + 1
                basis += q * price * self.taker_bps
        return filled

    @staticmethod
    def _charge(o: Order, q: int, notional: int, rate: int) -> int:
        o.filled += q
        o.notional += notional
        o.fee_basis += notional * rate
        total = -(-o.fee_basis // BPS)
        fee, o.fees = total - o.fees, total
        return fee


def run_core(ops: list[tuple]) -> tuple[float, int]:
    book, fills = Book(), []
    started = time.process_time()
    for op in ops:
        if op[0] == "cancel":
            book.cancel(op[1])
        else:
            fills += book.submit(Order(*op[1:])).fills
    elapsed = time.process_time() - started
    checksum = 0
    for f in fills:
        checksum = hash((checksum, f.taker_id, f.maker_id, f.price, f.quantity,
                         f.taker_fee, f.maker_fee))
    return elapsed, checksum


def run_baseline(ops: list[tuple]) -> tuple[float, int]:
    book = SortedBook()
    started = time.process_time()
    for op in ops:
        if op[0] == "cancel":
            book.cancel(op[1])
        else:
            book.submit(Order(*op[1:]))
    elapsed = time.process_time() - started
    checksum = 0
    for f in book.fills:
        checksum = hash((checksum, *f))
    return elapsed, checksum


def compare(ops: list[tuple], rounds: int) -> str:
    best = {run_baseline: float("inf"), run_core: float("inf")}
    sums: dict = {run_baseline: set(), run_core: set()}
    for round_ in range(rounds):
        for side in (run_baseline, run_core) if round_ % 2 == 0 else (run_core, run_baseline):
            # Both sides keep every order and fill alive; the cyclic collector would rescan them
            # over and over (neither creates cycles), so it is paused for both alike.
            gc.collect()
            gc.disable()
            try:
                seconds, checksum = side(ops)
            finally:
                gc.enable()
            best[side] = min(best[side], seconds)
            sums[side].add(checksum)
    core_rate, base_rate = len(ops) / best[run_core], len(ops) / best[run_baseline]
    same = len(sums[run_core]) == 1 and sums[run_core] == sums[run_baseline]
    return (f"orders_per_s={core_rate:.0f} baseline_per_s={base_rate:.0f} "
            f"ratio={core_rate / base_rate:.2f} baseline=sortedlist "
            f"checksum_match={'yes' if same else 'no'}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.matching")
    parser.add_argument("--ops", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="sizes, each the first N operations of one workload")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--rounds", type=int, default=3, help="runs per side; the best counts")
    args = parser.parse_args()
    # One workload: operation i does not depend on how many follow, so each size is a prefix.
    ops = workload(max(args.ops), args.seed)
    for n in args.ops:
        print(compare(ops[:n], args.rounds), flush=True)


if __name__ == "__main__":
    main()
