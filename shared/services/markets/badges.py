"""Reputation reads and badges.

Guarantees:
- A badge is awarded at most once per user: `award` (first forecast, top ten) reads
  badges/{uid}.{badge} and, when missing, creates it in one transaction together with the user's
  "badge earned" notification and the public feed entry (both with ids derived from the badge),
  so all three exist exactly once or not at all.
- Correct-count and streak badges are awarded by settlement itself (services/markets/payouts.py),
  in the transaction that updates the user's reputation record (read): the record carries the
  count and the runs of wins in settled order, and a badge is written (`award_in`) when the
  update crosses its threshold, which happens once per user (shared/domain/markets/social.py):
  no query over the user's history, no pass over the market's forecasters afterwards.
- Reputation totals and the per-category split are the reputation/{uid} document settlement
  keeps, both updated in one write (shared.domain.markets.social.CategoryRecord), so the two
  always agree and a read is one document whatever the user's history.
"""
from __future__ import annotations

import logging

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.idempotency import derive_id
from shared.domain.markets.market import Category
from shared.domain.markets.social import Badge, ReputationEvent, badge_id
from shared.store.markets import market as market_store
from shared.store.markets import social as store
from shared.store import wire
from shared.store.client import collection, db
from shared.store.pages import page
from shared.store.transactions import run_transaction

from shared.services import notices

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
        txn.set(note, notices.doc(uid, "badge_earned", badge=badge.value,
                                  label=LABELS[badge], **context))
        txn.set(entry, store.feed_entry("badge_earned", uid, badge=badge.value,
                                        label=LABELS[badge], **context))
        return True

    awarded = run_transaction(work, serialize_on=[ref.path])
    if awarded:
        log.info("badge awarded", extra={"uid": uid, "badge": badge.value})
    return awarded


def award_in(txn: firestore.Transaction, uid: str, badge: Badge, **context: object) -> None:
    """Write the badge, its notification and its feed entry in the caller's transaction, which
    has established that the user earns it now (their record crossed its threshold)."""
    fields = {"badge": badge.value, "label": LABELS[badge], **context}
    wire.set(txn, collection(store.BADGES).document(badge_id(uid, badge)),
             {"owner": uid, **fields, "awarded_at": firestore.SERVER_TIMESTAMP})
    wire.set(txn, store.notifications().document(derive_id("badge", uid, badge.value)),
             notices.doc(uid, "badge_earned", **fields))
    wire.set(txn, collection(store.FEED).document(derive_id("badge", uid, badge.value)),
             store.feed_entry("badge_earned", uid, **fields))


def held(uids: list[str], badge: Badge) -> set[str]:
    refs = [collection(store.BADGES).document(badge_id(u, badge)) for u in uids]
    return {s.get("owner") for s in db().get_all(refs) if s.exists}


def list_badges(uid: str, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    query = (collection(store.BADGES).where(filter=FieldFilter("owner", "==", uid))
             .order_by("awarded_at"))
    docs, next_cursor = page(query, store.BADGES, cursor, limit)
    return [{"uid": uid, "badge": d.get("badge"), "label": d.get("label"),
             "awarded_at": d.get("awarded_at"), "market_id": d.to_dict().get("market_id")}
            for d in docs], next_cursor


def reputation(uid: str) -> dict:
    """One read: totals and per-category rows from reputation/{uid}. Only a record settled
    before the rows were kept (no `categories`) has its split summed from its events."""
    snap = collection(market_store.REPUTATION).document(uid).get()
    totals = snap.to_dict() if snap.exists else {}
    split = {c.value: _zero() for c in Category}
    if "categories" in totals or not int(totals.get("resolved", 0)):
        for category, row in (totals.get("categories") or {}).items():
            split[category] = {k: int(row.get(k, 0)) for k in _zero()}
    else:
        split = _split_from_events(uid, split)
    # A score below zero can only be a record settled before reputation was clamped (no past
    # event is recomputed): it reads as zero, and its next result starts from zero.
    return {"uid": uid, "score_ppm": max(0, int(totals.get("score_ppm", 0))),
            "resolved": int(totals.get("resolved", 0)), "correct": int(totals.get("correct", 0)),
            "net_won": int(totals.get("net_won", 0)),
            "categories": [{"category": c, **row, "score_ppm": max(0, row["score_ppm"])}
                           for c, row in split.items()]}


def _split_from_events(uid: str, split: dict[str, dict]) -> dict[str, dict]:
    query = (collection(market_store.REPUTATION_EVENTS)
             .where(filter=FieldFilter("owner", "==", uid))
             .select(["category", "result", "score_ppm", "net_won", "resolved", "correct"]))
    for s in query.stream():
        row = split.setdefault(s.get("category"), _zero())
        for k, v in event_from(s).contribution()._asdict().items():
            row[k] += v
    return split


def event_from(snap: firestore.DocumentSnapshot) -> ReputationEvent:
    """A reputation event as stored (one written before corrections has no resolved/correct)."""
    d = snap.to_dict()
    return ReputationEvent(uid=d.get("owner"), category=d.get("category"),
                           result=d.get("result"), score_ppm=int(d.get("score_ppm", 0)),
                           net_won=int(d.get("net_won", 0)), at=d.get("at"),
                           resolved=d.get("resolved"), correct=d.get("correct"))


def _zero() -> dict:
    return {"score_ppm": 0, "net_won": 0, "resolved": 0, "correct": 0}
