"""A lock held across processes: the workers of one test run (pytest-xdist), and `make dev`
beside a test run, build the web app and install node_modules in the same folders.

`holding(path)` takes an exclusive flock on an existing file or folder (opened read-only, so
nothing is created or left behind) and releases it on exit, or when the process dies.
"""
from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def holding(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock
