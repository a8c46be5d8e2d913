"""Settlement and fan-outs within Firestore's limits, by services in-process (tasks off: the test
delivers them): a step past the write limit is retried in halves until it fits, and a fan-out
sends a page at a time, resumable, each notification once."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.emulator.test_markets_payout_kill import drive, resolved_market


@pytest.fixture
def tasks_off(monkeypatch):
    from shared.integrations import tasks

    woken: list[dict] = []
    monkeypatch.setattr(tasks, "enqueue", lambda function, payload, **kw: woken.append(
        {"function": function, **payload}) or True)
    return woken


def test_a_step_past_the_write_limit_is_halved_until_it_commits(ledger, tasks_off, monkeypatch):
    from google.cloud.firestore_v1 import transaction

    from shared.domain.users import Role, User
    from shared.services import reconciliation
    from shared.services.markets import planning
    from shared.store import commit_limits
    from shared.store.markets import market as store

    # given a resolved market of 36 forecasters, and Firestore taking at most 45 writes a commit
    # (a forecaster's holds settle in 13 to 17 writes: the first steps, of about 25, are too big)
    monkeypatch.setattr(planning, "FORECASTERS_PER_PARTITION", 1_000)
    mid, stakes, _ = resolved_market(User("demo-admin", role=Role.ADMIN))
    monkeypatch.setattr(commit_limits, "MAX_WRITES", 45)
    sizes: list[int] = []
    real_commit = transaction.Transaction._commit

    def counted(self):
        sizes.append(len(self._write_pbs))
        return real_commit(self)

    monkeypatch.setattr(transaction.Transaction, "_commit", counted)
    # when the settlement runs to the end
    drive(mid, 120)
    # then every commit stayed within the limit, and the market settled exactly
    assert sizes and max(sizes) <= 45
    assert store.get_market(mid)[1]["settlement"]["state"] == "settled"
    assert reconciliation.run()["ok"]


def test_fan_outs_send_a_page_at_a_time_resumably_and_each_notification_once(ledger, tasks_off,
                                                                              monkeypatch):
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared.services.markets import fanouts
    from shared.store.client import collection

    # given 11 followers of crypto (the market's creator among them), pages of 3, and a market
    monkeypatch.setattr(fanouts, "PAGE", 3)
    owners = [f"fan{i:02d}" for i in range(10)] + ["maker"]
    for owner in owners:
        collection("follows").document(f"{owner}_crypto").set({"owner": owner,
                                                               "category": "crypto"})
    market_id = uuid.uuid4().hex[:12]
    market = {"title": "Fans?", "category": "crypto", "created_by": "maker",
              "closes_at": datetime.now(timezone.utc) + timedelta(hours=2)}
    # when the trigger's run has no time for more than one page, and the task carries on
    first = fanouts.run("followers", market_id, market, budget_s=0)
    assert first["done"] is False and [t["kind"] for t in tasks_off] == ["followers"]
    collection("markets").document(market_id).set({**market, "slug": "fans", "status": "open"})
    while not fanouts.resume("followers", market_id, budget_s=0)["done"]:
        pass
    again = fanouts.run("followers", market_id, market, budget_s=5)  # a redelivery
    # then every follower but the creator is told once, and the rerun sends nothing
    notes = collection("notifications").where(filter=FieldFilter("market_id", "==", market_id))
    told = sorted(n.get("owner") for n in notes.stream())
    assert told == owners[:-1] and again == {"market_id": market_id, "kind": "followers",
                                             "sent": 10, "done": True, "paged": 0}
