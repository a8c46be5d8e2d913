"""Notifications to many users, a page at a time: a new market to the followers of its
category ("followers"), a market closing soon to its forecasters ("closing").

Guarantees:
- A fan-out's progress is market_reminders/{market} for "closing" and
  market_reminders/{market}.followers for "followers": `cursor` (the id of the last follow or
  forecast notified), `sent`, `done`. Each page's notifications (at most PAGE) and the moved
  cursor commit in one batch, so a crash loses no page and repeats none.
- Every notification has an id derived from (kind, market, user) and is created, never
  overwritten: a page sent again by a concurrent run creates nothing twice and never marks a
  read notification unread.
- Pages of one fan-out commit at least pacing.GAP_S apart: its progress document takes at most
  two writes a second, and each batch stays within Firestore's limits (PAGE + 1 writes).
- A run works for about its budget, then hands the rest to task_market_fanout; a lost task is
  made good by job_markets_closing_soon, which wakes every unfinished fan-out (`unfinished`).
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from google.api_core.exceptions import AlreadyExists, Conflict
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.field_path import FieldPath

from shared.domain.errors import InvalidInput, NotFound
from shared.domain.idempotency import derive_id
from shared.integrations import tasks
from shared.store.markets import market as market_store
from shared.store.markets import social as store
from shared.store.client import collection, db

from shared.services import notices
from shared.services.markets.pacing import pace, wrote

PAGE = 400
TASK = "task_market_fanout"
KINDS = ("followers", "closing")


def progress_ref(kind: str, market_id: str) -> firestore.DocumentReference:
    doc_id = market_id if kind == "closing" else f"{market_id}.{kind}"
    return collection(store.REMINDERS).document(doc_id)


def run(kind: str, market_id: str, market: dict, budget_s: float) -> dict:
    """Send the fan-out's pages for about `budget_s`; then wake a task for the rest."""
    if kind not in KINDS:
        raise InvalidInput(f"no fan-out {kind!r}", field="kind")
    ref = progress_ref(kind, market_id)
    snap = ref.get()
    state = snap.to_dict() if snap.exists else {}
    if state.get("done"):
        return {"market_id": market_id, "kind": kind, "sent": state.get("sent", 0), "done": True,
                "paged": 0}
    deadline = time.monotonic() + budget_s
    cursor, sent, at = state.get("cursor"), int(state.get("sent", 0)), state.get("at")
    paged = 0   # owners this call read: what its reads grow with, sent to them or not
    while True:
        pace(ref.path, at)
        owners, last = _page(kind, market_id, market, cursor)
        paged += len(owners)
        done = last is None or len(owners) < PAGE
        at = datetime.now(timezone.utc)
        progress = {"market_id": market_id, "kind": kind, "cursor": last or cursor,
                    "sent": sent, "done": done, "at": at}
        if done and kind == "closing":
            progress["closing_sent_at"] = firestore.SERVER_TIMESTAMP
        sent += _send(kind, market_id, market, owners, ref, progress)
        wrote(ref.path)
        cursor = last or cursor
        if done:
            return {"market_id": market_id, "kind": kind, "sent": sent, "done": True,
                    "paged": paged}
        if time.monotonic() > deadline:
            tasks.wake_later(TASK, f"fanout-{kind}-{market_id}-{sent}",
                             {"market_id": market_id, "kind": kind}, delay_s=0, window_s=3600)
            return {"market_id": market_id, "kind": kind, "sent": sent, "done": False,
                    "paged": paged}


def unfinished() -> list[tuple[str, str]]:
    """(kind, market) of every fan-out begun and not done (a lost task stopped it)."""
    query = (collection(store.REMINDERS).where(filter=FieldFilter("done", "==", False))
             .select(["kind", "market_id"]))
    return [(s.get("kind"), s.get("market_id")) for s in query.stream()]


def resume(kind: str, market_id: str, budget_s: float) -> dict:
    """Carry on a fan-out (the task's work)."""
    snap = collection(market_store.MARKETS).document(market_id).get()
    if not snap.exists:
        raise NotFound(f"no market {market_id!r}", field="market_id", code="unknown_market")
    return run(kind, market_id, snap.to_dict(), budget_s)


def _page(kind: str, market_id: str, market: dict,
          cursor: str | None) -> tuple[list[str], str | None]:
    """The owners of the next page of follows or forecasts, and the last document's id."""
    if kind == "followers":
        query = collection(store.FOLLOWS).where(
            filter=FieldFilter("category", "==", market["category"]))
        source = store.FOLLOWS
    else:
        query = collection(market_store.FORECASTS).where(
            filter=FieldFilter("market_id", "==", market_id))
        source = market_store.FORECASTS
    query = query.order_by(FieldPath.document_id()).select(["owner"]).limit(PAGE)
    if cursor:
        query = query.start_after([collection(source).document(cursor)])
    docs = list(query.stream())
    return [d.get("owner") for d in docs], (docs[-1].id if docs else None)


def _send(kind: str, market_id: str, market: dict, owners: list[str],
          ref: firestore.DocumentReference, progress: dict) -> int:
    """Create the page's notifications and write the progress in one batch; the number created."""
    muted = notices.muted_many(owners)
    note_kind = "new_market" if kind == "followers" else "market_closing_soon"
    docs = [_notification(kind, market_id, market, owner) for owner in owners
            if not (kind == "followers" and owner == market.get("created_by"))
            and note_kind not in muted.get(owner, ())]
    batch = db().batch()
    for note, data in docs:
        batch.create(note, data)
    batch.set(ref, {**progress, "sent": progress["sent"] + len(docs)})
    try:
        batch.commit()
        return len(docs)
    except (AlreadyExists, Conflict):  # a page (partly) sent already: create what is missing
        created = sum(1 for note, data in docs if store.create_once(note, data))
        ref.set({**progress, "sent": progress["sent"] + created})
        return created


def _notification(kind: str, market_id: str, market: dict,
                  owner: str) -> tuple[firestore.DocumentReference, dict]:
    fields = {"market_id": market_id, "market_title": market.get("title", ""),
              "closes_at": market.get("closes_at")}
    if kind == "followers":
        return (store.notifications().document(derive_id("new_market", market_id, owner)),
                notices.doc(owner, "new_market", category=market["category"], **fields))
    return (store.notifications().document(derive_id("closing", market_id, owner)),
            notices.doc(owner, "market_closing_soon", **fields))
