"""Follows and per-user notifications for markets.

Guarantees:
- A follow is follows/{uid}_{category}: following twice is one follow, unfollowing a category not
  followed is a no-op (both are naturally idempotent, so no idempotency record is kept).
- Every notification has an id derived from what it is about (kind, market, user) and is created
  with create-if-absent semantics, so a redelivered trigger or a rerun job creates none twice and
  never marks a read notification unread again.
- Fan-outs (new market -> followers, closing soon -> forecasters) run outside any user-facing
  transaction, a page at a time and resumable (services/markets/fanouts.py).
- The closing-soon reminder for a market is sent once: market_reminders/{market_id} records how
  far its fan-out got. A run reads only the markets new to the window since the last run
  (change_feeds/markets_closing.run), not every market closing soon; a run cut short (a
  crash, its budget) is completed by a task or by the next run of the job, which spends at
  most CLOSING_BUDGET_S itself, hands the rest of the markets to tasks and wakes every fan-out
  left unfinished (a new market's too).
- Mark-read only touches the caller's own notifications, at most MARK_ALL_LIMIT (or the 100
  ids given) a call, so its reads and writes are bounded; `more` says another call has work.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.markets.social import CLOSING_WINDOW, closing_soon
from shared.domain.notices import message
from shared.integrations import tasks
from shared.store.markets import market as market_store
from shared.store.markets import social as store
from shared.store.changes import CHECKPOINTS
from shared.store.client import collection, db
from shared.store.pages import page

from shared.services.markets import fanouts

MARK_ALL_LIMIT = 100  # per call (reads and writes a call makes); `more` says to call again
CLOSING_BUDGET_S = 20.0
CLOSING_CHECKPOINT = "markets_closing.run"  # change_feeds/{..}: {"at": the last run's time}
CREATED_LAG = timedelta(seconds=60)


def now() -> datetime:
    return datetime.now(timezone.utc)


def follow(uid: str, category: str) -> dict:
    ref = collection(store.FOLLOWS).document(store.follow_id(uid, category))
    store.create_once(ref, {"owner": uid, "category": category,
                            "created_at": firestore.SERVER_TIMESTAMP})
    return my_follows(uid)


def unfollow(uid: str, category: str) -> dict:
    collection(store.FOLLOWS).document(store.follow_id(uid, category)).delete()
    return my_follows(uid)


def my_follows(uid: str) -> dict:
    query = collection(store.FOLLOWS).where(filter=FieldFilter("owner", "==", uid))
    return {"categories": sorted(s.get("category") for s in query.stream())}


def remind_closing() -> dict:
    """Tell each forecaster of every open market closing within 24 hours, once."""
    at = now()
    markets, markets_read = _newly_closing(at)
    done_refs = [fanouts.progress_ref("closing", s.id) for s in markets]
    done = {s.id for s in db().get_all(done_refs) if s.exists and s.get("done")}
    deadline = time.monotonic() + CLOSING_BUDGET_S
    sent = paged = handed_on = 0
    for snap in markets:
        if snap.id in done:
            continue
        if time.monotonic() < deadline:
            ran = fanouts.run("closing", snap.id, snap.to_dict(), deadline - time.monotonic())
            sent += ran["sent"]
            paged += ran["paged"]
        else:
            handed_on += tasks.wake_later(fanouts.TASK, f"fanout-closing-{snap.id}",
                                          {"market_id": snap.id, "kind": "closing"},
                                          delay_s=0, window_s=600)
    stalled = fanouts.unfinished()
    for kind, market_id in stalled:  # their task was lost
        handed_on += tasks.wake_later(fanouts.TASK, f"fanout-{kind}-{market_id}",
                                      {"market_id": market_id, "kind": kind},
                                      delay_s=0, window_s=600)
    collection(CHECKPOINTS).document(CLOSING_CHECKPOINT).set({"at": at})
    # `changed`, what the run's reads grow with: the markets its change queries returned
    # (new to the window, or created since the last run, closing soon or not), the
    # forecasters its fan-outs paged through (told, muted or told already) and the unfinished
    # fan-outs woken; never every open market
    return {"markets": len(markets), "notified": sent, "handed_on": handed_on,
            "changed": markets_read + paged + len(stalled)}


def _newly_closing(at: datetime) -> tuple[list[firestore.DocumentSnapshot], int]:
    """The open markets closing within the window that the last run did not see there: those
    whose close entered the window since (the window's end moved from last + W to at + W), and
    those created since (minus CREATED_LAG: a market created just before the last run may not
    have been visible to it) with their close inside the window already. The first run takes
    the whole window. Reads: what is new since the last run, not every market closing soon;
    returns the markets and how many documents the queries returned."""
    last = collection(CHECKPOINTS).document(CLOSING_CHECKPOINT).get()
    since = last.get("at") if last.exists else None
    open_markets = (collection(market_store.MARKETS)
                    .where(filter=FieldFilter("status", "==", "open")))
    entered = (open_markets
               .where(filter=FieldFilter("closes_at", ">", max(at, since + CLOSING_WINDOW)
                                         if since else at))
               .where(filter=FieldFilter("closes_at", "<=", at + CLOSING_WINDOW)))
    rows = list(entered.stream())
    if since:
        created = (open_markets.where(filter=FieldFilter("created_at", ">=", since - CREATED_LAG))
                   .order_by("created_at", direction=firestore.Query.DESCENDING))
        rows += created.stream()
    found = {s.id: s for s in rows}
    return [s for s in found.values() if closing_soon(at, s.get("closes_at"))], len(rows)


def list_mine(uid: str, unread: bool, cursor: str | None,
              limit: int) -> tuple[list[dict], str | None, int]:
    base = store.notifications().where(filter=FieldFilter("owner", "==", uid))
    if unread:
        base = base.where(filter=FieldFilter("read", "==", False))
    query = base.order_by("created_at", direction=firestore.Query.DESCENDING)
    docs, next_cursor = page(query, store.NOTIFICATIONS, cursor, limit)
    unread_count = (store.notifications().where(filter=FieldFilter("owner", "==", uid))
                    .where(filter=FieldFilter("read", "==", False)).count().get()[0][0].value)
    return [_view(d) for d in docs], next_cursor, int(unread_count)


def _view(snap: firestore.DocumentSnapshot) -> dict:
    data = snap.to_dict()
    kind = data.get("kind") or ""
    return {"id": snap.id, "kind": kind, "read": bool(data.get("read")),
            "message": data.get("message") or message(kind, data),
            "created_at": data.get("created_at"),
            "data": {k: v for k, v in data.items()
                     if k not in ("owner", "kind", "read", "created_at", "read_at", "message")}}


def mark_read(uid: str, ids: list[str] | None) -> dict:
    """Mark the given notifications (the caller's own; others are ignored) or all unread."""
    more = False
    if ids is None:
        query = (store.notifications().where(filter=FieldFilter("owner", "==", uid))
                 .where(filter=FieldFilter("read", "==", False)).limit(MARK_ALL_LIMIT + 1))
        targets = [s.reference for s in query.stream()]
        more, targets = len(targets) > MARK_ALL_LIMIT, targets[:MARK_ALL_LIMIT]
    else:
        refs = [store.notifications().document(i) for i in dict.fromkeys(ids)]
        targets = [s.reference for s in db().get_all(refs)
                   if s.exists and s.get("owner") == uid and not s.get("read")]
    for i in range(0, len(targets), store.BATCH):
        batch = db().batch()
        for ref in targets[i:i + store.BATCH]:
            batch.update(ref, {"read": True, "read_at": firestore.SERVER_TIMESTAMP})
        batch.commit()
    return {"marked": len(targets), "more": more}
