"""`python -m bench.cold_start`: what a cold start costs each entry point, against a floor.

Both sides start as production does: functions_framework is loaded first, then the user's code.
Subject, for EVERY function of functions/manifest.py: a fresh interpreter (`python -I`, cwd and
sys.path = the staged upload folder of dev/deploy.py, as on Cloud Functions) times
`import functions_framework; import main; getattr(main, NAME)`: the whole import phase of a cold
start, everything our code imports (firestore, flask, pydantic and the shared package included)
to produce that entry point.
Floor: a fresh interpreter, same flags and folder, timing `import functions_framework` and then
`import google.cloud.firestore` the way functions/main.py resolves an entry point: the cyclic
garbage collector paused during the import and what it built frozen after, so the floor is the
least a function that needs firestore can cost, with the subject's own trick.
Times are taken inside the child around the imports (interpreter start-up is the same for both
and left out), as CPU time (process_time): importing is CPU-bound work on files the page cache
holds. Wall-clock figures are printed too, on the line before the last.

How the noise of a shared machine is kept out (on this one a fresh interpreter's import CPU
varies by +-20%, and whole minutes run 30% slower than others):
- Import sets: the entry points of one module (api.exchange has eleven) import exactly the same
  code, since resolving one imports its module and reads an attribute; so each module is one
  candidate, and its runs take its entry points in turn. Every entry point is measured, and the
  worst is the worst module.
- Paired floors: a floor run sits between every two subject runs, and each subject run is
  divided by the mean of the floor runs just before and after it; a candidate's ratio is the
  median of those paired ratios, so a slow minute slows both sides of its pairs alike. (Checked
  on two entry points of api.balances, identical imports, 14 runs each: medians of all runs
  gave 1.19 and 1.02, paired ratios 1.11 and 1.03.)
- Screen, then confirm: every candidate runs `--runs` times; the `--confirm` slowest run again
  `--confirm-runs` times, and those new samples alone decide, so the screen's lucky or unlucky
  draws (the winner's curse of a maximum over many noisy medians) do not.
- Repeats: the whole measurement (screen and confirm) runs `--repeats` times (3) with its own
  seeds, each printing its figure (`run i/3: ... ratio=...`); a single figure drifts with the
  minute it ran in, the median and spread of whole runs say how much.
Per run: worst_import_ms and floor_ms are the medians of the worst candidate's runs and of the
confirm phase's floor runs; ratio is the worst candidate's median paired ratio.
Last line: worst_import_ms=... floor_ms=... ratio_median=... spread=min..max runs=3
(medians over the runs; target: ratio_median <= 1.2).
"""
from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .support import ROOT

FLOOR_CODE = """
import gc, time
started, cpu = time.perf_counter(), time.process_time()
import functions_framework
collecting = gc.isenabled()
gc.disable()
try:
    import google.cloud.firestore
finally:
    gc.freeze()
    if collecting:
        gc.enable()
print((time.process_time() - cpu) * 1000, (time.perf_counter() - started) * 1000)
"""
SUBJECT_CODE = """
import sys, time
sys.path.insert(0, {stage!r})
started, cpu = time.perf_counter(), time.process_time()
import functions_framework
import main
for name in sys.argv[1:]:
    getattr(main, name)
print((time.process_time() - cpu) * 1000, (time.perf_counter() - started) * 1000)
"""


def measure(stage: Path, code: str, *names: str) -> tuple[float, float]:
    """(CPU ms, wall ms) the child reports for its imports (fresh, isolated interpreter)."""
    done = subprocess.run([sys.executable, "-I", "-c", code, *names], cwd=stage,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"import of {names or 'the floor'} failed:\n{done.stderr[-2000:]}")
    cpu_ms, wall_ms = done.stdout.strip().splitlines()[-1].split()
    return float(cpu_ms), float(wall_ms)


@dataclass(frozen=True)
class Sample:
    """A candidate's medians: its own runs, and its runs over their neighbouring floor runs."""
    cpu_ms: float
    wall_ms: float
    cpu_ratio: float
    wall_ratio: float

    def __str__(self) -> str:
        return (f"{self.cpu_ms:.0f} ms cpu ({self.cpu_ratio:.2f}x floor), "
                f"{self.wall_ms:.0f} ms wall ({self.wall_ratio:.2f}x)")


def run(stage: Path, candidates: dict[str, list[str]], runs: int,
        seed: int) -> tuple[dict[str, Sample], tuple[float, float]]:
    """Each candidate `runs` times, shuffled per round, a floor run between every two subject
    runs. Answers each candidate's Sample and the floor runs' medians (CPU ms, wall ms)."""
    subject = SUBJECT_CODE.format(stage=str(stage))
    # Warm-up: writes every module's bytecode into the stage, as the deployed image holds it.
    measure(stage, FLOOR_CODE)
    measure(stage, subject, *[n for names in candidates.values() for n in names])
    rng = random.Random(seed)
    floors = [measure(stage, FLOOR_CODE)]
    paired: dict[str, list[tuple[float, float, float, float]]] = {c: [] for c in candidates}
    for round_ in range(runs):
        order = list(candidates)
        rng.shuffle(order)
        for candidate in order:
            names = candidates[candidate]
            cpu, wall = measure(stage, subject, names[round_ % len(names)])
            floors.append(measure(stage, FLOOR_CODE))
            before, after = floors[-2], floors[-1]
            paired[candidate].append((cpu, wall, cpu / ((before[0] + after[0]) / 2),
                                      wall / ((before[1] + after[1]) / 2)))
        print(f"round {round_ + 1}/{runs}: floor median so far "
              f"{statistics.median(f[0] for f in floors):.0f} ms cpu", flush=True)
    samples = {c: Sample(*(statistics.median(r[i] for r in rows) for i in range(4)))
               for c, rows in paired.items()}
    return samples, (statistics.median(f[0] for f in floors),
                     statistics.median(f[1] for f in floors))


