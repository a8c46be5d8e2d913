"""The web app (web/, Next.js) on the local stack: built once per source change and served by
`next start`, for `make dev` and the browser tests.

Guarantees:
- `build()` runs `next build` for a local build (NEXT_PUBLIC_MINTBOOK_LOCAL=1: the emulators,
  "sign in as", test cards) into web/.next-local, only when the sources changed since the last
  build (a hash of web/'s sources and clients/ts/src, kept in the build folder); a failed build
  raises with the end of its output. The environment given to the build counts as a source. `production_build()` builds with a production
  configuration into web/.next-production (the bundle scan of tests/e2e/test_web_bundle.py).
  Builds take turns (a flock on web/): test workers and make dev share these folders.
- `start()` serves the local build with `next start` on 127.0.0.1:port in a process group of its
  own, its configuration given at run time (lib/config.ts reads it per request): the functions'
  URL, the Firestore and Auth emulators, localstripe. It returns once GET / answers.
- Telemetry is off (NEXT_TELEMETRY_DISABLED=1) for every next command run from here.
- Nothing here installs node_modules: the caller does (the Makefile's stamp rule, or
  tests/support/npm.py), from web/package-lock.json.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from dev.emulator import die_with_parent, log_tail, stop_group
from dev.locks import holding

REPO_ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = REPO_ROOT / "web"
LOCAL_DIST = ".next-local"
PRODUCTION_DIST = ".next-production"
SOURCE_STAMP = "mintbook-sources.sha256"
WEB_PORT = ("MINTBOOK_WEB_PORT", 3000)
BUILD_TIMEOUT_S = 900  # a cold build on a loaded 2-core machine, not a normal one
SOURCES = (WEB_DIR / "app", WEB_DIR / "components", WEB_DIR / "lib",
           REPO_ROOT / "clients" / "ts" / "src")
CONFIG_FILES = (WEB_DIR / "package-lock.json", WEB_DIR / "next.config.ts",
                WEB_DIR / "tsconfig.json")


class WebBuildError(RuntimeError):
    """next build failed; the message ends with its output."""


def next_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "NEXT_TELEMETRY_DISABLED": "1", **extra}


def sources_hash() -> str:
    digest = hashlib.sha256()
    files = sorted(p for folder in SOURCES for p in folder.rglob("*") if p.is_file())
    for path in (*files, *CONFIG_FILES):
        digest.update(str(path.relative_to(REPO_ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _build(dist: str, env: dict[str, str], log_path: Path) -> Path:
    """`next build` into web/`dist` unless it already holds a build of these sources; one build
    at a time in web/ (two test workers, or make dev beside a test run, share its folders)."""
    with holding(WEB_DIR):
        return _build_unlocked(dist, env, log_path)


def _build_unlocked(dist: str, env: dict[str, str], log_path: Path) -> Path:
    folder = WEB_DIR / dist
    # the build's environment is part of what it was built from (NEXT_PUBLIC_* are inlined)
    wanted = hashlib.sha256(f"{sources_hash()} {sorted(env.items())}".encode()).hexdigest()
    stamp = folder / SOURCE_STAMP
    if stamp.exists() and stamp.read_text() == wanted:
        return folder
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        done = subprocess.run([str(WEB_DIR / "node_modules" / ".bin" / "next"), "build"],
                              cwd=WEB_DIR, env=next_env(MINTBOOK_WEB_DIST_DIR=dist, **env),
                              stdout=log, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_S)
    if done.returncode != 0:
        raise WebBuildError(f"next build failed ({log_path}):\n{log_tail(log_path, 60)}")
    stamp.write_text(wanted)
    return folder


def build(log_path: Path) -> Path:
    """The local build (dev sign-in, emulators, test cards), rebuilt only when sources change."""
    return _build(LOCAL_DIST, {"NEXT_PUBLIC_MINTBOOK_LOCAL": "1"}, log_path)


def production_build(log_path: Path, env: dict[str, str] | None = None) -> Path:
    """A build as a deployment makes it (no NEXT_PUBLIC_MINTBOOK_LOCAL), with `env` set too."""
    return _build(PRODUCTION_DIST, {**(env or {}), "NEXT_PUBLIC_MINTBOOK_LOCAL": ""}, log_path)


def runtime_env(api_url: str, firestore_host_port: str, auth_url: str | None,
                stripe_url: str | None) -> dict[str, str]:
    """What the running app reads (web/lib/config.ts) to find the local stack."""
    env = {"MINTBOOK_API_URL": api_url, "MINTBOOK_LOCAL_FIRESTORE": firestore_host_port,
           "MINTBOOK_FIREBASE_PROJECT_ID": "demo-mintbook", "MINTBOOK_LOCAL_AUTH": auth_url or ""}
    if os.environ.get("MINTBOOK_TRANSFER_FEE_BPS"):  # the dev server's rate, when not the default
        env["MINTBOOK_TRANSFER_FEE_BPS"] = os.environ["MINTBOOK_TRANSFER_FEE_BPS"]
    if stripe_url:
        env["MINTBOOK_LOCAL_STRIPE"] = stripe_url
    return env


@dataclass
class WebApp:
    """`next start` of the local build on one port."""

    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 60.0) -> WebApp:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [str(WEB_DIR / "node_modules" / ".bin" / "next"), "start", "--hostname",
                 "127.0.0.1", "--port", str(self.port)],
                cwd=WEB_DIR, env=next_env(MINTBOOK_WEB_DIST_DIR=LOCAL_DIST,
                                          NEXT_PUBLIC_MINTBOOK_LOCAL="1", **self.env),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=die_with_parent)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"next start exited with {self.process.returncode}:\n"
                                   f"{log_tail(self.log_path)}")
            try:
                if requests.get(self.url + "/", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise TimeoutError(f"the web app did not answer at {self.url} within {timeout_s:.0f} s:\n"
                           f"{log_tail(self.log_path)}")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)
