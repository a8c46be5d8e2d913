"""`python -m bench.count FUNCTION [--as UID] [--body JSON] [--query JSON]` or `--job NAME`:
what one call costs in production Firestore terms.

It starts a stack of its own, reproducible from nothing: the emulator, the Firestore counter in
front of it (dev/firestore_counter.py; the billing rules are in dev/firestore_bill.py), a dev
server pointed at the counter (no schedule loop, so no cron job runs in between) with every
trigger registered, and the demo data. Then it does, uncounted, the setup the function needs
(bench/count_setups.py: a funded demo user, a market, a book with resting orders), waits until
the stack is quiet (no RPC for a second, no task queued), makes the one call and waits a settle
window. It prints:
- the call itself: every RPC the dev server made while serving it (tagged with the call's
  X-Request-Id): reads, writes, deletes, bytes, the documents it wrote and the most writes one
  document took in any second;
- what followed within the settle window, by operation tag: triggers the call's writes fired,
  tasks it queued (place_order's settlement waits 10 s: `--settle 12` to see it), and
  "untagged" work a request handed to another thread;
- last, one line: function=... status=... reads=... writes=... deletes=... bytes_written=...
  bytes_read=... max_writes_per_doc_per_s=... followed_reads=... followed_writes=...
Not seen: listener reads (production bills one read per changed document per listener) and
security rules' lookups; see dev/firestore_bill.py.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]
# The counter runs gRPC in this process while it forks the stack's processes; they exec at once,
# so gRPC's fork handlers (and their warning on every fork) are not needed.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

from bench.count_setups import SETUPS, Call, Client, generic_call, job_call  # noqa: E402
from dev.firestore_bill import Bill, Rpc, by_tag, total  # noqa: E402
from dev.firestore_counter import FirestoreCounter  # noqa: E402

LOG_DIR = ROOT / ".stack"


class Stack(NamedTuple):
    client: Client
    counter: FirestoreCounter


@contextmanager
def counted_stack(name: str = "count") -> Iterator[Stack]:
    """The stack bench.count describes, up and loaded; its logs go to .stack/<name>-*.log."""
    from dev import demo
    from dev.emulator import FirestoreEmulator, free_port, stop_group
    from dev.instrument import install
    from dev.server import load_manifest
    from dev.stack import (PROJECT, RULES_FILE, register_triggers, server_env, start_server,
                           wait_for_server)

    install()
    server_port = free_port()
    emulator = FirestoreEmulator(port=free_port(), functions_port=server_port, project=PROJECT,
                                 rules_path=RULES_FILE, log_path=LOG_DIR / f"{name}-emulator.log")
    with emulator, FirestoreCounter(emulator.host_port) as counter:
        env = server_env(counter.host_port, server_port)
        os.environ.update(env)  # anything this process reads goes through the counter too
        log_path = LOG_DIR / f"{name}-server.log"
        with open(log_path, "wb") as log:
            server = start_server(server_port, env, output=log)
        base_url = f"http://127.0.0.1:{server_port}"
        try:
            wait_for_server(server, base_url)
            register_triggers(emulator, load_manifest().FUNCTIONS)
            demo.load(base_url, PROJECT)
            yield Stack(Client(base_url, PROJECT), counter)
        except BaseException:
            print(f"the dev server's log: {log_path}", file=sys.stderr)
            raise
        finally:
            stop_group(server)


def settle(stack: Stack, timeout_s: float = 30.0) -> None:
    """Wait until no task is queued and no RPC finished for a second."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if stack.client.pending_tasks() == 0 and stack.counter.wait_quiet(1.0, timeout_s=1.0):
            return
        time.sleep(0.2)
    print(f"the stack did not settle in {timeout_s:.0f} s; counting anyway", file=sys.stderr)


def measure(stack: Stack, call: Call, settle_s: float) -> tuple[int, float, list[Rpc]]:
    """Make the call; (status, seconds, RPCs from the call's start to the settle window's end)."""
    mark = stack.counter.mark()
    started = time.perf_counter()
    response = stack.client.send(call)
    elapsed = time.perf_counter() - started
    time.sleep(settle_s)
    return response.status_code, elapsed, stack.counter.records(mark)


def _short(path: str) -> str:
    return path.split("/documents/", 1)[-1]


