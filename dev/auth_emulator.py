"""The Firebase Auth emulator, from firebase-tools (npm), for `make dev` and the tests: real
sign-up, sign-in, custom claims and disabled or deleted accounts locally.

Guarantees:
- firebase-tools is the version pinned in dev/auth-emulator/package-lock.json, installed there
  by `npm ci` under the stamp rule (the Makefile's `%/node_modules/.installed`,
  tests/support/npm.py); nothing global. `available()` says whether it is installed.
- `start()` runs `firebase emulators:start --only auth --project P` in a process group of its
  own and returns at once: firebase-tools takes seconds to start (it loads the emulator's API
  description), so callers start it first, do their other work, and call `wait_ready()` last.
  `wait_ready()` returns once the emulator answers, and raises (after stopping it) with the tail
  of its log if it exits or stays silent past the timeout. `stop()` ends the group.
- Its configuration is the `emulators` section of the repository's firebase.json (the emulator
  UI disabled: its download is unreachable, and it is not needed) with this run's ports: `auth`
  on `port`, and the hub and logging servers firebase-tools starts beside it on free ports. It
  is written into `folder` with a TMPDIR of its own there, where firebase-tools keeps its hub's
  locator file, so two runs for the same project (`make dev` beside `make test`) share nothing.
  Everything listens on 127.0.0.1.
- Data: `import_from` (a folder `export()` wrote) is loaded at start (`--import`); `export()`
  writes every account through the hub's export call, in the format `--import` reads.
- Accounts, over the emulator's REST API (what the Firebase SDKs and the Admin SDK call): a user
  signs up, signs in and refreshes with an API key (any key works locally); admin calls
  (`Bearer owner`) create an account with a chosen uid, read, disable, revoke and delete one.
  Each raises AuthError with the emulator's message (EMAIL_EXISTS, USER_DISABLED, ...) on a
  non-2xx answer. `python -m dev.auth_emulator sign-in EMAIL PASSWORD` prints an ID token from
  the Auth emulator of `make dev`.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from dev.emulator import die_with_parent, free_port, log_tail, stop_group

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = REPO_ROOT / "dev" / "auth-emulator"
FIREBASE = PACKAGE / "node_modules" / ".bin" / "firebase"
INSTALLED = PACKAGE / "node_modules" / ".installed"
REPO_CONFIG = REPO_ROOT / "firebase.json"
DEFAULT_PROJECT = "demo-mintbook"
DEFAULT_PORT = 9099  # dev/stack.py's AUTH_PORT, and firebase.json's
API_KEY = "local"  # the emulator takes any key; the SDKs must send one
OWNER = {"Authorization": "Bearer owner"}
EXPORT_METADATA = "firebase-export-metadata.json"


def available() -> bool:
    """Whether firebase-tools is installed from the lockfile (make dev and make test do it)."""
    return FIREBASE.exists() and INSTALLED.exists() and shutil.which("node") is not None


def exported(folder: Path) -> bool:
    """Whether `folder` holds an export that `import_from` can load."""
    return (folder / EXPORT_METADATA).is_file()


class AuthError(RuntimeError):
    """The Auth emulator refused a call; `reason` is its message (EMAIL_EXISTS, USER_DISABLED)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"Auth emulator answered {status}: {reason}")
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class SignedIn:
    """What signing up or in hands a client: the uid, an ID token and a refresh token."""

    uid: str
    id_token: str
    refresh_token: str




