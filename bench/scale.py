"""`python -m bench.scale [--sizes 100,1000]`: reads per call of every function at two sizes of
the data, against the read budgets the manifest declares (functions/manifest.py READS).

It starts the counted stack of bench.count (emulator, Firestore counter, dev server, demo data),
seeds the smaller size along every axis (bench/scale_seed.py), waits until the stack is quiet,
then counts each HTTP function's call (bench/scale_calls.py) twice (see _growth: a per-process
cache warm for one call and cold for another is not growth; the budget holds both) and each job
run twice (the first run works on what the seeding changed, the second on nothing new); tasks
and events that the calls and seeding set off are counted per delivery, by their operation tag. Then it seeds up to
the larger size (the same axes, ten times the units by default) and counts again. Reads are
billed as production bills them (dev/firestore_bill.py: an aggregation one read per 1,000 index
entries); bytes are what crossed the wire. One row per function:

  function kind [budget] reads_small reads_large growth bytes_read_large writes_large status

`status` is ok, over (reads above the budget at either size), grows (a flat budget, one naming
no data size, whose reads grew more than 1.1 times), error (the call failed) or not called
(with why); a job's row ends with quiet_large=N, its second run's reads at the larger size
(nothing new since the first: what it costs when nothing changed), and changed_large=N when the
job reports how many changed documents it found (`changed` in its answer: the value its budget's
`changed` takes on a first run; 0 on the quiet run, see sizes_of). Last line:
  over_budget=N worst_function=F worst_read_growth=G jobs_over_budget=M
where worst_read_growth is taken over functions with a flat budget. Not seen: listener reads.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NamedTuple

from bench.count import Stack, counted_stack
from bench.budgets import DEFAULT_LIMIT, evaluate, is_flat
from bench.count_setups import Call
from bench.scale_calls import NOT_CALLED, http_call, job
from bench.scale_seed import World, seed
from dev.firestore_bill import total

GROWTH_LIMIT = 1.1


class Count(NamedTuple):
    status: int
    reads: int
    bytes_read: int
    writes: int = 0
    changed: int | None = None  # what a job says it found changed (its `changed`), if it says
    limit: int = DEFAULT_LIMIT  # the page size the call got: what `limit` in its budget means


def settle(stack: Stack, timeout_s: float = 60.0) -> None:
    """Wait until no RPC finished for two seconds. Not for an empty task queue: a market's
    closing reminder waits in it until a day before the close."""
    stack.counter.wait_quiet(2.0, timeout_s=timeout_s)


def _spec(target: str):
    module, attribute = target.split(":")
    return getattr(importlib.import_module(module), attribute).spec


def page_size(spec, call: Call) -> int:
    """The page size a call gets: its `limit` parameter, else its query's default (an export
    pages 200 documents by default, a candle chart 60), else DEFAULT_LIMIT."""
    if call.query and "limit" in call.query:
        return int(call.query["limit"])
    field = (spec.query.model_fields.get("limit") if spec.query is not None else None)
    return int(field.default) if field is not None else DEFAULT_LIMIT


def count_call(stack: Stack, call: Call) -> Count:
    mark = stack.counter.mark()
    response = stack.client.send(call)
    rpcs = [r for r in stack.counter.records(mark) if r.tag.split(" ")[-1] == call.request_id]
    bill = total(rpcs)
    return Count(response.status_code, bill.reads, bill.bytes_read, bill.writes + bill.deletes,
                 _changed(response))


def _changed(response) -> int | None:
    try:
        data = response.json().get("data")
    except ValueError:
        return None
    changed = data.get("changed") if isinstance(data, dict) else None
    return changed if isinstance(changed, int) else None


def followers(stack: Stack, since: int) -> dict[str, int]:
    """The most reads one delivery of each task or event function made since `since`."""
    bills: dict[str, dict[str, int]] = {}
    for rpc in stack.counter.records(since):
        parts = rpc.tag.split(" ")
        if len(parts) == 3 and parts[1] in ("task", "event"):
            per = bills.setdefault(parts[0], {})
            per[parts[2]] = per.get(parts[2], 0) + rpc.reads
    return {name: max(per.values()) for name, per in bills.items()}


def _twice(stack: Stack, function: str, world: World, spec) -> list[Count]:
    """An HTTP function's call counted twice (a second call that a first one made impossible,
    such as a book created again, is left out): a per-process cache (assets, 60 s) can be cold
    for one call and warm for the other, which is the same work at any size."""
    counts = []
    for _ in range(2):
        call = http_call(function, world, spec.auth.value if spec.auth else None)
        count = count_call(stack, call)._replace(limit=page_size(spec, call))
        if not counts or count.status < 400:
            counts.append(count)
    return counts


def measure(stack: Stack, world: World, manifest) -> dict[str, list[Count]]:
    """function -> counts at this size (two for a job: after seeding, then with nothing new)."""
    since = stack.counter.mark()
    counts: dict[str, list[Count]] = {}
    for f in manifest.FUNCTIONS:
        if f.kind == "http":
            spec = _spec(f.target)
            call = http_call(f.name, world, spec.auth.value if spec.auth else None)
            if call is not None:
                counts[f.name] = _twice(stack, f.name, world, spec)
        elif f.kind == "job":
            counts[f.name] = [count_call(stack, job(f.name)) for _ in range(2)]
    settle(stack)
    for name, reads in followers(stack, since).items():
        counts.setdefault(name, [Count(200, reads, 0)])  # writes of deliveries: not summed
    return counts


# Jobs whose quiet run may still find work, so it is held to what it reports there too:
# job_discovery's `changed` is a trailing window (the last 24 hours of candles and swap volume);
# job_markets_closing_soon's change query overlaps its last run by CREATED_LAG (a market created
# just before it may not have been visible), so a run soon after re-reads those markets; a
# reconciliation step folds for at most 15 s and job_expire_wallet_nonces deletes at most 400
# documents a collection, so their quiet runs go on with the seeding's backlog (each reports
# what it did).
QUIET_RUN_WORKS = frozenset({"job_discovery", "job_reconcile", "job_expire_wallet_nonces",
                             "job_markets_closing_soon"})


def sizes_of(world: World, job_run: int, reported: int | None = None,
             quiet_works: bool = False, units: int | None = None) -> dict[str, int]:
    """Values of a budget's data-size names at this size. `changed`: on a job's first run what
    the job reports it found changed (documents its change feeds returned), else the units
    seeded; on its second run 0, since nothing changed in between (a job that reads everything
    whatever changed, and says so, is over there), unless its quiet run still works
    (`quiet_works`: QUIET_RUN_WORKS)."""
    # `markets`, `assets`: open markets and assets (job_discovery counts each market's recent
    # commits and reads each asset's supply); seeding adds n // 5 of each at each size (so the
    # larger size has both sizes' seeding: `units`), besides the demo's and those the counted
    # calls create.
    changed = world.n if job_run == 0 else 0
    if reported is not None and (job_run == 0 or quiet_works):
        changed = reported
    units = units if units is not None else world.n
    # (each size seeds at least 31 creators, each an asset: 11 more than n // 5 at 100)
    return {"limit": DEFAULT_LIMIT, "changed": changed, "levels": 10,
            "markets": units // 5 + 20, "assets": units // 5 + 31}


class Row(NamedTuple):
    function: str
    kind: str
    budget: str
    small: int | None
    large: int | None
    growth: float | None
    bytes_large: int | None
    writes_large: int | None
    status: str
    quiet_large: int | None = None  # a job's second run at the larger size: nothing new
    changed_large: int | None = None  # what the job's first run there said it found changed


def _growth(kind: str, small: list[int], large: list[int]) -> float | None:
    """A job's costlier run against its costlier run (its first, on what changed). An HTTP
    call's two counts (_twice) against each other in order of cost, the smaller of the two
    ratios: a per-process cache cold for one call and warm for the other, or a first call that
    leaves its second less to do (marking every notification read), moves one of the ratios; a
    read that grows with the data moves both. The budget holds every count."""
    pairs = [(max(small), max(large))] if kind == "job" else [(min(small), min(large)),
                                                                (max(small), max(large))]
    ratios = [big / few for few, big in pairs if few]
    return round(min(ratios), 2) if ratios else None


def row(f, budget: str, small: list[Count] | None, large: list[Count] | None,
        worlds: tuple[World, World]) -> Row:
    if small is None or large is None:
        why = NOT_CALLED.get(f.name, "not set off by any call or run")
        return Row(f.name, f.kind, budget, None, None, None, None, None, f"not called: {why}")
    reads_s, reads_l = max(c.reads for c in small), max(c.reads for c in large)
    growth = _growth(f.kind, [c.reads for c in small], [c.reads for c in large])
    failed = [c.status for c in small + large if c.status >= 400]
    seeded = ((small, worlds[0], worlds[0].n), (large, worlds[1], worlds[0].n + worlds[1].n))
    # a job's second run is its quiet one (sizes_of); an HTTP function's two calls are alike
    over = any(c.reads > evaluate(budget, sizes_of(w, i if f.kind == "job" else 0, c.changed,
                                                   f.name in QUIET_RUN_WORKS, units)
                                  | {"limit": c.limit})
               for counts, w, units in seeded for i, c in enumerate(counts))
    status = ("error " + ",".join(map(str, sorted(set(failed)))) if failed else
              "over" if over else
              "grows" if is_flat(budget) and growth and growth > GROWTH_LIMIT else "ok")
    return Row(f.name, f.kind, budget, reads_s, reads_l, growth,
               max(c.bytes_read for c in large), max(c.writes for c in large), status,
               large[-1].reads if f.kind == "job" else None,
               large[0].changed if f.kind == "job" else None)


def report(rows: list[Row], sizes: tuple[int, int]) -> list[str]:
    lines = [f"sizes: {sizes[0]} and {sizes[1]} units per axis",
             "function kind [budget] reads_small reads_large growth bytes_read_large "
             "writes_large status"]
    lines += [f"{r.function} {r.kind} [{r.budget}] {r.small} {r.large} {r.growth} "
              f"{r.bytes_large} {r.writes_large} {r.status}"
              + (f" quiet_large={r.quiet_large}" if r.quiet_large is not None else "")
              + (f" changed_large={r.changed_large}" if r.changed_large is not None else "")
              for r in rows]
    counted = [r for r in rows if r.small is not None]
    over = [r for r in counted if r.status == "over"]
    flat = [r for r in counted if is_flat(r.budget) and r.growth is not None]
    worst = max(flat, key=lambda r: r.growth or 0, default=None)
    jobs_over = [r for r in over if r.kind == "job"]
    lines.append(f"over_budget={len(over)} worst_function={worst.function if worst else '-'} "
                 f"worst_read_growth={worst.growth if worst else '-'} "
                 f"jobs_over_budget={len(jobs_over)}")
    return lines


def run(sizes: tuple[int, int], only: set[str] | None = None) -> list[Row]:
    from dev.server import load_manifest

    manifest = load_manifest()
    # Seeding makes thousands of calls as a few users in minutes; the limiter's counter write
    # is counted the same whatever the bucket's size.
    os.environ.setdefault("MINTBOOK_RATE_LIMITS", ",".join(
        f"{bucket}=1000000" for bucket in ("general", "trading", "forecasts", "auth")))
    with counted_stack("scale") as stack:
        worlds, measured = [], []
        for n in sizes:
            world = seed(stack.client, n)
            settle(stack, timeout_s=120)  # the commits' pool recounts, the triggers
            worlds.append(world)
            measured.append(measure(stack, world, manifest))
    rows = [row(f, manifest.READS[f.name], measured[0].get(f.name), measured[1].get(f.name),
                (worlds[0], worlds[1]))
            for f in manifest.FUNCTIONS if only is None or f.name in only]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000",
                        help="units per axis at the two sizes (default 100,1000)")
    args = parser.parse_args(argv)
    small, large = (int(s) for s in args.sizes.split(","))
    rows = run((small, large))
    print("\n".join(report(rows, (small, large))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
