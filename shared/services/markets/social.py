"""The public activity feed, forecast flags, and what market and forecast changes set off.

Guarantees:
- Feed entries have ids derived from what they record (one per forecast, per market created,
  per market resolved, per badge) and are created at most once, by triggers and jobs only: never
  inside a commit, so the hot market's commit transaction writes nothing more because of them.
- A forecast document's creation places one "forecast placed" entry and awards the user's
  "first forecast" badge (once, whichever market it was in).
- A market's creation places "market created" and starts notifying the followers of its
  category (services/markets/fanouts.py: FOLLOWERS_BUDGET_S here, then pages in tasks); its
  transition to resolved places "market resolved". Each reacts to a transition (before vs
  after), so updates that change something else set off nothing, and redeliveries repeat only
  create-once writes. (Correct-count and streak badges are awarded by settlement itself.)
- A flag is one document per (forecast, moderator); flagging again replaces its reason. What a
  flag does to reputation is services/markets/corrections.py.
"""
from __future__ import annotations

import logging

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.idempotency import derive_id
from shared.domain.markets.social import Badge
from shared.store.markets import market as market_store
from shared.store.markets import social as store
from shared.store.client import collection, db
from shared.store.pages import page

from shared.services.markets import fanouts
from shared.services.markets.badges import award

log = logging.getLogger("mintbook.markets")
FOLLOWERS_BUDGET_S = 5.0


def on_forecast_created(forecast_id: str, forecast: dict) -> None:
    uid, market_id = forecast["owner"], forecast["market_id"]
    context = {"market_id": market_id, "market_title": forecast.get("market_title", ""),
               "category": forecast.get("category", "")}
    store.create_once(collection(store.FEED).document(derive_id("forecast_placed", forecast_id)),
                      store.feed_entry("forecast_placed", uid, outcome=forecast.get("outcome"),
                                       **context))
    award(uid, Badge.FIRST_FORECAST, **context)


def on_market_written(market_id: str, before: dict | None, after: dict | None) -> None:
    if after is None:
        return
    context = {"market_id": market_id, "market_title": after.get("title", ""),
               "category": after.get("category", "")}
    if before is None:
        store.create_once(collection(store.FEED).document(derive_id("market_created", market_id)),
                          store.feed_entry("market_created", after.get("created_by", ""),
                                           **context))
        fanouts.run("followers", market_id, after, FOLLOWERS_BUDGET_S)
    was = before or {}
    if after.get("status") == "resolved" and was.get("status") != "resolved":
        resolution = after.get("resolution") or {}
        store.create_once(
            collection(store.FEED).document(derive_id("market_resolved", market_id)),
            store.feed_entry("market_resolved", resolution.get("by", ""),
                             outcome=resolution.get("outcome"), **context))


def feed(cursor: str | None, limit: int, category: str | None = None) -> tuple[list[dict], str | None]:
    query = collection(store.FEED)
    if category:
        query = query.where(filter=FieldFilter("category", "==", category))
    query = query.order_by("created_at", direction=firestore.Query.DESCENDING)
    docs, next_cursor = page(query, store.FEED, cursor, limit)
    return [{"id": d.id, **d.to_dict()} for d in docs], next_cursor


def flagged(cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    query = collection(store.FLAGS).order_by("created_at", direction=firestore.Query.DESCENDING)
    docs, next_cursor = page(query, store.FLAGS, cursor, limit)
    refs = [collection(market_store.FORECASTS).document(d.get("forecast_id")) for d in docs]
    forecasts = {s.id: s.to_dict() for s in db().get_all(refs) if s.exists} if refs else {}
    return [_flag_view(d, forecasts.get(d.get("forecast_id"), {})) for d in docs], next_cursor


def _flag_view(snap: firestore.DocumentSnapshot, forecast: dict) -> dict:
    """A flag is open while its forecast is flagged in the round it was made in."""
    data = snap.to_dict()
    is_open = bool(forecast.get("flagged")) and \
        int(data.get("round", 0)) == int(forecast.get("flag_round", 0))
    return {"id": snap.id, **{k: data.get(k) for k in ("forecast_id", "market_id", "forecaster",
                                                       "reason", "flagged_by", "created_at")},
            "status": "open" if is_open else "cleared",
            "outcome": forecast.get("outcome"), "amount": forecast.get("amount"),
            "market_title": forecast.get("market_title")}
