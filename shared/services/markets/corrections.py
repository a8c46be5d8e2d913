"""Forecast flags and the reputation corrections they make.

Guarantees:
- A flagged forecast counts nothing in reputation or leaderboards until an admin clears it.
  Flagging (moderators) and clearing (admins) each run in one transaction that reads the
  forecast and its owner's reputation record; settlement reads the same forecast document in
  its own transaction (services/markets/payouts.py), so a flag and a settlement are ordered:
  - flagged before settlement: settlement writes the event with zero change and leaves the
    record as it is;
  - flagged after settlement: a correction event takes back what the forecast added (clamped:
    the score stays at or above zero), and the record is corrected in the same transaction.
  Clearing writes a correction that adds the forecast's weighted contribution again (clamped).
- Correction events go to reputation_events with ids derived from (forecast, flag round,
  direction), so a retried transaction writes each once; their `at` is the forecast's
  settlement time, so the job's boards of that period follow them (services/markets/
  leaderboards.py tallies every event). Runs of wins (the streak badge) are not replayed, and a
  badge once awarded stays.
- A flag is one document per (forecast, moderator), carrying the flag round it was made in;
  it is open while the forecast is flagged in that round. Flag and clear are audited with their
  reason, the market id as target, so admin_market_history shows them.
"""
from __future__ import annotations

from google.cloud import firestore

from shared.domain.errors import Conflict, NotFound
from shared.domain.idempotency import derive_id
from shared.domain.markets.social import (CategoryRecord, Contribution, Record, clamp_in)
from shared.domain.users import User
from shared.store import wire
from shared.store.changes import feed_fields
from shared.store.client import collection
from shared.store.markets import market as market_store
from shared.store.markets import social as store
from shared.store.transactions import run_transaction
from shared.store.users import record_audit

from shared.services.markets.payouts import kept

SCORED = ("won", "lost")


def flag(moderator: User, market_id: str, uid: str, reason: str) -> dict:
    """Flag a forecast: it stops counting (a correction when it already counted)."""
    forecast_ref, record_ref = _refs(market_id, uid)
    flag_ref = collection(store.FLAGS).document(
        derive_id("flag", forecast_ref.id, moderator.uid))

    def work(txn: firestore.Transaction) -> dict:
        forecast = _forecast(txn, forecast_ref, uid, market_id)
        record = record_ref.get(transaction=txn).to_dict()
        round_ = int(forecast.get("flag_round", 0))
        wire.set(txn, flag_ref, {"forecast_id": forecast_ref.id, "market_id": market_id,
                                 "forecaster": uid, "reason": reason, "round": round_,
                                 "flagged_by": moderator.uid,
                                 "created_at": firestore.SERVER_TIMESTAMP})
        if not forecast.get("flagged"):
            counted = _counted(forecast)
            change = (clamp_in(record, forecast.get("category", ""), counted.negated())
                      if forecast.get("result") in SCORED and counted != Contribution()
                      else None)
            _apply(txn, forecast_ref, record_ref, forecast, record, change, "exclude",
                   {"flagged": True, "flag_round": round_})
        record_audit(txn, actor=moderator.uid, action="flag_forecast", target=market_id,
                     reason=reason, after={"forecaster": uid})
        return forecast

    forecast = run_transaction(work)
    return {"id": flag_ref.id, "forecast_id": forecast_ref.id, "market_id": market_id,
            "forecaster": uid, "reason": reason, "flagged_by": moderator.uid, "status": "open",
            "created_at": None, "outcome": forecast.get("outcome"),
            "amount": forecast.get("amount"), "market_title": forecast.get("market_title")}


