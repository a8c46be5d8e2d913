"""`python -m bench.ledger`: ledger transfers against a bare-transaction floor, same emulator.

Subject: 8 concurrent clients, each sending 1 CHIP unit from its own account to its own recipient
through the transfer service, paying the 0.1% fee (1 unit) into the one shared fee account.
Floor: the same 8 clients doing bare one-document read-modify-write transactions on 8 documents.
Last line: transfers_per_s=... floor_per_s=... ratio=... failed=...
"""
from __future__ import annotations

import argparse

from .support import alternate, bare_transaction_workers, bench_emulator, closed_loop


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

        def sender(i: int):
            def send(n: int) -> None:
                op = Operation.of(senders[i].uid, "create_transfer", f"bench-{n}",
                                  {"to": f"recipient-{i}", "n": n})
                transfers.send(op, senders[i], f"recipient-{i}", "CHIP", 1)
            return send

        round_no = iter(range(1000))
        floor, subject = alternate(
            lambda: closed_loop(bare_transaction_workers(args.clients, f"r{next(round_no)}"), args.seconds),
            lambda: closed_loop([sender(i) for i in range(args.clients)], args.seconds),
            args.rounds)
    ratio = subject.per_s / floor.per_s if floor.per_s else 0.0
    print(f"transfers_per_s={subject.per_s:.1f} floor_per_s={floor.per_s:.1f} "
          f"ratio={ratio:.2f} failed={subject.failed + floor.failed}")


if __name__ == "__main__":
    main()
