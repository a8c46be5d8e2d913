"""`python -m bench.hot_market`: one hot market, thousands of users committing at once, against a
floor doing their Firestore work on the same emulator.

Subject: 32 concurrent clients commit forecasts to ONE market through the
commit service (shared.services.markets.forecasts.commit, the code the commit_forecast endpoint
runs), called in process as bench.ledger calls its service. The clients are threads spread over
--processes child processes (default 4), so the clients' own Python work is not capped by one
interpreter's GIL; each process takes users in turn from its share of 3,200 funded users, so
consecutive commits are by distinct users (a user commits again, raising the forecast, only after
the others had a turn). Users who had no turn by the end commit once, unmeasured, so that every
user has a forecast in the market before the checks. Each commit is one transaction that reads 3
documents (the user's account, the commit's receipt, the user's forecast) and writes 7: the
user's account, the user's own escrow in the market credited blind, the hold, its transfer, 2
journal entries and the forecast (created on a user's first commit, updated on later ones); and
at most once per 2 s per process it enqueues a recount of the pool (to a local sink here).
Floor: the same 32 clients (same processes and threads), alternating with the subject, each
operation one transaction of that shape (support.floor_workers): 3 documents read, 2 of them
rewritten, 1 of the client's own credited blind, 4 created, all one-field documents, through the
same wire functions and run_transaction.
Users are funded in bulk: issuance credits 100 spendable accounts per transaction through
LedgerBatch and ledger.write (the ledger's own code path), which takes seconds, not minutes.
After the run it recounts the pool (the totals task's count of the pending holds) and checks
that it equals the sum of the commits the clients saw succeed, and that reconciliation is
clean; a failed check counts in `failed`.
Last line: commits_per_s=... floor_per_s=... ratio=... failed=...
"""
from __future__ import annotations

import argparse
import itertools
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from .support import Rate, Shape, alternate, bench_emulator, closed_loop, floor_workers

ASSET, FUNDS, STAKE = "CHIP", 1_000_000, 7
FUND_CHUNK = 100


def fund(uids: list[str], amount: int) -> None:
    """Credit every user `amount` from issuance, FUND_CHUNK users per ledger transaction."""
    from shared.domain.accounts import SystemAccount, system_account_id, user_account_id
    from shared.domain.idempotency import derive_id
    from shared.domain.ledger import LedgerBatch, Transfer, TransferType
    from shared.services.accounts import reads_for
    from shared.store import ledger as ledger_store
    from shared.store.transactions import run_transaction

    issuance = system_account_id(SystemAccount.ISSUANCE, ASSET)

    def chunk(part: list[str]) -> None:
        accounts = [user_account_id(uid, ASSET) for uid in part]

        def work(txn) -> None:
            read = ledger_store.read(txn, reads_for(credited=accounts))  # their receivables
            batch = LedgerBatch(read.accounts)
            for account in accounts:
                batch.transfer(Transfer(id=derive_id("bench-fund", account), asset=ASSET,
                                        debit_account_id=issuance, credit_account_id=account,
                                        amount=amount, type=TransferType.ADJUSTMENT,
                                        reference="bench", memo="bench funding"))
            ledger_store.write(txn, batch.result)

        run_transaction(work, deadline_s=120)

    parts = [uids[i:i + FUND_CHUNK] for i in range(0, len(uids), FUND_CHUNK)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(chunk, parts))


def create_market() -> str:
    from shared.domain.idempotency import Operation
    from shared.domain.markets.market import Category, Outcome
    from shared.domain.users import Role, User
    from shared.services.markets import catalog

    moderator = User("bench-moderator", role=Role.MODERATOR)
    fields = {"slug": "hot-bench", "title": "Will the bench hold?", "category": Category.CRYPTO,
              "outcomes": (Outcome("yes", "Yes"), Outcome("no", "No")),
              "closes_at": datetime.now(timezone.utc) + timedelta(hours=1),
              "max_per_user": FUNDS, "asset": ASSET}
    return catalog.create(Operation.of(moderator.uid, "create_market", "bench", {}), moderator,
                          fields)["id"]


class Committers:
    """One process's subject clients: a shared turn counter picks the user of each commit."""

    def __init__(self, market_id: str, uids: list[str]):
        from shared.domain.users import User

        self.market_id, self.users = market_id, [User(uid) for uid in uids]
        self.turns = itertools.count()
        self.lock = threading.Lock()
        self.committed = 0            # amount of every commit the service confirmed
        self.distinct: set[str] = set()

    def workers(self, clients: int):
        return [self.commit for _ in range(clients)]

    def commit(self, n: int) -> None:
        with self.lock:
            turn = next(self.turns)
        self.commit_as(self.users[turn % len(self.users)], turn)

    def cover(self, threads: int) -> tuple[int, int]:
        """One commit by each user who has none yet: (commits tried, commits failed)."""
        with self.lock:
            todo = [(u, next(self.turns)) for u in self.users if u.uid not in self.distinct]

        def attempt(job) -> bool:
            try:
                self.commit_as(*job)
                return True
            except Exception as exc:  # counted and reported, like closed_loop's failures
                print(f"top-up commit failed: {exc!r}", file=sys.stderr)
                return False

        with ThreadPoolExecutor(threads) as pool:
            return len(todo), sum(not ok for ok in pool.map(attempt, todo))

    def commit_as(self, user, turn: int) -> None:
        from shared.domain.idempotency import Operation
        from shared.services.markets import forecasts

        outcome = "yes" if zlib.crc32(user.uid.encode()) % 3 else "no"  # fixed per user
        body = {"market_id": self.market_id, "outcome": outcome, "amount": STAKE}
        answer = forecasts.commit(Operation.of(user.uid, "commit_forecast", f"t{turn}", body),
                                          user, self.market_id, outcome, STAKE)
        assert answer["amount"] == STAKE and answer["outcome"] == outcome
        with self.lock:
            self.committed += STAKE
            self.distinct.add(user.uid)


