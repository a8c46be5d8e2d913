"""`python -m bench.cold_start`: what a cold start costs each entry point, against a floor.

Subject, for EVERY function of functions/manifest.py: a fresh interpreter (`python -I`, cwd and
sys.path = the staged upload folder of dev/deploy.py, as on Cloud Functions) times
`import main; getattr(main, NAME)`: everything our code imports (firestore, flask, pydantic and
the shared package included) to produce that entry point.
Floor: a fresh interpreter, same flags and folder, timing `import functions_framework,
google.cloud.firestore` alone.
`--with-framework` also imports functions_framework in the subject first, as production does in
the same process: then the ratio is the whole import phase of a cold start against the floor.
Times are taken inside the child around the imports (interpreter start-up is the same for both
and left out). The ratio uses the child's CPU time (process_time): importing is CPU-bound work
on files the page cache holds, so CPU time is its cost, and other processes on a shared machine
barely move it; wall-clock medians are printed too, on the line before the last.
Two phases, because the worst of 110 noisy medians is biased upwards (the winner's curse: on
this machine one import's CPU time varies by +-20% from run to run, so some entry point always
draws a slow sample). Screen: each entry point runs `--runs` times; floor runs are interleaved
every few candidates, in a shuffled order per round, so machine load hits both alike. Confirm:
the `--confirm` slowest entry points of the screen are measured again, `--confirm-runs` times
each, with fresh floor runs interleaved the same way; those new samples alone decide, so the
selection's lucky or unlucky draws do not. Each side is the median of its runs; worst = the
slowest confirmed entry point's median.
Last line: worst_import_ms=... floor_ms=... ratio=...   (target: ratio <= 1.2)
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

FLOOR_EVERY = 4  # one floor run per this many candidate runs
FLOOR_CODE = """
import time
started, cpu = time.perf_counter(), time.process_time()
import functions_framework, google.cloud.firestore
print((time.process_time() - cpu) * 1000, (time.perf_counter() - started) * 1000)
"""
SUBJECT_CODE = """
import sys, time
sys.path.insert(0, {stage!r})
started, cpu = time.perf_counter(), time.process_time()
{framework}import main
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


def run(stage: Path, names: list[str], runs: int, seed: int,
        framework: bool = False) -> tuple[dict[str, Sample], Sample]:
    subject = SUBJECT_CODE.format(stage=str(stage),
                                  framework="import functions_framework\n" if framework else "")
    # Warm-up: writes every module's bytecode into the stage, as the deployed image holds it.
    measure(stage, FLOOR_CODE)
    measure(stage, subject, *names)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    floors: list[tuple[float, float]] = []
    rng = random.Random(seed)
    for round_ in range(runs):
        order = names[:]
        rng.shuffle(order)
        for i, name in enumerate(order):
            if i % FLOOR_EVERY == 0:
                floors.append(measure(stage, FLOOR_CODE))
            samples[name].append(measure(stage, subject, name))
        print(f"round {round_ + 1}/{runs}: floor so far {Sample.of(floors)}", flush=True)
    return {n: Sample.of(s) for n, s in samples.items()}, Sample.of(floors)


@dataclass(frozen=True)
class Sample:
    cpu_ms: float  # medians
    wall_ms: float

    @staticmethod
    def of(runs: list[tuple[float, float]]) -> Sample:
        return Sample(statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))

    def __str__(self) -> str:
        return f"{self.cpu_ms:.0f} ms cpu, {self.wall_ms:.0f} ms wall"


def _slowest(medians: dict[str, Sample]) -> list[tuple[str, Sample]]:
    return sorted(medians.items(), key=lambda item: item[1].cpu_ms, reverse=True)


def report(title: str, medians: dict[str, Sample], floor: Sample) -> list[tuple[str, Sample]]:
    slowest = _slowest(medians)
    print(f"{title}; floor {floor}; slowest:")
    for name, sample in slowest[:8]:
        print(f"  {name:32s} {sample}  ({sample.cpu_ms / floor.cpu_ms:.2f}x floor)")
    return slowest


def entry_points() -> list[str]:
    sys.path.insert(0, str(ROOT / "functions"))
    import manifest

    return [f.name for f in manifest.FUNCTIONS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start")
    parser.add_argument("--runs", type=int, default=3, help="screening runs per entry point")
    parser.add_argument("--confirm", type=int, default=8,
                        help="how many of the screen's slowest entry points to measure again")
    parser.add_argument("--confirm-runs", type=int, default=12, help="runs per confirmed one")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", nargs="*", help="these entry points instead of all of them")
    parser.add_argument("--with-framework", action="store_true",
                        help="count importing functions_framework in the subject too")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from dev.deploy import stage

    names = args.only or entry_points()
    with tempfile.TemporaryDirectory(prefix="mintbook-cold-") as tmp:
        staged = stage(Path(tmp) / "functions")
        medians, floor = run(staged, names, args.runs, args.seed, args.with_framework)
        report(f"screen: {len(names)} entry points, {args.runs} runs each", medians, floor)
        suspects = [name for name, _ in _slowest(medians)[:args.confirm]]
        medians, floor = run(staged, suspects, args.confirm_runs, args.seed + 1,
                             args.with_framework)
    slowest = report(f"confirm: {len(suspects)} slowest, {args.confirm_runs} runs each",
                     medians, floor)
    worst_wall = max(s.wall_ms for s in medians.values())
    print(f"wall clock: worst_import_ms={worst_wall:.0f} floor_ms={floor.wall_ms:.0f} "
          f"ratio={worst_wall / floor.wall_ms:.2f}")
    worst = slowest[0][1].cpu_ms
    print(f"worst_import_ms={worst:.0f} floor_ms={floor.cpu_ms:.0f} ratio={worst / floor.cpu_ms:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
