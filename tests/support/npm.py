"""npm projects of the repository (clients/*, dev/auth-emulator), installed by the test run
into their own folder.

Guarantees:
- `installed(folder)` runs `npm ci` (exactly the versions in package-lock.json, nothing global)
  when folder/node_modules/.installed is missing or older than package-lock.json, the same rule
  as the Makefile's `%/node_modules/.installed` target, so `make test`, `make ts-client` and a
  bare `pytest` all work from a fresh clone and reinstall only when the lockfile changes. One
  install at a time per folder (a flock on its package-lock.json): test workers share folders.
- A missing node or npm is a test failure that says so, never a skip: node is part of the
  toolchain (README, Requirements).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dev.locks import holding

REPO_ROOT = Path(__file__).resolve().parents[2]
STAMP = Path("node_modules") / ".installed"
INSTALL_TIMEOUT_S = 900  # a cold install on a loaded machine, not a normal run


def require_node() -> None:
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.fail("node and npm are needed for the frontend tests (install Node.js 20+)",
                    pytrace=False)


def installed(folder: Path) -> Path:
    """`folder` with its node_modules matching its package-lock.json."""
    require_node()
    stamp, lock = folder / STAMP, folder / "package-lock.json"
    with holding(lock):  # another test worker may be installing the same folder
        if stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime:
            return folder
        _install(folder)
        stamp.touch()
    return folder


def _install(folder: Path) -> None:
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=folder,
                          capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    if done.returncode != 0:
        pytest.fail(f"npm ci in {folder} failed:\n{done.stderr[-3000:]}", pytrace=False)
