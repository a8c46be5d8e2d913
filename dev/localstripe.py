"""localstripe, the local Stripe API, for `make dev` and the tests.

Guarantees:
- It runs from its own virtualenv (.venv-stripe, from requirements-stripe.txt: it pins an old
  aiohttp) in a process group of its own; `stop()` ends the group.
- It listens on 127.0.0.1 only (dev/localstripe_server.py runs localstripe's app there: its
  unauthenticated /_config/webhooks must not be reachable from the network).
- It starts empty and keeps its store in memory, unless `data_file` is given: then it loads the
  store from that file and writes every change back to it.
- `start()` returns once the API answers, then registers the dev server's webhook URL with the
  local signing secret, so localstripe POSTs signed payment events (about 1 s after a payment
  succeeds or fails) exactly as Stripe would.
- `env()` is what the dev server needs to use it: MINTBOOK_STRIPE_API_BASE. Nothing else in the
  code knows it is not Stripe.
"""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from dev.emulator import die_with_parent, free_port, stop_group

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV = REPO_ROOT / ".venv-stripe"
PYTHON = VENV / "bin" / "python"
INSTALLED = VENV / "bin" / "localstripe"  # the package's script: pip installed localstripe
WEBHOOK_ID = "mintbook"


def available() -> bool:
    return PYTHON.exists() and INSTALLED.exists()


@dataclass
class LocalStripe:
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    data_file: Path | None = None
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {"MINTBOOK_STRIPE_API_BASE": self.url}

    def start(self, timeout_s: float = 30.0) -> LocalStripe:
        command = [str(PYTHON), "-m", "dev.localstripe_server", "--port", str(self.port)]
        if self.data_file is not None:
            command += ["--data", str(self.data_file)]
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                                        stdout=output, stderr=output, start_new_session=True,
                                        preexec_fn=die_with_parent)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"localstripe exited with {self.process.returncode}")
            try:
                requests.get(f"{self.url}/v1/balance", timeout=1,
                             auth=("sk_test_local", ""))
                return self
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"localstripe not ready at {self.url}")

    def send_webhooks_to(self, url: str, secret: str) -> None:
        response = requests.post(f"{self.url}/_config/webhooks/{WEBHOOK_ID}",
                                 data={"url": url, "secret": secret}, timeout=5)
        response.raise_for_status()

    def flush(self) -> None:
        requests.delete(f"{self.url}/_config/data", timeout=5).raise_for_status()

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)
