"""`python -m bench.matching`: the pure matching core against a plain sorted-list book, same process.

Workload (pinned seed): 60% limit orders around a mid price that rest or cross (GTC 80%, IOC 10%,
FOK 10%), 20% cancels of earlier orders, 20% market orders (IOC with a price cap and funds).
Baseline: the same rules over two Python lists kept sorted with bisect.insort, popping the front
to match and deleting by search to cancel: what a first order book usually looks like.
Both must produce the same fills (checksum over every fill's ids, price, quantity and fees).
Last line: orders_per_s=... baseline_per_s=... ratio=... checksum_match=yes|no
"""
from __future__ import annotations

import argparse
import gc
import random
import time
from bisect import bisect_left, insort

from shared.domain.exchange.matching import (BPS, Book, Order, OrderStatus, Side, TimeInForce, affordable,
                                buy_funds)

MID, OWNERS = 10_000, 2_000
BUY, SELL = Side.BUY, Side.SELL
GTC, IOC, FOK = TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK


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


class SortedListBook:
    """The baseline: each side one list of (key, seq, order), smaller key better."""

    def __init__(self, maker_bps: int = 30, taker_bps: int = 50) -> None:
        self.maker_bps, self.taker_bps = maker_bps, taker_bps
        self.sides: tuple[list, list] = ([], [])
        self.live: dict[str, tuple[int, int, int, Order]] = {}
        self.seq = 0
        self.fills: list[tuple] = []

    def submit(self, o: Order) -> None:
        self.seq += 1
        o.seq = self.seq
        mine, other = (0, 1) if o.side is BUY else (1, 0)
        sign = 1 if other == 1 else -1
        book = self.sides[other]
        if o.tif is FOK and self._fillable(o, book, sign) < o.quantity:
            o.status = OrderStatus.CANCELLED
            return
        while o.filled < o.quantity and book and book[0][0] <= sign * o.price:
            key, _, maker = book[0]
            if maker.owner == o.owner:
                self.cancel(maker.id)
                continue
            price = key * sign
            q = min(o.quantity - o.filled, maker.quantity - maker.filled)
            if o.side is BUY:
                q = min(q, affordable(o.funds, o.notional, o.fee_basis, price, self.taker_bps))
            if q == 0:
                break
            tf = self._charge(o, q, price * q, self.taker_bps)
            mf = self._charge(maker, q, price * q, self.maker_bps)
            self.fills.append((o.id, maker.id, price, q, tf, mf))
            if maker.filled == maker.quantity:
                book.pop(0)
                del self.live[maker.id]
        if o.filled < o.quantity and o.tif is GTC:
            entry = (-sign * o.price, o.seq, o)
            insort(self.sides[mine], entry)
            self.live[o.id] = (mine, *entry)

    def cancel(self, order_id: str) -> None:
        found = self.live.pop(order_id, None)
        if found is not None:
            side, key, seq, _ = found
            book = self.sides[side]
            del book[bisect_left(book, (key, seq))]

    def _fillable(self, o: Order, book: list, sign: int) -> int:
        filled = notional = basis = 0
        for key, _, maker in book:
            if key > sign * o.price or filled == o.quantity:
                break
            if maker.owner == o.owner:
                continue
            q = min(o.quantity - filled, maker.quantity - maker.filled)
            if o.side is BUY:
                q = min(q, affordable(o.funds, notional, basis, key * sign, self.taker_bps))
                if q == 0:
                    break
            filled, notional, basis = filled + q, notional + q * key * sign, basis + q * key * sign * self.taker_bps
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
    started = time.perf_counter()
    for op in ops:
        if op[0] == "cancel":
            book.cancel(op[1])
        else:
            fills += book.submit(Order(*op[1:])).fills
    elapsed = time.perf_counter() - started
    checksum = 0
    for f in fills:
        checksum = hash((checksum, f.taker_id, f.maker_id, f.price, f.quantity,
                         f.taker_fee, f.maker_fee))
    return elapsed, checksum


def run_baseline(ops: list[tuple]) -> tuple[float, int]:
    book = SortedListBook()
    started = time.perf_counter()
    for op in ops:
        if op[0] == "cancel":
            book.cancel(op[1])
        else:
            book.submit(Order(*op[1:]))
    elapsed = time.perf_counter() - started
    checksum = 0
    for f in book.fills:
        checksum = hash((checksum, *f))
    return elapsed, checksum


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args()
    ops = workload(args.ops, args.seed)
    # Both sides keep every order and fill alive; the cyclic collector would rescan them over and
    # over (neither creates cycles), so it is paused for both alike.
    gc.collect()
    gc.disable()
    try:
        base_s, base_sum = run_baseline(ops)
        core_s, core_sum = run_core(ops)
    finally:
        gc.enable()
    core_rate, base_rate = len(ops) / core_s, len(ops) / base_s
    print(f"orders_per_s={core_rate:.0f} baseline_per_s={base_rate:.0f} "
          f"ratio={core_rate / base_rate:.2f} checksum_match={'yes' if core_sum == base_sum else 'no'}")


if __name__ == "__main__":
    main()
