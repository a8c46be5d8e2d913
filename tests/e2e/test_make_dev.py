"""`make dev` as a new user runs it: it comes up, the curl it prints works, Ctrl-C leaves nothing.

The stack runs as in a terminal: make in a process group of its own (the terminal's foreground
group), and Ctrl-C is a SIGINT to that whole group. The dev server and the emulator live in
groups of their own, so only the stack's clean-up can stop them; the test checks it did.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from dev.emulator import free_port, port_is_free
from dev.stack import STACK_READY

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 120   # includes creating .venv on a fresh clone
STOP_TIMEOUT_S = 30
# Set by the session's own stack fixtures or by an outer make: a new user has none of them.
INHERITED = ("GOOGLE_CLOUD_PROJECT", "FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST",
             "MINTBOOK_TASKS_URL", "MINTBOOK_BOOTSTRAP_ADMINS", "MAKEFLAGS", "MFLAGS",
             "MAKELEVEL")


@dataclass
class Output:
    """Lines a process prints, collected by a thread so the pipe never fills up."""

    lines: list[str] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def follow(self, stream) -> None:
        for raw in stream:
            with self.changed:
                self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                self.changed.notify_all()

    def wait_for(self, text: str, timeout_s: float, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while not any(text in line for line in self.lines):
                left = deadline - time.monotonic()
                if left <= 0 or process.poll() is not None:
                    raise AssertionError(f"{text!r} never printed:\n{self.text()}")
                self.changed.wait(timeout=min(left, 0.5))

    def text(self) -> str:
        return "\n".join(self.lines[-80:])


def process_tree(root: int) -> dict[int, str]:
    """{pid: start time} of `root` and all its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    started: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat:
                children.setdefault(int(stat[1]), []).append(int(entry.name))
                started[int(entry.name)] = stat[19]
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in started:
            tree[pid] = started[pid]
        todo.extend(children.get(pid, []))
    return tree


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name: state, ppid, ..., starttime at [19]."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()


def still_running(tree: dict[int, str]) -> list[int]:
    """Pids of `tree` that still run (a zombie runs nothing and holds no port: not counted)."""
    alive = []
    for pid, started in tree.items():
        stat = _stat(pid)
        if stat and stat[19] == started and stat[0] != "Z":
            alive.append(pid)
    return alive


def printed_pid(output: Output, label: str) -> int:
    for line in output.lines:
        found = re.match(rf"{label}:\s+\S+\s+\(pid (\d+)", line)
        if found:
            return int(found.group(1))
    raise AssertionError(f"no '{label}: ... (pid N)' line:\n{output.text()}")


def curl_command(output: Output) -> str:
    commands = [line.strip() for line in output.lines if line.strip().startswith("curl ")]
    assert commands, f"no curl example printed:\n{output.text()}"
    return commands[-1]


def _clean_up(make: subprocess.Popen, tree: dict[int, str]) -> None:
    """After a failure: stop what this test started, and only that (pids checked by start time).

    SIGTERM to make's group first, so the stack can stop its own process groups; then SIGKILL
    any process of the recorded tree that outlived it."""
    if make.poll() is None:
        tree.update(process_tree(make.pid))
        os.killpg(make.pid, signal.SIGTERM)
        try:
            make.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
    for pid in still_running(tree):
        os.kill(pid, signal.SIGKILL)


def test_make_dev_serves_the_printed_curl_and_ctrl_c_stops_everything():
    # given free ports, and an environment like a new user's terminal
    port, emulator_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in INHERITED}
    env.update(MINTBOOK_PORT=str(port), MINTBOOK_EMULATOR_PORT=str(emulator_port))
    make = subprocess.Popen(["make", "dev"], cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    output = Output()
    threading.Thread(target=output.follow, args=(make.stdout,), daemon=True).start()
    tree: dict[int, str] = {}
    try:
        # when it is up
        output.wait_for(STACK_READY, START_TIMEOUT_S, make)
        server_pid = printed_pid(output, "dev server")
        java_pid = printed_pid(output, "firestore emulator")
        tree.update(process_tree(make.pid))
        assert {server_pid, java_pid} <= tree.keys(), f"{tree} lacks the printed pids"
        assert f"127.0.0.1:{port}" in output.text()
        assert f"127.0.0.1:{emulator_port}" in output.text()

        # then health and the API description answer, and the printed curl works as pasted
        health = requests.get(f"http://127.0.0.1:{port}/health", timeout=10)
        assert health.status_code == 200 and health.json()["success"] is True
        openapi = requests.get(f"http://127.0.0.1:{port}/openapi.json", timeout=10)
        assert openapi.status_code == 200 and "paths" in openapi.json()
        curl = subprocess.run(["bash", "-c", curl_command(output) + " -w '\\n%{http_code}'"],
                              capture_output=True, text=True, timeout=30)
        body, _, status = curl.stdout.rpartition("\n")
        assert curl.returncode == 0 and status == "200", curl.stdout + curl.stderr
        assert json.loads(body)["success"] is True
        assert "demo data failed" not in output.text()

        # when Ctrl-C reaches the terminal's foreground group
        os.killpg(make.pid, signal.SIGINT)
        make.wait(timeout=STOP_TIMEOUT_S)

        # then every process it started is gone and both ports are free again
        assert "mintbook dev stack stopped" in output.text()
        assert still_running(tree) == [], f"left running: {still_running(tree)}"
        assert port_is_free(port) and port_is_free(emulator_port)
    finally:
        _clean_up(make, tree)
