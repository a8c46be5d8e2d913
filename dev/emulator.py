"""The Google Cloud Firestore emulator, started from the jar that ships with the Google Cloud CLI.

Guarantees:
- `start()` returns only once the emulator answers `GET /` with "Ok", and raises (after stopping
  it) if it exits or stays silent past the timeout; the error carries the tail of its log.
- The emulator runs in a process group of its own and `stop()` ends the whole group, SIGTERM and
  then SIGKILL: java would outlive a wrapper that only got the signal itself. On Linux the java
  process also gets SIGTERM if the process that started it dies without calling `stop()`.
- Admin calls (`reset`, `reload_rules`, `register_trigger`, `export`) use `Bearer owner`, which
  bypasses security rules, and raise on any non-2xx answer.
- Data in and out: `import_from` (an export's .overall_export_metadata file) is loaded at start
  (`--import-data`); `export(folder)` writes every document to a new export in `folder` over the
  emulator's REST API and returns its metadata file. The jar's own `--export-on-exit` writes
  nothing (emulator 1.19.9, stopped by SIGTERM or by `POST /shutdown`: tried), so whoever wants
  the data kept exports before calling `stop()`.
- Nothing runs or reads a file until `start()` (or a method that needs it) is called.
"""
from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import requests

MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore"
JAR_IN_SDK = Path("platform/cloud-firestore-emulator/cloud-firestore-emulator.jar")
FALLBACK_SDK_ROOT = Path("/usr/lib/google-cloud-sdk")
OWNER = {"Authorization": "Bearer owner"}
DEFAULT_PROJECT = "demo-mintbook"
NO_DOCUMENTS = "__mintbook_disabled__/{never}"  # a pattern no document path can match
_PR_SET_PDEATHSIG = 1


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it; a race with others is possible)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether a server could listen on `port` now. SO_REUSEADDR, as servers set it: connections
    in TIME_WAIT from a server that just stopped do not make the port taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


@lru_cache(maxsize=1)
def find_jar() -> Path:
    """The emulator jar: $MINTBOOK_FIRESTORE_EMULATOR_JAR, else from `gcloud info`, else the
    Debian package's location."""
    override = os.environ.get("MINTBOOK_FIRESTORE_EMULATOR_JAR")
    if override:
        return Path(override)
    for root in (_sdk_root_from_gcloud(), FALLBACK_SDK_ROOT):
        if root is not None and (root / JAR_IN_SDK).is_file():
            return root / JAR_IN_SDK
    raise FileNotFoundError(
        f"Firestore emulator jar not found under the Google Cloud CLI ({JAR_IN_SDK}); install "
        "the google-cloud-cli-firestore-emulator package or set MINTBOOK_FIRESTORE_EMULATOR_JAR")


