"""gcloud-tasks-emulator, the Cloud Tasks API served locally over gRPC, for tests that exercise the
real google-cloud-tasks client path (shared/integrations/tasks.py with no MINTBOOK_TASKS_URL).

Guarantees:
- It runs from its own virtualenv (.venv-tasks, from requirements-tasks.txt: it needs
  protobuf < 5) in a process group of its own; `stop()` ends the group.
- It listens on 127.0.0.1 only (dev/tasks_emulator_server.py binds it there).
- Each queue in `queues` exists once `start()` returns, which is once the gRPC API answers.
- `env()` is what product code needs to use it: MINTBOOK_TASKS_EMULATOR_HOST (read by
  shared.config). Nothing else in the code knows it is not Cloud Tasks.

What it is not (gcloud-tasks-emulator 0.6.2): it accepts a task name that is already taken
(Cloud Tasks answers ALREADY_EXISTS for about an hour), checks neither the task name's form nor
the schedule time's range, mints no OIDC token when it delivers, and POSTs each task to its URL
as soon as it is due while its queue is RUNNING (pause the queue to hold tasks for inspection).
"""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from dev.emulator import die_with_parent, free_port, stop_group

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV = REPO_ROOT / ".venv-tasks"
PYTHON = VENV / "bin" / "python"
INSTALLED = VENV / "bin" / "gcloud-tasks-emulator"  # the package's script: pip installed it


def available() -> bool:
    return PYTHON.exists() and INSTALLED.exists()


@dataclass
class TasksEmulator:
    queues: tuple[str, ...] = ()  # full names: projects/P/locations/L/queues/Q
    port: int = field(default_factory=free_port)
    log_path: Path | None = None
    process: subprocess.Popen | None = None

    @property
    def host_port(self) -> str:
        """The value for MINTBOOK_TASKS_EMULATOR_HOST."""
        return f"127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {"MINTBOOK_TASKS_EMULATOR_HOST": self.host_port}

    def start(self, timeout_s: float = 30.0) -> TasksEmulator:
        import grpc

        command = [str(PYTHON), "-m", "dev.tasks_emulator_server", "--port", str(self.port)]
        for queue in self.queues:
            command += ["--queue", queue]
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(command, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
                                        stdout=output, stderr=output, start_new_session=True,
                                        preexec_fn=die_with_parent)
        deadline = time.monotonic() + timeout_s
        with grpc.insecure_channel(self.host_port) as channel:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the Cloud Tasks emulator exited with "
                                       f"{self.process.returncode}")
                try:
                    grpc.channel_ready_future(channel).result(timeout=0.2)
                    return self
                except grpc.FutureTimeoutError:
                    continue
        self.stop()
        raise TimeoutError(f"the Cloud Tasks emulator is not ready at {self.host_port}")

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)
