"""Shared bench plumbing: an emulator of the bench's own, and closed-loop concurrent clients.

A measurement runs `clients` threads, each calling its own operation back to back for a fixed
time; throughput is completed operations per second, failures are counted, never retried here.
Phases alternate (floor, subject, floor, subject) and the best of each is kept, so a noisy moment
on a 2-core machine hurts both sides alike.
"""
from __future__ import annotations

import os
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent


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
    """Start an emulator on a free port and point this process's Firestore client at it."""
    sys.path[:0] = [str(ROOT), str(ROOT / "functions")]
    from dev.emulator import FirestoreEmulator

    with FirestoreEmulator(project=project) as emulator:
        os.environ.update(FIRESTORE_EMULATOR_HOST=emulator.host_port, GOOGLE_CLOUD_PROJECT=project)
        from shared.config import settings
        settings.cache_clear()
        yield emulator


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


def bare_transaction_workers(clients: int, tag: str) -> list[Callable[[int], None]]:
    """The floor: one-document read-modify-write transactions, one document per client."""
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
    """Warm both paths once (the emulator's JIT speeds up for minutes), then measure in turns."""
    floor(), subject()
    floors, subjects = [], []
    for _ in range(rounds):
        floors.append(floor())
        subjects.append(subject())
    best = lambda rates: max(rates, key=lambda r: r.per_s)  # noqa: E731
    return best(floors), best(subjects)