def _sdk_root_from_gcloud() -> Path | None:
    try:
        out = subprocess.run(["gcloud", "info", "--format=value(installation.sdk_root)"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out.strip()) if out.strip() else None


def die_with_parent() -> None:
    """preexec_fn: ask Linux to SIGTERM this child when its parent dies (best effort)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass


def stop_group(process: subprocess.Popen, timeout_s: float = 10.0) -> None:
    """End `process` and everything in its process group: SIGTERM, then SIGKILL after a wait."""
    if process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            pass
    # The leader may be gone while members of its group live on (a forked child, say).
    _signal_group(process.pid, signal.SIGKILL)
    process.wait()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def log_tail(path: Path | None, lines: int = 40) -> str:
    if path is None or not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class FirestoreEmulator:
    """One emulator process for one project. Usable as a context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None,
                 functions_port: int | None = None, project: str = DEFAULT_PROJECT,
                 rules_path: Path | str | None = None, log_path: Path | str | None = None,
                 import_from: Path | str | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.functions_port = functions_port
        self.project = project
        self.rules_path = Path(rules_path) if rules_path else None
        self.log_path = Path(log_path) if log_path else None
        self.import_from = Path(import_from) if import_from else None
        self.process: subprocess.Popen | None = None
        self.http = requests.Session()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def host_port(self) -> str:
        """The value for FIRESTORE_EMULATOR_HOST."""
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def command(self) -> list[str]:
        command = ["java", "-cp", str(find_jar()), MAIN_CLASS, "--host", self.host,
                   "--port", str(self.port), "--project_id", self.project]
        if self.rules_path is not None:
            command += ["--rules", str(self.rules_path)]
        if self.functions_port is not None:
            command += ["--functions_emulator", f"{self.host}:{self.functions_port}"]
        if self.import_from is not None:
            command += ["--import-data", str(self.import_from)]
        return command

    def start(self, timeout_s: float = 60.0) -> FirestoreEmulator:
        if self.process is not None:
            raise RuntimeError("emulator already started")
        # Popen duplicates the log's descriptor into the child, so ours can close at once.
        with self._open_log() as log:
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True, preexec_fn=die_with_parent)
        try:
            self._wait_ready(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def _open_log(self) -> IO[bytes]:
        if self.log_path is None:
            return open(os.devnull, "wb")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        return open(self.log_path, "wb")

    def _wait_ready(self, timeout_s: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Firestore emulator exited with {self.process.returncode}:\n"
                                   f"{log_tail(self.log_path)}")
            if self.is_ready():
                return
            time.sleep(0.05)
        raise TimeoutError(f"Firestore emulator not ready after {timeout_s}s:\n"
                           f"{log_tail(self.log_path)}")

    def is_ready(self) -> bool:
        try:
            response = self.http.get(self.url + "/", timeout=1)
        except requests.RequestException:
            return False
        return response.ok and response.text.strip() == "Ok"

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process is not None:
            stop_group(self.process, timeout_s)
        self.http.close()

    def reset(self) -> None:
        """Delete every document of the project (rules and triggers stay)."""
        url = f"{self.url}/emulator/v1/projects/{self.project}/databases/(default)/documents"
        self._check(self.http.delete(url, headers=OWNER, timeout=30))

    def export(self, folder: Path | str, timeout_s: float = 120.0) -> Path:
        """Export every document into a new subfolder of `folder` (created if missing); the
        export's .overall_export_metadata file, which `import_from` takes."""
        folder = Path(folder).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        before = set(folder.glob("*/*.overall_export_metadata"))
        body = {"database": f"projects/{self.project}/databases/(default)",
                "export_directory": str(folder)}
        self._check(self.http.post(f"{self.url}/emulator/v1/projects/{self.project}:export",
                                   headers=OWNER, json=body, timeout=timeout_s))
        made = set(folder.glob("*/*.overall_export_metadata")) - before
        if len(made) != 1:
            raise RuntimeError(f"the emulator's export left {len(made)} new exports in {folder}")
        return made.pop()

    def reload_rules(self, rules_path: Path | str | None = None) -> None:
        """Load rules from disk into the running emulator (the file given at start by default)."""
        path = Path(rules_path) if rules_path else self.rules_path
        if path is None:
            raise ValueError("no rules file given")
        body: dict[str, Any] = {
            "rules": {"files": [{"name": "firestore.rules", "content": path.read_text()}]}}
        url = f"{self.url}/emulator/v1/projects/{self.project}:securityRules"
        self._check(self.http.put(url, headers=OWNER, json=body, timeout=30))

    def register_trigger(self, name: str, event_type: str, document_pattern: str) -> None:
        """Have the emulator POST CloudEvents for `document_pattern` to trigger `name` on the
        functions emulator address. Registering the same name again replaces it."""
        url = f"{self.url}/emulator/v1/projects/{self.project}/eventarcTrigger"
        body: dict[str, Any] = {
            "eventType": event_type, "database": "(default)", "namespace": "(default)",
            "document": {"value": document_pattern, "matchType": "PATH_PATTERN"}}
        self._check(self.http.post(url, params={"eventarcTriggerId": name}, headers=OWNER,
                                   json=body, timeout=30))

    def disable_trigger(self, name: str, event_type: str) -> None:
        """Stop deliveries to trigger `name`. The emulator has no call to delete a trigger, so
        this re-registers it on a collection id Firestore reserves (__x__): no document can
        exist there. `register_trigger` turns it back on."""
        self.register_trigger(name, event_type, NO_DOCUMENTS)

    @staticmethod
    def _check(response: requests.Response) -> None:
        if not response.ok:
            raise RuntimeError(f"emulator answered {response.status_code} to "
                               f"{response.request.method} {response.url}: {response.text[:500]}")

    def __enter__(self) -> FirestoreEmulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