def _by_collection(bill: Bill) -> str:
    """Reads per collection path ("markets/escrow" for markets/m1/escrow/e1); what no document
    path names (empty queries, aggregations, listings) last."""
    groups: Counter[str] = Counter()
    for path, n in bill.read.items():
        groups["/".join(_short(path).split("/")[::2])] += n
    unnamed = bill.reads - sum(groups.values())
    parts = [f"{name} {n}" for name, n in sorted(groups.items())]
    return ", ".join(parts + ([f"queries and aggregations {unnamed}"] if unnamed else []))


def describe(title: str, bill: Bill, indent: str = "  ") -> list[str]:
    rpcs = ", ".join(f"{m} {n}" for m, n in sorted(bill.rpcs.items()))
    lines = [f"{title}", f"{indent}rpcs: {rpcs or 'none'}",
             f"{indent}reads {bill.reads} ({bill.bytes_read} bytes), writes {bill.writes}, "
             f"deletes {bill.deletes} ({bill.bytes_written} bytes written)"]
    if bill.failed:
        lines.append(f"{indent}failed (not billed): " +
                     ", ".join(f"{m} {n}" for m, n in sorted(bill.failed.items())))
    if bill.reads:
        lines.append(f"{indent}reads by collection: {_by_collection(bill)}")
    for reason, n in sorted(bill.unmeasured.items()):
        lines.append(f"{indent}unmeasured: {reason} (x{n})")
    for path, n in sorted(bill.written.items()):
        lines.append(f"{indent}  wrote {_short(path)}" + (f" x{n}" if n > 1 else ""))
    if bill.max_writes_per_doc_per_s:
        lines.append(f"{indent}max writes per document per second: "
                     f"{bill.max_writes_per_doc_per_s} ({_short(bill.busiest_doc)})")
    return lines


def report(call: Call, status: int, elapsed: float, rpcs: list[Rpc], settle_s: float,
           pending: int) -> list[str]:
    own = [r for r in rpcs if r.tag.split(" ")[-1] == call.request_id]
    later = [r for r in rpcs if r.tag.split(" ")[-1] != call.request_id]
    mine, followed = total(own), total(later)
    caller = call.uid or ("Cloud Scheduler" if call.kind == "job" else "anonymous")
    lines = [f"call: {call.method} /{call.function} as {caller} -> {status} "
             f"in {elapsed * 1000:.0f} ms"]
    lines += describe(f"the call itself (tag {call.tag}):", mine)
    lines.append(f"followed within {settle_s:g} s: reads {followed.reads}, writes "
                 f"{followed.writes}, deletes {followed.deletes}; tasks still queued: {pending}")
    for tag, bill in sorted(by_tag(later).items()):
        lines += describe(f"  {tag}:", bill, indent="    ")
    both = total(rpcs)
    lines.append(f"call and followers: max writes per document per second "
                 f"{both.max_writes_per_doc_per_s} ({_short(both.busiest_doc) or '-'})")
    lines.append("not seen at the RPC boundary: listener reads (one per changed document per "
                 "open listener) and security rules' get()/exists() lookups")
    lines.append(f"function={call.function} status={status} reads={mine.reads} "
                 f"writes={mine.writes} deletes={mine.deletes} "
                 f"bytes_written={mine.bytes_written} bytes_read={mine.bytes_read} "
                 f"max_writes_per_doc_per_s={mine.max_writes_per_doc_per_s} "
                 f"followed_reads={followed.reads} followed_writes={followed.writes}")
    return lines


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.count", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("function", nargs="?", help=f"an HTTP function ({', '.join(SETUPS)} "
                        "come with their setup; any other takes --as/--body/--query)")
    parser.add_argument("--job", help="run this scheduled job once instead")
    parser.add_argument("--as", dest="uid", help="call as this user (default: demo-alice)")
    parser.add_argument("--body", type=json.loads, help="JSON body")
    parser.add_argument("--query", type=json.loads, help="JSON object of query parameters")
    parser.add_argument("--settle", type=float, default=2.0,
                        help="seconds to keep counting after the call (default 2)")
    args = parser.parse_args(argv)
    if bool(args.function) == bool(args.job):
        parser.error("name one FUNCTION or one --job")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    with counted_stack() as stack:
        if args.job:
            call = job_call(args.job)
        elif args.function in SETUPS and args.body is None and args.query is None:
            call = SETUPS[args.function](stack.client, args.uid)
        else:
            call = generic_call(args.function, args.uid, args.body, args.query)
        settle(stack)
        status, elapsed, rpcs = measure(stack, call, args.settle)
        pending = stack.client.pending_tasks()
    print("\n".join(report(call, status, elapsed, rpcs, args.settle, pending)), flush=True)
    return 0 if status < 400 else 1


if __name__ == "__main__":
    sys.exit(main())
