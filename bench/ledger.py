"""`python -m bench.ledger`: ledger transfers against a floor doing their Firestore work, same
emulator.

Subject: 8 concurrent clients, each sending 1 CHIP unit from its own account to its own recipient
through the transfer service, paying the 0.1% fee (1 unit) into the one shared fee account. Each
transfer is one transaction that reads 4 documents (the sender's account, the recipient's
receivable and user, the transfer's receipt) and writes 9: the sender's account, the recipient's
account and the fee account credited blind, 2 transfers and 4 journal entries. Each phase sends
with idempotency keys of its own, so every measured transfer is new (a key used in an earlier
phase would be a replay: 4 reads and nothing written).
Floor: the same 8 clients, each operation one transaction of that shape (support.floor_workers):
4 documents read, 1 of them rewritten, 1 of the client's own and 1 shared by all credited blind,
6 created, all one-field documents, through the same wire functions and run_transaction.
Last line: transfers_per_s=... floor_per_s=... ratio=... failed=...
"""
from __future__ import annotations

import argparse

from .support import Shape, alternate, bench_emulator, closed_loop, floor_workers

FLOOR = Shape(reads=4, rewrites=1, creates=6, blind=1, shared=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with bench_emulator("bench-ledger"):
        from shared.domain.idempotency import Operation
        from shared.services import transfers, users
        from shared.services.bootstrap import ensure_platform

        ensure_platform()
        senders = [users.ensure_user(f"sender-{i}") for i in range(args.clients)]
        for i in range(args.clients):
            users.ensure_user(f"recipient-{i}")

        def sender(i: int, phase: str):
            def send(n: int) -> None:
                op = Operation.of(senders[i].uid, "create_transfer", f"bench-{phase}-{n}",
                                  {"to": f"recipient-{i}", "n": n})
                transfers.send(op, senders[i], f"recipient-{i}", "CHIP", 1)
            return send

        round_no = iter(range(1000))

        def subject_phase():
            phase = f"s{next(round_no)}"
            return closed_loop([sender(i, phase) for i in range(args.clients)], args.seconds)

        floor, subject = alternate(
            lambda: closed_loop(floor_workers(FLOOR, f"r{next(round_no)}", range(args.clients)),
                                args.seconds),
            subject_phase, args.rounds)
    ratio = subject.per_s / floor.per_s if floor.per_s else 0.0
    print(f"transfers_per_s={subject.per_s:.1f} floor_per_s={floor.per_s:.1f} "
          f"ratio={ratio:.2f} failed={subject.failed + floor.failed}")


if __name__ == "__main__":
    main()
