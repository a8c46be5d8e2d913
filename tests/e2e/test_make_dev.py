"""`make dev` as a new user runs it: it comes up, the curl and the sign-in it prints work, Ctrl-C
leaves nothing; a killed dev server comes back on its port with its data; a kept stack stops,
starts again with its data (a pending purchase is still payable, who signed up signs in again),
and `make dev-reset` starts clean.

The stack runs as in a terminal: make in a process group of its own (the terminal's foreground
group), and Ctrl-C is a SIGINT to that whole group. The dev server and the emulator live in
groups of their own, so only the stack's clean-up can stop them; the tests check it did. Each
run keeps its data in the test's own folder (MINTBOOK_DATA_DIR), never in the repository's.
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

from dev.auth_emulator import AuthClient
from dev.emulator import free_port, port_is_free
from dev.stack import PROJECT, STACK_READY
from tests.emulator.helpers import balance, key, ok
from tests.emulator.purchases_helpers import package
from tests.support.api import Api
from tests.support.waiting import eventually

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 420   # includes creating .venv and building the web app on a fresh clone
STOP_TIMEOUT_S = 30
# Set by the session's own stack fixtures or by an outer make: a new user has none of them.
INHERITED = ("GOOGLE_CLOUD_PROJECT", "FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST",
             "MINTBOOK_TASKS_URL", "MINTBOOK_BOOTSTRAP_ADMINS", "MAKEFLAGS", "MFLAGS",
             "MAKELEVEL", "MINTBOOK_STRIPE_API_BASE", "MINTBOOK_KEEP_DATA",
             "MINTBOOK_NO_AUTH_SERVER")


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
                    raise AssertionError(f"{text!r} never printed:\n{self.tail()}")
                self.changed.wait(timeout=min(left, 0.5))

    def text(self) -> str:
        return "\n".join(self.lines)

    def tail(self, lines: int = 80) -> str:
        return "\n".join(self.lines[-lines:])


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


def sign_in_command(output: Output) -> str:
    commands = [line.strip() for line in output.lines if line.strip().startswith("TOKEN=$(")]
    assert commands, f"no sign-in command printed:\n{output.text()}"
    return commands[-1]


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


@dataclass
class MakeDev:
    """`make TARGET` started as from a terminal on free ports, keeping data in `data_dir`."""

    process: subprocess.Popen
    output: Output
    port: int
    emulator_port: int
    stripe_port: int
    auth_port: int
    web_port: int
    tree: dict[int, str] = field(default_factory=dict)

    @classmethod
    def start(cls, data_dir: Path, target: str = "dev") -> MakeDev:
        port, emulator_port, stripe_port, auth_port, web_port = (free_port() for _ in range(5))
        env = {k: v for k, v in os.environ.items() if k not in INHERITED}
        env.update(MINTBOOK_PORT=str(port), MINTBOOK_EMULATOR_PORT=str(emulator_port),
                   MINTBOOK_STRIPE_PORT=str(stripe_port), MINTBOOK_AUTH_PORT=str(auth_port),
                   MINTBOOK_WEB_PORT=str(web_port), MINTBOOK_DATA_DIR=str(data_dir))
        process = subprocess.Popen(["make", target], cwd=REPO_ROOT, env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        output = Output()
        threading.Thread(target=output.follow, args=(process.stdout,), daemon=True).start()
        return cls(process, output, port, emulator_port, stripe_port, auth_port, web_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self) -> None:
        self.output.wait_for(STACK_READY, START_TIMEOUT_S, self.process)
        self.tree.update(process_tree(self.process.pid))

    def ctrl_c(self) -> None:
        """Ctrl-C in the terminal; returns once make has exited."""
        self.tree.update(process_tree(self.process.pid))
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=STOP_TIMEOUT_S)

    def assert_all_stopped(self) -> None:
        assert "mintbook dev stack stopped" in self.output.text()
        assert still_running(self.tree) == [], f"left running: {still_running(self.tree)}"
        assert all(port_is_free(p) for p in (self.port, self.emulator_port, self.stripe_port,
                                             self.auth_port, self.web_port))

    def clean_up(self) -> None:
        _clean_up(self.process, self.tree)


def test_make_dev_serves_the_printed_curl_and_ctrl_c_stops_everything(tmp_path):
    # given free ports, and an environment like a new user's terminal
    make = MakeDev.start(tmp_path / "data")
    port, emulator_port, output = make.port, make.emulator_port, make.output
    try:
        # when it is up
        make.wait_ready()
        server_pid = printed_pid(output, "dev server")
        java_pid = printed_pid(output, "firestore emulator")
        node_pid = printed_pid(output, "auth emulator")
        web_pid = printed_pid(output, "web app")
        assert {server_pid, java_pid, node_pid, web_pid} <= make.tree.keys(), \
            f"{make.tree} lacks the printed pids"
        assert f"127.0.0.1:{port}" in output.text()
        assert f"127.0.0.1:{emulator_port}" in output.text()
        assert f"127.0.0.1:{make.auth_port}" in output.text()

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

        # and the demo world answers every list a new user would try, without signing in
        assert_living_demo(f"http://127.0.0.1:{port}", output.text())

        # and the web app answers at the printed URL, and the functions take its origin
        web_url = f"http://127.0.0.1:{make.web_port}"
        assert f"web app:            {web_url}" in output.text()
        app = requests.get(web_url + "/", timeout=30)
        assert app.status_code == 200 and "<title>Mintbook</title>" in app.text
        preflight = requests.options(f"http://127.0.0.1:{port}/get_balances", timeout=10, headers={
            "Origin": web_url, "Access-Control-Request-Method": "GET"})
        assert preflight.headers.get("Access-Control-Allow-Origin") == web_url

        # and the printed sign-in (a demo user's password, through the Auth emulator) gives a
        # real ID token that Mintbook takes
        signed_in = subprocess.run(
            ["bash", "-c", sign_in_command(output) + ' && curl -s -w "\\n%{http_code}" '
             f'-H "Authorization: Bearer $TOKEN" http://127.0.0.1:{port}/get_me'],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
        body, _, status = signed_in.stdout.rpartition("\n")
        assert signed_in.returncode == 0 and status == "200", signed_in.stdout + signed_in.stderr
        assert json.loads(body)["data"]["uid"] == "demo-bob"

        # when Ctrl-C reaches the terminal's foreground group
        make.ctrl_c()

        # then every process it started is gone and every port is free again
        make.assert_all_stopped()
    finally:
        make.clean_up()


def test_a_killed_dev_server_comes_back_on_its_port_with_the_data(tmp_path):
    # given make dev up, and a transfer made on it
    make = MakeDev.start(tmp_path / "data")
    api = Api(make.url, PROJECT)
    try:
        make.wait_ready()
        ok(api.call("POST", "create_transfer", "demo-bob", idempotency_key=key(),
                    json={"to": "demo-carol", "asset": "CHIP", "amount": 7}))
        before = balance(api, "demo-bob")
        killed = printed_pid(make.output, "dev server")

        # when the dev server is killed
        os.kill(killed, signal.SIGKILL)

        # then the stack says it restarts it, on the same port, and what the sweeps recover
        make.output.wait_for("dev server restarted", START_TIMEOUT_S, make.process)
        text = make.output.text()
        assert (f"dev server exited with -9; restarting it on port {make.port} against the same "
                "emulator (the data stays)") in text
        restarted = int(re.search(rf"dev server restarted: {make.url}  \(pid (\d+)\)",
                                  text).group(1))
        assert restarted != killed
        assert "job_markets_sweep" in text and "job_exchange_sweep" in text

        # and it answers with the data it had, and takes new calls
        assert balance(api, "demo-bob") == before
        ok(api.call("POST", "create_transfer", "demo-bob", idempotency_key=key(),
                    json={"to": "demo-carol", "asset": "CHIP", "amount": 3}))
        assert balance(api, "demo-bob")["total"] < before["total"]

        # and Ctrl-C still stops everything, the new dev server included
        make.ctrl_c()
        assert restarted in make.tree
        make.assert_all_stopped()
    finally:
        api.close()
        make.clean_up()


def _pay(make: MakeDev, purchase_id: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MINTBOOK_EMULATOR_PORT": str(make.emulator_port),
           "MINTBOOK_STRIPE_PORT": str(make.stripe_port)}
    return subprocess.run([str(REPO_ROOT / ".venv" / "bin" / "python"), "-m", "dev.pay",
                           purchase_id], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_a_kept_stack_starts_again_with_its_data_and_dev_reset_starts_clean(tmp_path):
    data = tmp_path / "data"

    # given a first make dev, a transfer and a pending purchase made on it, and Ctrl-C
    first = MakeDev.start(data)
    try:
        first.wait_ready()
        assert "nothing kept yet, demo data loaded" in first.output.text()
        api = Api(first.url, PROJECT)
        demo_balance = balance(api, "demo-bob")
        ok(api.call("POST", "create_transfer", "demo-bob", idempotency_key=key(),
                    json={"to": "demo-carol", "asset": "CHIP", "amount": 7}))
        kept_balance = balance(api, "demo-bob")
        pkg = package(api, "demo-admin", tokens=1_000, bonus=100, price=1_500)
        purchase = ok(api.call("POST", "create_purchase", "demo-bob", idempotency_key=key(),
                               json={"package_id": pkg["id"]}))
        accounts = AuthClient(f"http://127.0.0.1:{first.auth_port}", PROJECT)
        signed_up = accounts.sign_up("kept@example.com", "kept-password")
        accounts.close()
        me = api.call("GET", "get_me", headers={"Authorization": f"Bearer {signed_up.id_token}"})
        assert ok(me)["uid"] == signed_up.uid
        api.close()
        first.ctrl_c()
        text = first.output.text()
        assert re.search(r"data saved to \S+ in [\d.]+ s: the next make dev starts from it", text)
        assert text.index("data saved to") < text.index("mintbook dev stack stopped")
        first.assert_all_stopped()
    finally:
        first.clean_up()

    # when make dev starts again on the same folder
    second = MakeDev.start(data)
    try:
        second.wait_ready()
        # then it says it loaded the kept data, and the data is there
        assert ("loaded what the last stop saved (demo data loaded again: it is idempotent)"
                in second.output.text())
        api = Api(second.url, PROJECT)
        assert balance(api, "demo-bob") == kept_balance
        # and the purchase made before the stop can be paid after it (localstripe kept it too)
        paid = _pay(second, purchase["purchase_id"])
        assert paid.returncode == 0, paid.stdout + paid.stderr
        assert f"purchase {purchase['purchase_id']}: completed" in paid.stdout
        eventually(lambda: balance(api, "demo-bob")["total"] == kept_balance["total"] + 1_100,
                   timeout_s=20, what="the paid purchase's tokens")
        # and who signed up before the stop signs in after it, as the same user
        accounts = AuthClient(f"http://127.0.0.1:{second.auth_port}", PROJECT)
        again = accounts.sign_in("kept@example.com", "kept-password")
        accounts.close()
        assert again.uid == signed_up.uid
        me = api.call("GET", "get_me", headers={"Authorization": f"Bearer {again.id_token}"})
        assert ok(me)["uid"] == signed_up.uid
        api.close()
        second.ctrl_c()
        second.assert_all_stopped()
    finally:
        second.clean_up()

    # when make dev-reset starts
    third = MakeDev.start(data, target="dev-reset")
    try:
        third.wait_ready()
        # then it starts from the demo data alone
        text = third.output.text()
        assert "kept data deleted" in text and "nothing kept yet, demo data loaded" in text
        api = Api(third.url, PROJECT)
        assert balance(api, "demo-bob") == demo_balance
        api.close()
        third.ctrl_c()
        third.assert_all_stopped()
    finally:
        third.clean_up()


def assert_living_demo(base: str, banner: str) -> None:
    """Every public list of a fresh make dev has something in it, and the banner's demo reads
    answer as printed."""
    def data(path: str) -> dict:
        answer = requests.get(f"{base}/{path}", timeout=30).json()
        assert answer["success"], (path, answer)
        return answer["data"]

    assert [p["name"] for p in data("list_packages")["items"]] == ["Starter", "Popular", "Big"]
    markets = data("list_markets")["items"]
    assert {m["status"] for m in markets} >= {"open"} and len(markets) >= 2
    assert any(m["slug"] == "did-the-demo-start" and m["status"] == "resolved"
               for m in data("list_markets?status=resolved")["items"])
    assert [b["id"] for b in data("list_books")["items"]] == ["NOVA-CHIP"]
    depth = data("get_depth?book=NOVA-CHIP")
    assert depth["bids"] and depth["asks"]
    assert data("list_trades?book=NOVA-CHIP")["items"]
    assert {p["asset"] for p in data("list_prices")["items"]} >= {"CHIP", "LUNA", "NOVA"}
    assert data("get_leaderboard?period=all&category=all")["rows"]
    offers = Api(base, PROJECT).call("GET", "list_swap_offers", "demo-bob")  # signed in
    assert len(ok(offers)["items"]) == 2
    for path in ("list_markets", "get_depth?book=NOVA-CHIP", "list_prices"):
        assert f"curl -s '{base}/{path}'" in banner
