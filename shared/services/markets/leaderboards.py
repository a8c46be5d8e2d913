"""Leaderboards: kept by a scheduled job, incrementally, from the reputation events that
settlement and flag corrections write.

Guarantees:
- Every reputation event carries the change-feed fields of FEED (store/changes.py). The job
  follows each bucket from its checkpoint and tallies each event exactly once: one transaction
  per page reads the events, skips those already `tallied`, adds each one's contribution to the
  standings of the boards it counts on (domain boards_of: the week, month and all time its own
  `at` falls in, in its category and "all"; leaderboard_standings/{board id}.{uid}) and marks it
  tallied. A page re-read through the feed's lag adds nothing twice; a crash before the commit
  leaves the page to the next run.
- A board document leaderboards/{period}.{category}.{YYYYMMDD} holds its top TOP_N rows, which
  clients listen to; no user-facing transaction ever reads it. The job rebuilds a board an event
  touched (one query: its counted standings, best first, TOP_N of them) and every current board
  not written yet (empty once, so every id exists), and writes it only when its rows changed, so
  listeners are not woken for nothing. Late events and corrections reach the board of the period
  they belong to, past periods included.
- A run reads the events that arrived since the last one (plus the feed's lag), the standings
  they touch, the current boards (3 periods x 8 categories), TOP_N standings per rebuilt board
  and one query per feed bucket: never the whole history.
- The top ten with a positive gain on a rebuilt current board get the top-10 badge, once.
- Rows hold uids only; `board` adds display names from profiles/{uid} when read, so erasure
  (which deletes the profile) reaches every board, past ones included.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.errors import InvalidInput
from shared.domain.markets.market import Category
from shared.domain.markets.social import (ALL, TOP_N, Badge, Period, Standing,
                                          leaderboard_id, period_start, rank, tally, top_ten)
from shared.store import changes, wire
from shared.store.markets import market as market_store
from shared.store.markets import social as store
from shared.store.client import collection, db
from shared.store.transactions import run_transaction
from shared.store.users import PROFILES

from shared.services.markets.badges import award, event_from, held

CATEGORIES = (ALL, *(c.value for c in Category))
FEED = market_store.REPUTATION_FEED
STANDINGS = "leaderboard_standings"
PAGE = 50   # events per transaction: each writes itself and at most 6 standings


def now() -> datetime:
    return datetime.now(timezone.utc)


def recompute(at: datetime | None = None) -> dict:
    """Tally the events that arrived, rebuild the boards they touched and the current boards
    not written yet; award top-10 badges. Returns what changed."""
    at = at or now()
    touched: dict[str, tuple[Period, str, datetime]] = {}
    tallied = 0
    for bucket in range(changes.BUCKETS):
        point = changes.checkpoint(FEED, bucket)
        for page in changes.changed(FEED, market_store.REPUTATION_EVENTS, bucket, point.since,
                                    PAGE):
            ids = [s.id for s in page]
            tallied += run_transaction(lambda txn, ids=ids: _tally(txn, ids, touched))
            point.advance(page[-1].get("changed_at"))
        point.finish()
    current = {leaderboard_id(p, c, period_start(p, at)): (p, c, period_start(p, at))
               for p in Period for c in CATEGORIES}
    refs = [collection(store.LEADERBOARDS).document(i) for i in current]
    stored = {s.id: s.to_dict() for s in db().get_all(refs) if s.exists}
    rebuild = touched | {i: board for i, board in current.items() if i not in stored}
    docs = {i: {"period": p.value, "category": c, "period_start": start, "rows": _top(i)}
            for i, (p, c, start) in rebuild.items()}
    written = _write_changed(docs, stored)
    honoured = _award_top_ten(d for i, d in docs.items() if i in current)
    return {"tallied": tallied, "boards": len(docs), "written": written,
            "top_ten_awarded": honoured}


def _tally(txn: firestore.Transaction, event_ids: list[str],
           touched: dict[str, tuple[Period, str, datetime]]) -> int:
    refs = [collection(market_store.REPUTATION_EVENTS).document(i) for i in event_ids]
    snaps = [s for s in db().get_all(refs, transaction=txn) if s.exists]
    fresh = [(s, event_from(s)) for s in snaps if not (s.to_dict() or {}).get("tallied")]
    added: dict[tuple[str, str], Standing] = {}   # (board id, uid) -> what the events add
    for (period, category, start), users in tally(e for _, e in fresh if e.at).items():
        board_id = leaderboard_id(period, category, start)
        touched[board_id] = (period, category, start)
        added |= {(board_id, uid): standing for uid, standing in users.items()}
    refs = {key: collection(STANDINGS).document(f"{key[0]}.{key[1]}") for key in added}
    kept = wire.get_all(txn, list(refs.values()))
    for (board_id, uid), delta in added.items():
        before = kept[refs[board_id, uid].path] or {}
        after = Standing(uid, *(int(before.get(f, 0)) + getattr(delta, f)
                                for f in ("score_ppm", "net_won", "resolved", "correct")))
        wire.set(txn, refs[board_id, uid], {
            "board": board_id, "uid": uid, "score_ppm": after.score_ppm,
            "net_won": after.net_won, "resolved": after.resolved, "correct": after.correct,
            "counted": after.resolved > 0})
    for snap, _ in fresh:
        txn.update(snap.reference, {"tallied": True})
    return len(fresh)


def _top(board_id: str) -> list[dict]:
    """The board's rows from its standings: those that count, best first (domain rank's order:
    score, then net won, then uid)."""
    query = (collection(STANDINGS).where(filter=FieldFilter("board", "==", board_id))
             .where(filter=FieldFilter("counted", "==", True))
             .order_by("score_ppm", direction=firestore.Query.DESCENDING)
             .order_by("net_won", direction=firestore.Query.DESCENDING)
             .order_by("uid").limit(TOP_N))
    return rank(Standing(d["uid"], int(d["score_ppm"]), int(d["net_won"]), int(d["resolved"]),
                         int(d["correct"])) for d in (s.to_dict() for s in query.stream()))


def _write_changed(docs: dict[str, dict], stored: dict[str, dict]) -> int:
    unknown = [collection(store.LEADERBOARDS).document(i) for i in docs if i not in stored]
    stored = stored | {s.id: s.to_dict() for s in db().get_all(unknown) if s.exists}
    batch, written = db().batch(), 0
    for board_id, doc in docs.items():
        if board_id in stored and stored[board_id].get("rows") == doc["rows"]:
            continue
        batch.set(collection(store.LEADERBOARDS).document(board_id),
                  {**doc, "computed_at": firestore.SERVER_TIMESTAMP})
        written += 1
        if written % store.BATCH == 0:
            batch.commit()
            batch = db().batch()
    batch.commit()
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
