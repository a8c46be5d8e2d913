"""Shared bench plumbing: an emulator of the bench's own, and closed-loop concurrent clients.

A measurement runs `clients` threads, each calling its own operation back to back for a fixed
time; throughput is completed operations per second, failures are counted, never retried here.
Phases alternate (floor, subject, floor, subject) and the best of each is kept, so a noisy moment
on a 2-core machine hurts both sides alike.

A floor (`floor_workers`) does its subject's Firestore work and nothing else: per operation one
transaction of the same shape (`Shape`: documents read, rewritten, credited blind and created),
run by the subject's `run_transaction` and sent through the subject's `shared.store.wire`, with
one-field documents and no domain logic. So a ratio measures Mintbook's own work: its Python, the
fields it chooses to write and any request outside the transaction, not a slower client path.
"""
from __future__ import annotations

import os
import sys
import threading
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "bench_floor"


@dataclass
class Rate:
    ops: int
    failed: int
    seconds: float

    @property
    def per_s(self) -> float:
        return self.ops / self.seconds if self.seconds else 0.0


@contextmanager
def bench_emulator(project: str) -> Iterator[object]:
    """Start an emulator on a free port and point this process's Firestore client at it; tasks
    the subject enqueues (a wake-up, a recount) go to a local sink that accepts and drops them,
    as the dev server's queue would accept them (the bench measures the enqueue, not the task)."""
    sys.path[:0] = [str(ROOT), str(ROOT / "functions")]
    from dev.emulator import FirestoreEmulator

    with FirestoreEmulator(project=project) as emulator, _task_sink() as tasks_url:
        os.environ.update(FIRESTORE_EMULATOR_HOST=emulator.host_port, GOOGLE_CLOUD_PROJECT=project,
                          MINTBOOK_TASKS_URL=tasks_url)
        from shared.config import settings
        settings.cache_clear()
        yield emulator


@contextmanager
def _task_sink() -> Iterator[str]:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Accept(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Accept)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def closed_loop(workers: list[Callable[[int], None]], seconds: float) -> Rate:
    """Run each worker (called with a running counter) until the time is up."""
    done = [0] * len(workers)
    failed = [0] * len(workers)
    stop = time.monotonic() + seconds

    def loop(i: int) -> None:
        n = 0
        while time.monotonic() < stop:
            try:
                workers[i](n)
                done[i] += 1
            except Exception as exc:  # a bench counts failures; it does not hide them
                failed[i] += 1
                if failed[i] == 1:
                    print(f"worker {i} failed: {exc!r}", file=sys.stderr)
            n += 1

    started = time.monotonic()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(len(workers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Rate(sum(done), sum(failed), time.monotonic() - started)


@dataclass(frozen=True)
class Shape:
    """One subject operation's Firestore work, counted in documents: what its floor repeats.

    The reads are one get_all in the transaction: the rewritten documents, then (as a subject
    reads the receipt it is about to create) as many of the new documents as the rest.
    """
    reads: int
    rewrites: int      # read, then written back whole (wire.set)
    creates: int       # new documents (wire.create)
    blind: int = 0     # the client's own documents credited blind (wire.merge of an Increment)
    shared: int = 0    # documents every client credits blind
    shards: int = 1    # each shared credit goes to one of this many documents, by a hash

    def __post_init__(self) -> None:
        if not 0 <= self.rewrites <= self.reads <= self.rewrites + self.creates:
            raise ValueError(f"a floor reads its rewrites and then new documents: {self}")
        if self.shards < 1:
            raise ValueError(f"shared credits need at least one shard: {self}")


def floor_workers(shape: Shape, tag: str, clients: Iterable[int]) -> list[Callable[[int], None]]:
    """The floor of a subject whose operations have `shape`, for the client numbers `clients`
    (the processes of one bench take disjoint numbers; the shared documents of `tag` are common
    to all of them)."""
    from google.cloud import firestore

    from shared.store import wire
    from shared.store.client import collection
    from shared.store.transactions import run_transaction

    def make(c: int) -> Callable[[int], None]:
        own = [collection(FLOOR).document(f"{tag}-{c}-rewrite{k}") for k in range(shape.rewrites)]
        blind = [collection(FLOOR).document(f"{tag}-{c}-blind{k}") for k in range(shape.blind)]

        def operate(n: int) -> None:
            new = [collection(FLOOR).document(f"{tag}-{c}-{n}-{k}") for k in range(shape.creates)]
            shard = zlib.crc32(f"{c}-{n}".encode()) % shape.shards
            shared = [collection(FLOOR).document(f"{tag}-shared{k}-{shard}")
                      for k in range(shape.shared)]
            read = own + new[:shape.reads - shape.rewrites]

            def work(txn: firestore.Transaction) -> None:
                found = wire.get_all(txn, read)
                for ref in own:
                    wire.set(txn, ref, {"n": (found[ref.path] or {}).get("n", 0) + 1})
                for ref in blind + shared:
                    wire.merge(txn, ref, {"n": firestore.Increment(1)})
                for ref in new:
                    wire.create(txn, ref, {"n": n})

            # as a subject serializes on the one account it debits
            run_transaction(work, serialize_on=[ref.path for ref in own[:1]])

        return operate

    return [make(c) for c in clients]


def bare_transaction_workers(clients: int, tag: str) -> list[Callable[[int], None]]:
    """bench.book's floor: one-document read-modify-write transactions, one document per client,
    through the client library's own path (that bench is being replaced and keeps its floor)."""
    from google.cloud import firestore

    from shared.store.client import db

    def make(i: int) -> Callable[[int], None]:
        ref = db().collection("bench_floor").document(f"{tag}-{i}")

        @firestore.transactional
        def bump(txn: firestore.Transaction) -> None:
            snap = ref.get(transaction=txn)
            value = snap.get("n") if snap.exists else 0
            txn.set(ref, {"n": value + 1})

        return lambda n: bump(db().transaction())

    return [make(i) for i in range(clients)]


def alternate(floor: Callable[[], Rate], subject: Callable[[], Rate], rounds: int) -> tuple[Rate, Rate]:
    """Warm both paths once (the emulator's JIT speeds up for minutes), then measure in turns,
    each round in the opposite order to the one before (floor-subject, subject-floor, ...), so
    neither side is always the one measured on a warmer emulator."""
    floor(), subject()
    floors, subjects = [], []
    for n in range(rounds):
        if n % 2:
            subjects.append(subject())
            floors.append(floor())
        else:
            floors.append(floor())
            subjects.append(subject())
    best = lambda rates: max(rates, key=lambda r: r.per_s)  # noqa: E731
    return best(floors), best(subjects)
