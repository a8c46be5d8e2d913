"""`python -m dev.killed_sequencer BOOK WHERE BATCH_SIZE`: a sequencer that dies holding its
book's lease, for the tests and the simulation that check a successor takes over.

Guarantees:
- It prints "running" once its sequencer is patched, then runs BOOK's sequencer as holder
  "doomed", BATCH_SIZE commands a batch, again and again until it wins the lease (another
  sequencer may hold it first) and reaches WHERE:
  - "between_batches": its first batch has committed;
  - "mid_transaction": inside its first batch's transaction, every write buffered, none
    committed.
- There it prints "stalled" and sleeps, holding the lease, until its parent SIGKILLs it: a kill,
  not a flag, so nothing of it runs after that point.
`spawn` starts it from this checkout, with stdout a text pipe to read those lines from.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WHERE = ("between_batches", "mid_transaction")


def spawn(book: str, where: str, batch_size: int, *, env: dict[str, str] | None = None,
          stderr: int = subprocess.DEVNULL) -> subprocess.Popen:
    """Start the doomed sequencer for `book` in a child process (`env` added to this one's)."""
    if where not in WHERE:
        raise ValueError(f"where must be one of {WHERE}, not {where!r}")
    return subprocess.Popen(
        [sys.executable, "-m", "dev.killed_sequencer", book, where, str(batch_size)],
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, cwd=ROOT,
        stdout=subprocess.PIPE, stderr=stderr, text=True)


def stall() -> None:
    print("stalled", flush=True)
    time.sleep(600)  # SIGKILLed here, holding the lease


def main(book: str, where: str, batch_size: int) -> None:
    from dev.instrument import install

    install()  # dev and test hooks (dev/instrument.py), before any product code runs
    from shared.services.exchange import batches, sequencer

    sequencer.BATCH_SIZE = batch_size
    real_write, real_process = batches._write, batches.process

    def write(*args, **kwargs):
        real_write(*args, **kwargs)
        if where == "mid_transaction":
            stall()

    def process(*args, **kwargs):
        done = real_process(*args, **kwargs)
        if where == "between_batches":
            stall()
        return done

    batches._write, batches.process = write, process
    print("running", flush=True)
    while True:
        sequencer.run(book, holder="doomed")
        time.sleep(0.02)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
