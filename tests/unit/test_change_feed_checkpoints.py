"""Where a job resumes a change feed (shared/store/changes.py): the lag re-read, and when it
can be skipped."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from shared.store.changes import EPOCH, LAG, Checkpoint

T = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def point(changed_at, ran_at, started=T, writes=None) -> Checkpoint:
    p = Checkpoint("feed", 0, changed_at, ran_at, started)
    if writes is not None:
        p._write = lambda: writes.append((p.changed_at, p.ran_at))  # type: ignore[method-assign]
    return p


def test_a_new_feed_is_read_from_the_start():
    assert point(None, None).since == EPOCH


def test_the_last_seconds_are_read_again_until_a_run_started_past_the_lag():
    change = T - timedelta(minutes=5)
    assert point(change, None).since == change - LAG           # written before ran_at existed
    assert point(change, change + LAG / 2).since == change - LAG   # that run may have missed one
    assert point(change, change + LAG + timedelta(seconds=1)).since == \
        change + timedelta(microseconds=1)                     # everything was visible to it


def test_a_run_with_nothing_new_is_recorded_once_after_a_burst():
    writes: list = []
    change = T - timedelta(minutes=5)
    point(change, change + LAG / 2, writes=writes).finish()  # the run right after the burst
    assert writes == [(change, T)]
    point(change, T, started=T + timedelta(minutes=10), writes=writes).finish()
    assert len(writes) == 1                                   # quiet from then on: no write
    point(T - LAG / 2, T - LAG / 4, writes=writes).finish()   # too soon after the change
    assert len(writes) == 1


def test_advancing_records_the_run_that_handled_the_page():
    writes: list = []
    p = point(T - timedelta(minutes=5), None, writes=writes)
    p.advance(T - timedelta(seconds=2))
    assert writes == [(T - timedelta(seconds=2), T)]
    assert p.since == T - timedelta(seconds=2) - LAG
