"""firestore.rules for prediction markets: public markets, feed and leaderboards; owner-only
forecasts, commits and notifications; admin-only settlement; no client writes anywhere."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shared.store.markets.market import forecast_id
from tests.rules.rules_support import (ADMIN, OTHER, OWNER, Where, allowed,
                                       query_paths)

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
FORECAST = forecast_id("m1", OWNER)  # alice's forecast in m1, and its reputation event
DOCS: dict[str, dict] = {
    "markets/m1": {"slug": "m-1", "title": "M", "status": "open", "category": "crypto",
                   "outcomes": [{"id": "yes", "label": "Yes"}], "closes_at": AT},
    "market_slugs/m-1": {"market_id": "m1"},
    "leaderboards/all-all": {"period": "all", "category": "all", "rows": []},
    "reputation/alice": {"owner": OWNER, "score_ppm": 500_000},
    f"forecasts/{FORECAST}": {"owner": OWNER, "market_id": "m1", "outcome": "yes", "amount": 5},
    "notifications/n1": {"owner": OWNER, "kind": "market_resolved", "read": False},
    "follows/alice_crypto": {"owner": OWNER, "category": "crypto"},
    "market_settlements/m1": {"market_id": "m1", "phase": "holds", "done": False},
}
PUBLIC = ("markets/m1", "market_slugs/m-1", "leaderboards/all-all",
          "reputation/alice")
OWNED = (f"forecasts/{FORECAST}", "notifications/n1", "follows/alice_crypto")


@pytest.mark.parametrize("path", PUBLIC)
@pytest.mark.parametrize("uid", [None, OWNER, OTHER])
def test_public_market_documents_are_readable_by_anyone(client, path, uid):
    assert allowed(client.get(path, uid)) is True


@pytest.mark.parametrize("path", OWNED)
def test_owned_documents_are_readable_by_owner_and_admin_only(client, path):
    assert allowed(client.get(path, OWNER)) is True
    assert allowed(client.get(path, ADMIN)) is True
    assert allowed(client.get(path, OTHER)) is False
    assert allowed(client.get(path, None)) is False


@pytest.mark.parametrize("path", OWNED)
def test_owned_list_must_constrain_the_owner(client, path):
    collection = path.split("/")[0]
    listed = client.query(collection, OWNER, Where("owner", OWNER))
    assert allowed(listed) and path in query_paths(listed, client.project)
    assert allowed(client.query(collection, OWNER)) is False


def test_settlement_progress_is_admin_only(client):
    assert allowed(client.get("market_settlements/m1", ADMIN)) is True
    assert allowed(client.get("market_settlements/m1", OWNER)) is False


@pytest.mark.parametrize("path", PUBLIC + OWNED + ("market_settlements/m1",))
@pytest.mark.parametrize("uid", [OWNER, ADMIN])
def test_no_client_writes_market_documents(client, path, uid):
    assert allowed(client.update(path, {"status": "resolved", "amount": 10**9}, uid)) is False
    assert allowed(client.delete(path, uid)) is False
    assert client.peek(path) == DOCS[path]
    assert allowed(client.create(path + "x", DOCS[path], uid)) is False


# --- social: badges, the activity feed, flags (server-only: reputation_events, reminders) ---
SOCIAL_DOCS: dict[str, dict] = {
    "badges/alice.first_forecast": {"owner": OWNER, "badge": "first_forecast", "awarded_at": AT},
    "market_feed/f1": {"kind": "forecast_placed", "uid": OWNER, "market_id": "m1",
                       "created_at": AT},
    "leaderboards/week.all.20260105": {"period": "week", "category": "all", "rows": []},
    "forecast_flags/x1": {"forecast_id": FORECAST, "forecaster": OWNER, "reason": "spam",
                          "flagged_by": ADMIN, "created_at": AT},
    f"reputation_events/{FORECAST}": {"owner": OWNER, "market_id": "m1", "score_ppm": 1},
    "market_reminders/m1": {"market_id": "m1"},
}
DOCS.update(SOCIAL_DOCS)
SOCIAL_PUBLIC = ("badges/alice.first_forecast", "market_feed/f1", "leaderboards/week.all.20260105")


@pytest.mark.parametrize("path", SOCIAL_PUBLIC)
@pytest.mark.parametrize("uid", [None, OWNER, OTHER])
def test_badges_feed_and_leaderboards_are_public(client, path, uid):
    assert allowed(client.get(path, uid)) is True
    assert allowed(client.query(path.split("/")[0], uid)) is True


def test_flagged_forecasts_are_admin_only_even_for_the_forecaster(client):
    assert allowed(client.get("forecast_flags/x1", ADMIN)) is True
    assert allowed(client.get("forecast_flags/x1", OWNER)) is False
    assert allowed(client.get("forecast_flags/x1", None)) is False


@pytest.mark.parametrize("path", [f"reputation_events/{FORECAST}", "market_reminders/m1"])
@pytest.mark.parametrize("uid", [OWNER, ADMIN])
def test_server_only_social_documents_are_closed(client, path, uid):
    assert allowed(client.get(path, uid)) is False


@pytest.mark.parametrize("path", tuple(SOCIAL_DOCS))
@pytest.mark.parametrize("uid", [OWNER, ADMIN])
def test_no_client_writes_social_documents(client, path, uid):
    assert allowed(client.update(path, {"badge": "top_ten", "read": True}, uid)) is False
    assert allowed(client.delete(path, uid)) is False
    assert client.peek(path) == DOCS[path]
    assert allowed(client.create(path + "x", DOCS[path], uid)) is False


def test_a_user_reads_and_lists_only_their_own_notifications_and_follows(client):
    mine = client.query("notifications", OWNER, Where("owner", OWNER))
    assert allowed(mine) and query_paths(mine, client.project) == ["notifications/n1"]
    assert allowed(client.query("notifications", OTHER, Where("owner", OWNER))) is False
    assert allowed(client.query("follows", OTHER, Where("owner", OWNER))) is False