def clear(admin: User, market_id: str, uid: str, reason: str) -> dict:
    """Clear a forecast's flags: it counts again (a correction when it is settled)."""
    forecast_ref, record_ref = _refs(market_id, uid)

    def work(txn: firestore.Transaction) -> dict:
        forecast = _forecast(txn, forecast_ref, uid, market_id)
        if not forecast.get("flagged"):
            raise Conflict(f"the forecast of {uid!r} in {market_id!r} is not flagged",
                           field="uid", code="forecast_not_flagged")
        record = record_ref.get(transaction=txn).to_dict()
        change = (clamp_in(record, forecast.get("category", ""), _weighted(forecast))
                  if forecast.get("result") in SCORED else None)
        fields = {"flagged": False, "flag_round": int(forecast.get("flag_round", 0)) + 1,
                  "flag_cleared_at": firestore.SERVER_TIMESTAMP}
        _apply(txn, forecast_ref, record_ref, forecast, record, change, "restore", fields)
        record_audit(txn, actor=admin.uid, action="clear_forecast_flag", target=market_id,
                     reason=reason, after={"forecaster": uid,
                                           "score_ppm": change.score_ppm if change else 0})
        return {"market_id": market_id, "uid": uid, "flagged": False,
                "score_ppm": change.score_ppm if change else 0}

    return run_transaction(work)


def _refs(market_id: str, uid: str) -> tuple[firestore.DocumentReference, ...]:
    forecast_id = market_store.forecast_id(market_id, uid)  # ids hold no "/"
    return (collection(market_store.FORECASTS).document(forecast_id),
            collection(market_store.REPUTATION).document(uid))


def _forecast(txn: firestore.Transaction, ref: firestore.DocumentReference, uid: str,
              market_id: str) -> dict:
    snap = ref.get(transaction=txn)
    if not snap.exists:
        raise NotFound(f"no forecast by {uid!r} in market {market_id!r}", field="uid",
                       code="unknown_forecast")
    return snap.to_dict()


def _apply(txn: firestore.Transaction, forecast_ref: firestore.DocumentReference,
           record_ref: firestore.DocumentReference, forecast: dict, record: dict | None,
           change: Contribution | None, direction: str, fields: dict) -> None:
    """Write the forecast's new flag state and, when `change` is given, the correction event,
    the corrected record and what the forecast now counts."""
    if change is not None:
        uid, category = forecast["owner"], forecast.get("category", "")
        event_id = derive_id("reputation_correction", forecast_ref.id,
                             str(fields["flag_round"]), direction)
        wire.set(txn, collection(market_store.REPUTATION_EVENTS).document(event_id),
                 {"owner": uid, "market_id": forecast.get("market_id"), "category": category,
                  "result": forecast.get("result"), **change._asdict(), "correction": direction,
                  "corrects": forecast_ref.id, "at": forecast.get("settled_at"),
                  "written_at": firestore.SERVER_TIMESTAMP,
                  **feed_fields(market_store.REPUTATION_FEED, event_id)})
        wire.set(txn, record_ref, _corrected(record, uid, category, change))
        counted = change if direction == "restore" else Contribution()
        fields = {**fields, "score_ppm": counted.score_ppm,
                  **kept(counted, _weighted(forecast))}
    wire.merge(txn, forecast_ref, fields)


def _corrected(record: dict | None, uid: str, category: str, change: Contribution) -> dict:
    record = record or {}
    totals = Record(**{k: int(v) for k, v in record.items() if k in Record._fields})
    doc = {**record, "owner": uid, **totals.corrected(change)._asdict(),
           "updated_at": firestore.SERVER_TIMESTAMP}
    if "categories" in record or not int(record.get("resolved", 0)):
        rows = dict(record.get("categories") or {})
        row = CategoryRecord(**{k: int(v) for k, v in (rows.get(category) or {}).items()})
        rows[category] = row.corrected(change)._asdict()
        doc["categories"] = rows
    return doc


def _counted(forecast: dict) -> Contribution:
    """What the settled forecast adds to reputation now (nothing before settlement)."""
    if forecast.get("result") not in SCORED:
        return Contribution()
    if "counted_score_ppm" in forecast:
        return Contribution(*(int(forecast[f"counted_{k}"]) for k in Contribution._fields))
    return _weighted(forecast)


def _weighted(forecast: dict) -> Contribution:
    """What the settled forecast adds when it counts, before clamping. A forecast settled
    before the contribution was kept on it: its score, and payout minus its valid stake."""
    if "weighted_score_ppm" in forecast:
        return Contribution(*(int(forecast[f"weighted_{k}"]) for k in Contribution._fields))
    stake = int(forecast.get("amount", 0)) - int(forecast.get("refunded", 0))
    return Contribution(int(forecast.get("score_ppm", 0)),
                        int(forecast.get("payout", 0)) - stake, 1,
                        int(forecast.get("result") == "won"))
