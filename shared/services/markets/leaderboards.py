"""Leaderboards: recomputed by a scheduled job from the reputation events settlement writes.

Guarantees:
- One pass over the events builds every board: periods week / month / all time x each category
  and "all". Each board is one document leaderboards/{period}.{category}.{YYYYMMDD} holding its
  top TOP_N rows, which clients listen to; no user-facing transaction ever reads it.
- A board document is rewritten only when its rows changed, so listeners are not woken for
  nothing. Boards of categories with no events are written empty once, so every id exists.
- The top ten with a positive gain on any current board get the top-10 badge, once.
- Rows hold uids only; `board` adds display names from profiles/{uid} when read, so erasure
  (which deletes the profile) reaches every board, past ones included.
- A board stays as the last run of its period wrote it: a past period's board misses events
  settled in the last minutes of that period after the run, and corrections (flags) made after
  the period ended.
- Rerunning the job is harmless: boards are recomputed from immutable events, badges are
  created at most once.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from google.cloud import firestore

from shared.domain.errors import InvalidInput
from shared.domain.markets.market import Category
from shared.domain.markets.social import (ALL, Badge, Period, ReputationEvent, leaderboard_id,
                                          period_start, rank, tally, top_ten)
from shared.store.markets import market as market_store
from shared.store.markets import social as store
from shared.store.client import collection, db
from shared.store.users import PROFILES

from shared.services.markets.badges import award, event_from, held

CATEGORIES = (ALL, *(c.value for c in Category))


def now() -> datetime:
    return datetime.now(timezone.utc)


def events() -> list[ReputationEvent]:
    query = collection(market_store.REPUTATION_EVENTS).select(
        ["owner", "category", "result", "score_ppm", "net_won", "at", "resolved", "correct"])
    return [e for e in map(event_from, query.stream()) if e.at is not None]


def recompute(at: datetime | None = None) -> dict:
    """Rebuild every current board; award top-10 badges. Returns what changed."""
    at = at or now()
    starts = {p: period_start(p, at) for p in Period}
    boards = tally((e for e in events() if e.at <= at), starts)
    docs = {}
    for period, start in starts.items():
        for category in CATEGORIES:
            rows = rank(boards[period].by_category.get(category, {}).values())
            docs[leaderboard_id(period, category, start)] = {
                "period": period.value, "category": category, "period_start": start,
                "rows": rows}
    written = _write_changed(docs)
    honoured = _award_top_ten(docs.values())
    return {"boards": len(docs), "written": written, "top_ten_awarded": honoured}


def _write_changed(docs: dict[str, dict]) -> int:
    refs = [collection(store.LEADERBOARDS).document(i) for i in docs]
    stored = {s.id: s.to_dict() for s in db().get_all(refs) if s.exists}
    batch, written = db().batch(), 0
    for board_id, doc in docs.items():
        if board_id in stored and stored[board_id].get("rows") == doc["rows"]:
            continue
        batch.set(collection(store.LEADERBOARDS).document(board_id),
                  {**doc, "computed_at": firestore.SERVER_TIMESTAMP})
        written += 1
    if written:
        batch.commit()  # at most 3 periods x 7 categories documents: far below 500
    return written


def _award_top_ten(docs) -> int:
    best: dict[str, str] = {}
    for doc in docs:
        for uid in top_ten(doc["rows"]):
            best.setdefault(uid, f"{doc['period']}.{doc['category']}")
    if not best:
        return 0
    have = held(sorted(best), Badge.TOP_TEN)
    return sum(award(uid, Badge.TOP_TEN, leaderboard=board)
               for uid, board in sorted(best.items()) if uid not in have)


def board(period: Period, category: str, start: date | None = None,
          at: datetime | None = None) -> dict:
    """A board of a period and category: the current one, or a past one by its first day (a
    period that never had a run reads empty). Rows carry the display name of each user's
    public profile, read now, so a name changed or erased (delete_my_account deletes the
    profile) shows as it is today, never as a copy."""
    current = period_start(period, at or now())
    begins = current if start is None else datetime.combine(start, time(), timezone.utc)
    if period_start(period, begins) != begins:
        raise InvalidInput(f"{start} is not the first day of a {period.value} period (UTC: a "
                           "Monday for week, the 1st for month, 1970-01-01 for all)",
                           field="start", code="not_a_period_start")
    board_id = leaderboard_id(period, category, begins)
    snap = collection(store.LEADERBOARDS).document(board_id).get()
    doc = snap.to_dict() if snap.exists else {}
    rows = doc.get("rows", [])
    names = _display_names([r["uid"] for r in rows])
    return {"id": board_id, "period": period.value, "category": category,
            "period_start": begins, "rows": [{**r, "display_name": names.get(r["uid"])}
                                             for r in rows],
            "computed_at": doc.get("computed_at")}


def _display_names(uids: list[str]) -> dict[str, str]:
    if not uids:
        return {}
    refs = [collection(PROFILES).document(u) for u in uids]
    snaps = db().get_all(refs, field_paths=["display_name"])
    return {s.id: (s.to_dict() or {}).get("display_name") or None for s in snaps if s.exists}
