"""Reputation reads and badges.

Guarantees:
- A badge is awarded at most once per user: badges/{uid}.{badge} is read and, when missing,
  created in one transaction together with the user's "badge earned" notification and the public
  feed entry (both with ids derived from the badge), so all three exist exactly once or not at all.
- Correct-count and streak badges are judged from the user's reputation events (what settlement
  wrote) in settled order, after a market's settlement has finished. A judgement that ran on a
  stale view only delays a badge: the settlement that completes the qualifying sequence finishes
  after every event of it exists, and judges again.
- Reputation totals are the reputation/{uid} document settlement keeps; the per-category split
  is summed from the same events, so the two always agree.
"""
from __future__ import annotations

import logging

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.idempotency import derive_id
from shared.domain.markets.market import Category
from shared.domain.markets.social import Badge, badge_id, badges_to_award, earned_badges
from shared.store.markets import market as market_store
from shared.store.markets import social as store
from shared.store.client import collection, db
from shared.store.pages import page
from shared.store.transactions import run_transaction

log = logging.getLogger("mintbook.markets")
LABELS = {Badge.FIRST_FORECAST: "First forecast", Badge.TEN_CORRECT: "Ten correct forecasts",
          Badge.FIVE_IN_A_ROW: "Five right in a row", Badge.TOP_TEN: "Top 10 of a leaderboard"}


def award(uid: str, badge: Badge, **context: object) -> bool:
    """Create the badge, its notification and its feed entry once; True if this call did."""
    ref = collection(store.BADGES).document(badge_id(uid, badge))
    note = store.notifications().document(derive_id("badge", uid, badge.value))
    entry = collection(store.FEED).document(derive_id("badge", uid, badge.value))

    def work(txn: firestore.Transaction) -> bool:
        if ref.get(transaction=txn).exists:
            return False
        txn.create(ref, {"owner": uid, "badge": badge.value, "label": LABELS[badge], **context,
                         "awarded_at": firestore.SERVER_TIMESTAMP})
        txn.set(note, store.notification(uid, "badge_earned", badge=badge.value,
                                         label=LABELS[badge], **context))
        txn.set(entry, store.feed_entry("badge_earned", uid, badge=badge.value,
                                        label=LABELS[badge], **context))
        return True

    awarded = run_transaction(work, serialize_on=[ref.path])
    if awarded:
        log.info("badge awarded", extra={"uid": uid, "badge": badge.value})
    return awarded


def held(uids: list[str], badge: Badge) -> set[str]:
    refs = [collection(store.BADGES).document(badge_id(u, badge)) for u in uids]
    return {s.get("owner") for s in db().get_all(refs) if s.exists}


def settled_results(uid: str) -> list[str]:
    """The user's settled results ("won"/"lost"), oldest first."""
    query = (collection(market_store.REPUTATION_EVENTS)
             .where(filter=FieldFilter("owner", "==", uid)).order_by("at")
             .select(["result"]))
    return [s.get("result") for s in query.stream()]


def judge_after_settlement(market_id: str) -> int:
    """Award correct-count and streak badges to everyone the market's settlement scored."""
    query = (collection(market_store.REPUTATION_EVENTS)
             .where(filter=FieldFilter("market_id", "==", market_id)).select(["owner"]))
    awarded = 0
    for uid in sorted({s.get("owner") for s in query.stream()}):
        current = {Badge(s.get("badge")) for s in _user_badges(uid)}
        for badge in badges_to_award(current, earned_badges(settled_results(uid))):
            awarded += award(uid, badge, market_id=market_id)
    return awarded


def _user_badges(uid: str) -> list[firestore.DocumentSnapshot]:
    refs = [collection(store.BADGES).document(badge_id(uid, b)) for b in Badge]
    return [s for s in db().get_all(refs) if s.exists]


def list_badges(uid: str, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    query = (collection(store.BADGES).where(filter=FieldFilter("owner", "==", uid))
             .order_by("awarded_at"))
    docs, next_cursor = page(query, store.BADGES, cursor, limit)
    return [{"uid": uid, "badge": d.get("badge"), "label": d.get("label"),
             "awarded_at": d.get("awarded_at"), "market_id": d.to_dict().get("market_id")}
            for d in docs], next_cursor


def reputation(uid: str) -> dict:
    """Totals from reputation/{uid}; the per-category split summed from the events."""
    snap = collection(market_store.REPUTATION).document(uid).get()
    totals = snap.to_dict() if snap.exists else {}
    query = (collection(market_store.REPUTATION_EVENTS)
             .where(filter=FieldFilter("owner", "==", uid))
             .select(["category", "result", "score_ppm", "net_won"]))
    split = {c.value: _zero() for c in Category}
    for s in query.stream():
        row = split.setdefault(s.get("category"), _zero())
        row["score_ppm"] += int(s.get("score_ppm"))
        row["net_won"] += int(s.get("net_won"))
        row["resolved"] += 1
        row["correct"] += 1 if s.get("result") == "won" else 0
    return {"uid": uid, "score_ppm": int(totals.get("score_ppm", 0)),
            "resolved": int(totals.get("resolved", 0)), "correct": int(totals.get("correct", 0)),
            "net_won": int(totals.get("net_won", 0)),
            "categories": [{"category": c, **row} for c, row in split.items()]}


def _zero() -> dict:
    return {"score_ppm": 0, "net_won": 0, "resolved": 0, "correct": 0}