def client_process(conn, market_id: str, uids: list[str], clients: range, floor: Shape) -> None:
    """A child process running the clients numbered `clients` (threads) per phase, on command
    from the parent."""
    threads = len(clients)
    committers = Committers(market_id, uids)
    while True:
        command = conn.recv()
        if command is None:
            return
        kind, seconds, tag = command
        if kind == "cover":
            conn.send(committers.cover(threads))
            continue
        workers = (committers.workers(threads) if kind == "commit"
                   else floor_workers(floor, tag, clients))
        rate = closed_loop(workers, seconds)
        conn.send((rate.ops, rate.failed, rate.seconds, committers.committed,
                   len(committers.distinct)))


class Clients:
    """`clients` closed-loop clients spread over `processes` child processes (threads in each),
    so the clients' own Python work is not serialized by one interpreter's GIL. The floor and
    the subject run on the same clients."""

    def __init__(self, market_id: str, uids: list[str], clients: int, processes: int,
                 floor: Shape):
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # no fork of a live gRPC client
        self.pipes, self.children = [], []
        first = 0
        for p in range(processes):
            threads = clients // processes + (1 if p < clients % processes else 0)
            numbers, first = range(first, first + threads), first + threads
            parent, child = context.Pipe()
            proc = context.Process(target=client_process, daemon=True,
                                   args=(child, market_id, uids[p::processes], numbers, floor))
            proc.start()
            self.pipes.append(parent)
            self.children.append(proc)
        self.committed = self.distinct = 0

    def phase(self, kind: str, seconds: float, tag: str = "") -> Rate:
        for pipe in self.pipes:
            pipe.send((kind, seconds, tag))
        answers = [pipe.recv() for pipe in self.pipes]
        if kind == "commit":
            self.committed = sum(a[3] for a in answers)
            self.distinct = sum(a[4] for a in answers)  # the processes' users are disjoint
        return Rate(sum(a[0] for a in answers), sum(a[1] for a in answers),
                    max(a[2] for a in answers))

    def cover(self) -> tuple[int, int]:
        """Unmeasured: a commit by each user who has not committed yet (tried, failed)."""
        for pipe in self.pipes:
            pipe.send(("cover", 0, ""))
        covers = [pipe.recv() for pipe in self.pipes]
        for pipe in self.pipes:
            pipe.send(("commit", 0, ""))  # a zero-length phase reports the totals
        answers = [pipe.recv() for pipe in self.pipes]
        self.committed = sum(a[3] for a in answers)
        self.distinct = sum(a[4] for a in answers)
        return sum(c[0] for c in covers), sum(c[1] for c in covers)

    def close(self) -> None:
        for pipe, proc in zip(self.pipes, self.children):
            pipe.send(None)
            proc.join(timeout=30)


def check(market_id: str, committed: int) -> list[str]:
    """Problems found after the run: pool != confirmed commits, or reconciliation drift."""
    from shared.services import reconciliation
    from shared.services.markets import totals
    from shared.store.markets import market as store

    pool = totals.refresh(market_id)["pool"]
    problems = []
    if pool != committed:
        problems.append(f"the pool counts {pool}, clients saw {committed} committed")
    # every account in one step, at one read time (the zero sum summed, not argued)
    report = reconciliation.run(accounts_per_step=10**9)
    if not report["ok"]:
        problems.append(f"reconciliation drift: {report['drift'][:3]}")
    print(f"check: pool={pool} committed={committed} forecasters="
          f"{store.forecasters(market_id)} reconciliation_ok={report['ok']}", file=sys.stderr)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--users", type=int, default=3_200)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=4,
                        help="child processes the clients are spread over (threads in each)")
    args = parser.parse_args()
    with bench_emulator("bench-hot-market"):
        from shared.services.bootstrap import ensure_platform

        ensure_platform()
        started = time.monotonic()
        uids = [f"user-{i:05d}" for i in range(args.users)]
        fund(uids, FUNDS)
        market_id = create_market()
        print(f"funded {len(uids)} users in {time.monotonic() - started:.1f}s", file=sys.stderr)
        floor_shape = Shape(reads=3, rewrites=2, creates=4, blind=1)
        clients = Clients(market_id, uids, args.clients, args.processes, floor_shape)
        try:
            round_no = iter(range(1000))
            floor, subject = alternate(
                lambda: clients.phase("floor", args.seconds, f"r{next(round_no)}"),
                lambda: clients.phase("commit", args.seconds), args.rounds)
            late, late_failed = clients.cover()
        finally:
            clients.close()
        problems = check(market_id, clients.committed)
        if late_failed or clients.distinct < args.users:
            problems.append(f"{clients.distinct} of {args.users} users committed "
                            f"({late_failed} top-up commits failed)")
    print(f"users={args.users} distinct_committers={clients.distinct} (unmeasured top-up: {late}) "
          f"processes={args.processes} problems={len(problems)}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    ratio = subject.per_s / floor.per_s if floor.per_s else 0.0
    print(f"commits_per_s={subject.per_s:.1f} floor_per_s={floor.per_s:.1f} "
          f"ratio={ratio:.2f} failed={subject.failed + floor.failed + len(problems)}")


if __name__ == "__main__":
    main()