class AuthClient:
    """The Auth emulator's REST API at `url`, for one project."""

    def __init__(self, url: str, project: str = DEFAULT_PROJECT) -> None:
        self.url, self.project = url.rstrip("/"), project
        self.http = requests.Session()

    def close(self) -> None:
        self.http.close()

    # A user's calls, as the Firebase JS SDK makes them.

    def sign_up(self, email: str, password: str) -> SignedIn:
        return self._signed_in(self._user_call("accounts:signUp", email, password))

    def sign_in(self, email: str, password: str) -> SignedIn:
        return self._signed_in(self._user_call("accounts:signInWithPassword", email, password))

    def refresh(self, refresh_token: str) -> SignedIn:
        """A new ID token for the session, carrying the account's custom claims as they are."""
        body = self._check(self.http.post(
            f"{self.url}/securetoken.googleapis.com/v1/token", params={"key": API_KEY},
            data={"grant_type": "refresh_token", "refresh_token": refresh_token}, timeout=10))
        return SignedIn(body["user_id"], body["id_token"], body["refresh_token"])

    def _user_call(self, method: str, email: str, password: str) -> dict:
        return self._check(self.http.post(
            f"{self.url}/identitytoolkit.googleapis.com/v1/{method}", params={"key": API_KEY},
            json={"email": email, "password": password, "returnSecureToken": True}, timeout=10))

    @staticmethod
    def _signed_in(body: dict) -> SignedIn:
        return SignedIn(body["localId"], body["idToken"], body["refreshToken"])

    # Admin calls, as firebase-admin or the Firebase console make them.

    def create_account(self, uid: str, email: str, password: str) -> bool:
        """An account with a chosen uid; False when the uid or the email is taken already."""
        try:
            self._admin("accounts", {"localId": uid, "email": email, "password": password})
        except AuthError as err:
            if err.reason.startswith(("DUPLICATE_LOCAL_ID", "EMAIL_EXISTS")):
                return False
            raise
        return True

    def account(self, uid: str) -> dict | None:
        """The account as the Admin API returns it (customAttributes, disabled, validSince)."""
        users = self._admin("accounts:lookup", {"localId": [uid]}).get("users") or []
        return users[0] if users else None

    def custom_claims(self, uid: str) -> dict:
        found = self.account(uid) or {}
        return json.loads(found.get("customAttributes") or "{}")

    def set_disabled(self, uid: str, disabled: bool = True) -> None:
        self._admin("accounts:update", {"localId": uid, "disableUser": disabled})

    def revoke_sessions(self, uid: str) -> None:
        """Tokens issued before this second are refused (firebase-admin's revoke_refresh_tokens)."""
        self._admin("accounts:update", {"localId": uid, "validSince": str(int(time.time()))})

    def delete_account(self, uid: str) -> None:
        self._admin("accounts:delete", {"localId": uid})

    def clear(self) -> None:
        """Delete every account of the project."""
        self._check(self.http.delete(f"{self.url}/emulator/v1/projects/{self.project}/accounts",
                                     timeout=10))

    def _admin(self, method: str, body: dict) -> dict:
        url = f"{self.url}/identitytoolkit.googleapis.com/v1/projects/{self.project}/{method}"
        return self._check(self.http.post(url, json=body, headers=OWNER, timeout=10))

    @staticmethod
    def _check(answer: requests.Response) -> dict:
        try:
            body = answer.json()
        except ValueError:
            body = {}
        if not answer.ok:
            reason = (body.get("error") or {}).get("message") or answer.text[:200]
            raise AuthError(answer.status_code, reason)
        return body


