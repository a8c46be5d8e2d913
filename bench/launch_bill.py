"""`python -m bench.scale | python -m bench.launch_bill`: the monthly Firestore bill of a stated
workload, from bench.scale's counts at its larger size plus listener reads, which the RPC
counter cannot see.

The workload (README, Scale, "Launch plan"): DAILY_USERS users a day making the CALL_MIX calls
each; every job on its manifest schedule; BOOKS order books each watched by VIEWERS listeners
whose book documents (depth, last trade) change once a second for TRADING_HOURS a day; each
user's own listeners (balance, orders, notifications) seeing OWN_CHANGES changes a day.
Prices are Firestore's regional (us-central1) list prices per 100,000 operations, free tier
ignored; check them against the pricing page before relying on the total. A job's quiet run
is billed as measured at bench.scale's larger size: every job is within a read budget that
names what changed, never the number of users.
"""
from __future__ import annotations

import sys

DAILY_USERS = 100_000
CALL_MIX = {  # 20 calls per user per day
    "get_me": 1, "get_balances": 4, "list_transactions": 2, "get_market": 3, "list_markets": 2,
    "commit_forecast": 1, "create_transfer": 1, "get_depth": 2, "list_trades": 1,
    "place_order": 1, "estimate_order": 1, "get_portfolio": 1}
RUNS_PER_DAY = {"job_reconcile": 1440, "job_consolidate": 1440, "job_snapshot_balances": 1,
                "job_flag_suspicious": 96, "job_stripe_sync": 144, "job_leaderboards": 144,
                "job_markets_sweep": 1440, "job_markets_closing_soon": 144,
                "job_exchange_sweep": 1440, "job_price_feed": 24}
BOOKS, VIEWERS, TRADING_HOURS, OWN_CHANGES = 20, 1_000, 8, 10
CHANGES_AT_LARGE = 3_000  # bench.scale's larger seed: 1,000 sign-ups, transfers and commits
WRITING = ("commit_forecast", "create_transfer", "place_order")
PRICE_READ, PRICE_WRITE = 0.03 / 100_000, 0.09 / 100_000
DAYS = 30


def rows(lines: list[str]) -> dict[str, tuple[int, int, int]]:
    """function -> (reads, writes, quiet reads) at the larger size, from bench.scale's rows
    (quiet: a job's second run, with nothing new; else the reads again)."""
    out = {}
    for line in lines:
        parts = line.split()
        if len(parts) < 3 or parts[1] not in ("http", "job", "task", "event") or "] " not in line:
            continue
        fields = line[line.index("] ") + 2:].split()  # after the budget
        if fields[1] != "None":
            quiet = next((int(f.split("=")[1]) for f in fields if f.startswith("quiet_large=")),
                         int(fields[1]))
            out[parts[0]] = (int(fields[1]), int(fields[4]), quiet)
    return out


def bill(counts: dict[str, tuple[int, int]]) -> list[str]:
    calls = {f: DAILY_USERS * n * DAYS for f, n in CALL_MIX.items()}
    call_reads = sum(counts[f][0] * n for f, n in calls.items())
    call_writes = sum(counts[f][1] * n for f, n in calls.items())
    # A job's run with nothing new reads what it reads regardless (quiet): no longer scaled to
    # the users, since every job is within a read budget that names no number of users
    # (bench.scale: jobs_over_budget=0); a reconciliation step's quiet run still folded the
    # seeding's backlog, so it is an upper bound. What the first run after seeding read beyond
    # that is per change (CHANGES_AT_LARGE of them), paid once per change of the day (the
    # writing calls of the mix).
    changes = DAILY_USERS * sum(CALL_MIX[f] for f in WRITING) * DAYS
    job_reads = sum(counts[j][2] * r * DAYS
                    + (counts[j][0] - counts[j][2]) / CHANGES_AT_LARGE * changes
                    for j, r in RUNS_PER_DAY.items())
    job_writes = sum(counts[j][1] / CHANGES_AT_LARGE * changes for j in RUNS_PER_DAY)
    book_listens = BOOKS * VIEWERS * TRADING_HOURS * 3600 * 2 * DAYS  # depth and trade docs
    own_listens = DAILY_USERS * OWN_CHANGES * DAYS
    lines = ["part monthly_reads monthly_writes usd"]
    for name, reads, writes in (("calls", call_reads, call_writes),
                                ("jobs", job_reads, job_writes),
                                ("book listeners", book_listens, 0),
                                ("own listeners", own_listens, 0)):
        usd = reads * PRICE_READ + writes * PRICE_WRITE
        lines.append(f"{name} {reads:,.0f} {writes:,.0f} {usd:,.0f}")
    top = sorted(((counts[f][0] * n, f) for f, n in calls.items()), reverse=True)[:3]
    lines.append("largest call reads: " + ", ".join(f"{f} {r:,.0f}" for r, f in top))
    return lines


def main() -> int:
    print("\n".join(bill(rows(sys.stdin.read().splitlines()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
