"""Triggers of the markets' social side (see shared/services/markets/social.py).

- forecasts/{forecastId} created: the "forecast placed" feed entry and the first-forecast badge,
  kept out of the commit transaction on purpose (the hot market's commit path writes nothing
  for them).
- markets/{marketId} written: "market created" (and the followers' notifications, a page at a
  time: services/markets/fanouts.py), and "market resolved". (Settlement awards the correct-count
  and streak badges itself.)
Every effect is create-once by a deterministic id, so redelivery is harmless; an exception makes
the delivery fail so that it can be retried.
"""
from __future__ import annotations

from shared.services.markets import social
from shared.web.events import document_change


def on_forecast_created(cloud_event) -> None:
    change = document_change(cloud_event)
    if change.after is not None and change.before is None:
        social.on_forecast_created(change.doc_id, change.after)


def on_market_written(cloud_event) -> None:
    change = document_change(cloud_event)
    social.on_market_written(change.doc_id, change.before, change.after)
