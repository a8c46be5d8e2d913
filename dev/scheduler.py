"""The schedule loop: fires each job on its cron expression (UTC), as Cloud Scheduler does.

Guarantees:
- A job fires at most once per due time, in a thread of its own, so a slow job delays no other.
- Due times missed while the process was not running (or the machine slept) are skipped, not
  replayed: the next due time is computed from the current time.
- A failed fire is logged and not retried (Cloud Scheduler's default retry count is zero); jobs
  must be safe to run late or twice anyway.
How a fire reaches the job is the caller's `fire` function (the dev server POSTs it).
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Callable

log = logging.getLogger("mintbook.dev.scheduler")

Fire = Callable[[str, datetime], None]


def next_due(cron: str, after: datetime) -> datetime:
    from croniter import croniter  # only the dev server with --schedule needs it

    return croniter(cron, after).get_next(datetime)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


class ScheduleLoop:
    """`jobs` maps a job name to its cron expression."""

    def __init__(self, jobs: dict[str, str], fire: Fire,
                 clock: Callable[[], datetime] = now_utc) -> None:
        self.jobs = dict(jobs)
        self.fire = fire
        self.clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="schedule", daemon=True)
        self._due = {name: next_due(cron, clock()) for name, cron in self.jobs.items()}

    def upcoming(self) -> dict[str, datetime]:
        return dict(self._due)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while self._due and not self._stop.is_set():
            wait_s = (min(self._due.values()) - self.clock()).total_seconds()
            # Re-read the wall clock at least every minute: waits run on the monotonic clock,
            # which stands still while a laptop sleeps.
            if wait_s > 0 and self._stop.wait(timeout=min(wait_s, 60.0)):
                return
            self._fire_due(self.clock())

    def _fire_due(self, now: datetime) -> None:
        for name, due in list(self._due.items()):
            if due > now:
                continue
            threading.Thread(target=self._fire_one, args=(name, due), name=f"job-{name}",
                             daemon=True).start()
            self._due[name] = next_due(self.jobs[name], now)

    def _fire_one(self, name: str, due: datetime) -> None:
        try:
            self.fire(name, due)
        except Exception:  # logged, not retried: see the module docstring
            log.exception("scheduled job %s (due %s) failed", name, due.isoformat())