@dataclass
class AuthEmulator:
    folder: Path
    port: int = field(default_factory=free_port)
    project: str = DEFAULT_PROJECT
    import_from: Path | None = None
    hub_port: int = field(default_factory=free_port)
    logging_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    host: str = "127.0.0.1"
    answered: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.http = requests.Session()
        self.accounts = AuthClient(self.url, self.project)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def host_port(self) -> str:
        """The value for FIREBASE_AUTH_EMULATOR_HOST."""
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def log_path(self) -> Path:
        return self.folder / "auth-emulator.log"

    def config(self) -> dict[str, Any]:
        """The repository's emulator settings, with this run's hosts and ports."""
        emulators = dict(json.loads(REPO_CONFIG.read_text()).get("emulators", {}))
        emulators.pop("firestore", None)  # the Firestore emulator is the Cloud CLI's jar
        for name, port in (("auth", self.port), ("hub", self.hub_port),
                           ("logging", self.logging_port)):
            emulators[name] = {**emulators.get(name, {}), "host": self.host, "port": port}
        emulators.setdefault("ui", {"enabled": False})
        return {"emulators": emulators}

    def command(self, config_path: Path) -> list[str]:
        command = [str(FIREBASE), "--config", str(config_path), "emulators:start", "--only",
                   "auth", "--project", self.project]
        if self.import_from is not None:
            command += ["--import", str(self.import_from)]
        return command

    def start(self) -> AuthEmulator:
        """Launch firebase-tools and return at once; `wait_ready()` waits for it."""
        if self.process is not None:
            raise RuntimeError("Auth emulator already started")
        if not available():
            raise FileNotFoundError(f"firebase-tools is not installed in {PACKAGE} (make dev "
                                    "and make test install it; it needs Node.js 20+)")
        tmp = self.folder / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        config_path = self.folder / "firebase.json"
        config_path.write_text(json.dumps(self.config(), indent=2) + "\n")
        # The emulator hosts of the process that starts it are not firebase-tools' business.
        env = {name: value for name, value in os.environ.items()
               if not name.endswith("_EMULATOR_HOST")}
        env.update(TMPDIR=str(tmp), NO_UPDATE_NOTIFIER="1")
        with open(self.log_path, "wb") as log:  # Popen hands the child its own descriptor
            self.process = subprocess.Popen(self.command(config_path), cwd=self.folder, env=env,
                                            stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True,
                                            preexec_fn=die_with_parent)
        return self

    def wait_ready(self, timeout_s: float = 120.0) -> AuthEmulator:
        """Return once the emulator answers; at once when it already has."""
        if self.process is None:
            raise RuntimeError("Auth emulator not started")
        if self.answered:
            return self
        deadline = time.monotonic() + timeout_s
        while not self.is_ready():
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"Auth emulator exited with {self.process.returncode}:\n"
                                   f"{log_tail(self.log_path)}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"Auth emulator not ready after {timeout_s}s:\n"
                                   f"{log_tail(self.log_path)}")
            time.sleep(0.1)
        self.answered = True
        return self

    def is_ready(self) -> bool:
        try:
            answer = self.http.get(self.url + "/", timeout=1)
            return answer.ok and answer.json().get("authEmulator", {}).get("ready") is True
        except (requests.RequestException, ValueError):
            return False

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process is not None:
            stop_group(self.process, timeout_s)
        self.http.close()
        self.accounts.close()

    def export(self, folder: Path) -> Path:
        """Every account into `folder` (replaced; its parent must exist), through the hub."""
        answer = self.http.post(f"http://{self.host}:{self.hub_port}/_admin/export",
                                json={"path": str(Path(folder).resolve()),
                                      "initiatedBy": "mintbook"}, timeout=60)
        if not answer.ok or not exported(folder):
            raise RuntimeError(f"the Auth emulator's export failed ({answer.status_code}): "
                               f"{answer.text[:300]}")
        return folder


def main(argv: list[str] | None = None) -> int:
    """`python -m dev.auth_emulator sign-in|sign-up EMAIL PASSWORD`: an ID token on stdout, for
    `Authorization: Bearer`, from the Auth emulator of `make dev` ($MINTBOOK_AUTH_PORT)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m dev.auth_emulator",
                                     description="Sign up or in with the local Auth emulator; "
                                                 "prints the ID token (the uid on stderr).")
    parser.add_argument("action", choices=("sign-in", "sign-up"))
    parser.add_argument("email")
    parser.add_argument("password")
    args = parser.parse_args(argv)
    port = int(os.environ.get("MINTBOOK_AUTH_PORT") or DEFAULT_PORT)
    client = AuthClient(f"http://127.0.0.1:{port}")
    try:
        call = client.sign_in if args.action == "sign-in" else client.sign_up
        signed_in = call(args.email, args.password)
    except AuthError as err:
        print(f"{args.action} refused: {err.reason}", file=sys.stderr)
        return 1
    except requests.RequestException:
        print(f"no Auth emulator at 127.0.0.1:{port}: is make dev running (MINTBOOK_AUTH_PORT)?",
              file=sys.stderr)
        return 1
    finally:
        client.close()
    print(f"uid {signed_in.uid}; the ID token lives an hour", file=sys.stderr)
    print(signed_in.id_token)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