def report(title: str, samples: dict[str, Sample], floor: tuple[float, float],
           candidates: dict[str, list[str]]) -> list[str]:
    slowest = sorted(samples, key=lambda c: samples[c].cpu_ratio, reverse=True)
    print(f"{title}; floor {floor[0]:.0f} ms cpu, {floor[1]:.0f} ms wall; slowest:")
    for candidate in slowest[:8]:
        names = candidates[candidate]
        shown = ", ".join(names[:3]) + (f" +{len(names) - 3}" if len(names) > 3 else "")
        print(f"  {candidate:24s} {samples[candidate]}  [{shown}]")
    return slowest


def import_sets(only: list[str] | None = None) -> dict[str, list[str]]:
    """Target module -> the manifest's entry points in it (`only`: just these entry points)."""
    sys.path.insert(0, str(ROOT / "functions"))
    import manifest

    sets: dict[str, list[str]] = {}
    for f in manifest.FUNCTIONS:
        if not only or f.name in only:
            sets.setdefault(f.target.split(":")[0], []).append(f.name)
    return sets


@dataclass(frozen=True)
class Outcome:
    """One whole measurement: the worst module of its confirm phase, and its figures."""
    worst: str
    cpu: Sample
    by_wall: Sample
    floor: tuple[float, float]

    def __str__(self) -> str:
        return (f"worst={self.worst} worst_import_ms={self.cpu.cpu_ms:.0f} "
                f"floor_ms={self.floor[0]:.0f} ratio={self.cpu.cpu_ratio:.2f}")


def measurement(staged: Path, candidates: dict[str, list[str]], args: argparse.Namespace,
                seed: int) -> Outcome:
    """Screen every module, confirm the slowest on fresh samples: the confirm phase decides."""
    samples, floor = run(staged, candidates, args.runs, seed)
    entry_points = sum(len(n) for n in candidates.values())
    slowest = report(f"screen: {entry_points} entry points in {len(candidates)} modules, "
                     f"{args.runs} runs each", samples, floor, candidates)
    suspects = {c: candidates[c] for c in slowest[:args.confirm]}
    samples, floor = run(staged, suspects, args.confirm_runs, seed + 1)
    worst = report(f"confirm: {len(suspects)} slowest, {args.confirm_runs} runs each",
                   samples, floor, candidates)[0]
    print(f"worst: {worst} ({', '.join(candidates[worst])})")
    by_wall = max(samples.values(), key=lambda s: s.wall_ratio)
    print(f"wall clock: worst_import_ms={by_wall.wall_ms:.0f} floor_ms={floor[1]:.0f} "
          f"ratio={by_wall.wall_ratio:.2f}")
    return Outcome(worst, samples[worst], by_wall, floor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start")
    parser.add_argument("--runs", type=int, default=4, help="screening runs per module")
    parser.add_argument("--confirm", type=int, default=6,
                        help="how many of the screen's slowest modules to measure again")
    parser.add_argument("--confirm-runs", type=int, default=16, help="runs per confirmed one")
    parser.add_argument("--repeats", type=int, default=3,
                        help="whole measurements (screen and confirm), each with its own seeds")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", nargs="*", help="these entry points instead of all of them")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from dev.deploy import stage

    candidates = import_sets(args.only)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="mintbook-cold-") as tmp:
        staged = stage(Path(tmp) / "functions")
        for i in range(args.repeats):
            outcomes.append(measurement(staged, candidates, args, args.seed + 2 * i))
            print(f"run {i + 1}/{args.repeats}: {outcomes[-1]}", flush=True)
    for i, outcome in enumerate(outcomes):
        print(f"run {i + 1}/{args.repeats}: {outcome}")
    wall = [o.by_wall.wall_ratio for o in outcomes]
    wall_ms = statistics.median(o.by_wall.wall_ms for o in outcomes)
    print(f"wall clock: worst_import_ms={wall_ms:.0f} "
          f"floor_ms={statistics.median(o.floor[1] for o in outcomes):.0f} "
          f"ratio_median={statistics.median(wall):.2f} "
          f"spread={min(wall):.2f}..{max(wall):.2f} runs={len(outcomes)}")
    cpu = [o.cpu.cpu_ratio for o in outcomes]
    print(f"worst_import_ms={statistics.median(o.cpu.cpu_ms for o in outcomes):.0f} "
          f"floor_ms={statistics.median(o.floor[0] for o in outcomes):.0f} "
          f"ratio_median={statistics.median(cpu):.2f} "
          f"spread={min(cpu):.2f}..{max(cpu):.2f} runs={len(outcomes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
