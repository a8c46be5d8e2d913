"""`python -m bench.big_market [--forecasters N]`: one market of N forecasters (default 50,000)
resolved and settled through the real functions, counted as production would bill it.

It starts a stack of its own: the emulator, the Firestore counter in front of it
(dev/firestore_counter.py), a dev server pointed at the counter (no schedule loop) with every
trigger registered. Then:
1. FOLLOWERS followers of the market's category, and the market, created through create_market
   (its trigger notifies the followers, a page at a time);
2. N forecasters seeded straight through the ledger's code, triggers off (bench/big_market_seed.py:
   each funded, committing and raising once, some with a past), and the market's accounts
   checked against the commits;
3. triggers on; resolve_market called once the market is closed: it must answer at once; then
   the wait until the market's settlement is "settled" and every notification and badge is
   written (settlement's, the followers', the badges' own);
4. the market's accounts checked against the pure plan (computed here, in memory), every pool
   empty, the fee share holding the cut.
Everything the stack sent to Firestore from the resolution to the end is counted: the largest
commit (writes, MiB), the most writes one document took in a second, and the dev server's peak
memory (VmHWM). The bench's own seeding and checks go straight to the emulator, uncounted.
Last line: forecasters=... resolved=yes settled=yes max_writes_per_txn=... max_txn_mib=...
busiest_doc_writes_per_s=... peak_rss_mib=... drift=... seconds=...
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")  # as bench.count: no fork handlers

from bench import big_market_seed as seeding  # noqa: E402
from bench.count_setups import Call, Client  # noqa: E402
from dev.firestore_bill import busiest  # noqa: E402
from dev.firestore_counter import FirestoreCounter  # noqa: E402

ADMIN, CATEGORY, WINNER = "demo-admin", "crypto", "yes"
CLOSE_S = 20          # the market closes this long after its creation
FOLLOWERS = 1_000
LOG_DIR = ROOT / ".stack"


class Stack(NamedTuple):
    client: Client
    counter: FirestoreCounter
    emulator: object
    server_pid: int


class Result(NamedTuple):
    forecasters: int
    resolved: bool
    settled: bool
    max_writes_per_txn: int
    max_txn_mib: float
    busiest_doc_writes_per_s: int
    busiest_doc: str
    peak_rss_mib: float
    drift: int
    seconds: float

    def line(self) -> str:
        yes = lambda ok: "yes" if ok else "no"  # noqa: E731
        return (f"forecasters={self.forecasters} resolved={yes(self.resolved)} "
                f"settled={yes(self.settled)} max_writes_per_txn={self.max_writes_per_txn} "
                f"max_txn_mib={self.max_txn_mib:.2f} "
                f"busiest_doc_writes_per_s={self.busiest_doc_writes_per_s} "
                f"peak_rss_mib={self.peak_rss_mib:.0f} drift={self.drift} "
                f"seconds={self.seconds:.0f}")


@contextmanager
def stack(name: str = "big-market", counted: bool = True) -> Iterator[Stack]:
    """Emulator, counter and dev server; this process talks to the emulator directly. Not
    `counted`: the dev server talks to the emulator directly too (the counter, a proxy in this
    process, then sees nothing, and adds no hop to a latency measured through it)."""
    from dev.emulator import FirestoreEmulator, free_port, stop_group
    from dev.instrument import install
    from dev.stack import PROJECT, RULES_FILE, server_env, start_server, wait_for_server

    install()
    port = free_port()
    emulator = FirestoreEmulator(port=free_port(), functions_port=port, project=PROJECT,
                                 rules_path=RULES_FILE, log_path=LOG_DIR / f"{name}-emulator.log")
    with emulator, FirestoreCounter(emulator.host_port) as counter:
        os.environ.update(server_env(emulator.host_port, port))
        from shared.config import settings
        from shared.store import assets, exchange
        from shared.store.client import db
        # A stack after another in this process: its client and caches were the old emulator's.
        settings.cache_clear()
        db.cache_clear()
        assets.forget_cache()
        exchange.forget_cache()
        log_path = LOG_DIR / f"{name}-server.log"
        with open(log_path, "wb") as log:
            upstream = counter.host_port if counted else emulator.host_port
            server = start_server(port, server_env(upstream, port), output=log)
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_for_server(server, base_url)
            yield Stack(Client(base_url, PROJECT), counter, emulator, server.pid)
        except BaseException:
            print(f"the dev server's log: {log_path}", file=sys.stderr)
            raise
        finally:
            stop_group(server)


def triggers(emulator, on: bool) -> None:
    from dev.server import load_manifest
    from dev.stack import register_triggers

    events = [f for f in load_manifest().FUNCTIONS if f.kind == "event"]
    if on:
        register_triggers(emulator, events)
    else:
        for function in events:
            emulator.disable_trigger(function.name, function.event_type)


def create_market(s: Stack, followers: int, forecasters: int) -> dict:
    from google.cloud import firestore

    from shared.services.bootstrap import ensure_platform
    from shared.store.client import db

    ensure_platform()
    for i in range(0, followers, 400):
        batch = db().batch()
        for k in range(i, min(i + 400, followers)):
            batch.set(db().document(f"follows/fan-{k:06d}_{CATEGORY}"),
                      {"owner": f"fan-{k:06d}", "category": CATEGORY,
                       "created_at": firestore.SERVER_TIMESTAMP})
        batch.commit()
    now = datetime.now(timezone.utc)
    body = {"slug": f"big-{uuid.uuid4().hex[:8]}", "title": "Will the big market settle?",
            "category": CATEGORY, "outcomes": [{"id": "yes", "label": "Yes"},
                                               {"id": "no", "label": "No"}],
            "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(seconds=CLOSE_S)).isoformat(),
            "max_per_user": 10**9, "cut_bps": 250}
    market = s.client.ok("POST", "create_market", ADMIN, body)
    return {**market, "opens_at": datetime.fromisoformat(market["opens_at"]),
            "closes_at": datetime.fromisoformat(market["closes_at"]), "forecasters": forecasters}


def resolve_and_wait(s: Stack, market: dict, followers: int, timeout_s: float) -> tuple[bool, dict]:
    """Resolve once closed; wait for settlement, its notifications and badges."""
    pause = (market["closes_at"] - datetime.now(timezone.utc)).total_seconds() + 4
    time.sleep(max(pause, 0))
    body = {"market_id": market["id"], "outcome": WINNER, "note": "bench result",
            "evidence_urls": ["https://example.com/big-market"]}
    started = time.monotonic()
    answered = s.client.ok("POST", "resolve_market", ADMIN, body)
    print(f"resolve_market answered in {time.monotonic() - started:.2f}s: settlement "
          f"{answered['settlement']}", file=sys.stderr)
    badges = seeding.expected_badges(market, market["forecasters"], WINNER)
    want = {"notifications": market["forecasters"] + followers + sum(badges.values()), **badges}
    deadline, state, have = time.monotonic() + timeout_s, {}, {}
    while time.monotonic() < deadline:
        state = _settlement(s, market["id"])
        have = _counts(market["id"]) if state.get("state") == "settled" else {}
        if state.get("state") == "failed" or (have == want and s.client.pending_tasks() == 0):
            break
        time.sleep(2)
    else:
        print(f"gave up waiting: counted {have}, wanted {want}", file=sys.stderr)
    print(f"settlement {state}; counted {have}", file=sys.stderr)
    return answered["status"] == "resolved", state


def _settlement(s: Stack, market_id: str) -> dict:
    call = Call("get_market", "http", "GET", None, None, {"market_id": market_id}, False,
                uuid.uuid4().hex)
    return s.client.send(call).json()["data"].get("settlement") or {}


def _counts(market_id: str) -> dict:
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared.store.client import collection

    def count(name: str, field: str, value: str) -> int:
        query = collection(name).where(filter=FieldFilter(field, "==", value))
        return int(query.count().get()[0][0].value)

    return {"notifications": count("notifications", "market_id", market_id),
            "ten_correct": count("badges", "badge", "ten_correct"),
            "five_in_a_row": count("badges", "badge", "five_in_a_row")}


def measure(s: Stack, mark: int) -> tuple[int, float, int, str]:
    """(most writes in one commit, its largest size in MiB, busiest document's writes in a
    second, that document) over what the stack sent since `mark`."""
    rpcs = s.counter.records(mark)
    commits = [r for r in rpcs if r.method in ("Commit", "BatchWrite") and r.code == "OK"]
    most = max((len(r.writes) + len(r.deletes) for r in commits), default=0)
    size = max((r.bytes_written for r in commits), default=0) / 2**20
    count, where = busiest(rpcs)
    times = [r.at for r in commits if where in r.writes]
    densest = max(range(len(times)), key=lambda i: sum(1 for t in times[i:] if t - times[i] < 1),
                  default=0)
    print(f"the busiest document, {where.split('/documents/', 1)[-1]}, took {len(times)} writes; "
          f"its busiest second: " + ", ".join(f"+{t - times[densest]:.2f}s" for t in
                                              times[densest:] if t - times[densest] < 1),
          file=sys.stderr)
    return most, size, count, where.split("/documents/", 1)[-1]


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(forecasters: int, followers: int = FOLLOWERS, timeout_s: float = 1_800) -> Result:
    from shared.domain.markets.payouts import plan
    from shared.store.markets import market as market_store
    from shared.store.markets import settlement as plans

    began = time.monotonic()
    with stack() as s:
        triggers(s.emulator, True)
        market = create_market(s, followers, forecasters)
        triggers(s.emulator, False)  # seeding writes forecasts: no first-forecast badges
        seeding.seed(market, forecasters)
        before = seeding.drift(market, forecasters)
        print(f"seeded {forecasters} forecasters in {time.monotonic() - began:.0f}s; "
              f"accounts off before settlement: {len(before)} {before[:3]}", file=sys.stderr)
        triggers(s.emulator, True)
        mark = s.counter.mark()
        resolved, state = resolve_and_wait(s, market, followers, timeout_s)
        most, size, hottest, where = measure(s, mark)
        settled = state.get("state") == "settled"
        frozen = plan(market_store.get_market(market["id"])[0],
                      list(plans.commits(market["id"], page=5_000)), WINNER)
        after = seeding.drift(market, forecasters, frozen) + seeding.pools_after(
            market, int(state.get("partitions", 0)), frozen.cut)
        print(f"accounts off after settlement: {len(after)} {after[:3]}; busiest document "
              f"{where}", file=sys.stderr)
        rss = peak_rss_mib(s.server_pid)
    return Result(forecasters, resolved, settled, most, size, hottest, where, rss,
                  len(before) + len(after), time.monotonic() - began)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.big_market",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--forecasters", type=int, default=50_000)
    parser.add_argument("--followers", type=int, default=FOLLOWERS)
    args = parser.parse_args()
    print(run(args.forecasters, args.followers).line(), flush=True)


if __name__ == "__main__":
    main()
