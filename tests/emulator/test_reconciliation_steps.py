"""Reconciliation in bounded steps: partitions of accounts over a period, journal entries folded
once into sums, and transfers checked against their entries. Steps are run in this process with
small partitions, or with no lag so that the entries just written are folded. The layouts
(consolidated shares, settled markets' escrows) are broken through the emulator's REST API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.services import reconciliation
from tests.support.firestore_rest import OWNER

from .helpers import ok, reconcile

pytestmark = pytest.mark.usefixtures("ledger")
NO_LAG = timedelta(0)


def one_period(**step) -> list[dict]:
    """Steps until one comes back with the period complete."""
    reports = [reconciliation.run(**step)]
    while not reports[-1]["partition"]["period_complete"]:
        reports.append(reconciliation.run(**step))
        assert len(reports) < 50
    return reports


def drift_of(report: dict) -> dict:
    return {(d["check"], d["subject"], d["field"]): d["difference"] for d in report["drift"]}


def seed(api, admin_uid) -> str:
    for uid in (admin_uid, "ann", "bob", "cy"):
        api.call("GET", "get_me", uid)
    return ok(api.call("POST", "create_transfer", "ann", idempotency_key="t-ann-bob",
                       json={"to": "bob", "asset": "CHIP", "amount": 300}))["transfer_id"]


def account_ids(firestore_rest) -> list[str]:
    rows = firestore_rest.query("accounts").json()
    return sorted(r["document"]["name"].rsplit("/", 1)[1] for r in rows if "document" in r)


def test_partitions_cover_every_account_once_a_period_and_name_an_edited_one(
        api, admin_uid, firestore_rest):
    # given a healthy ledger, its entries folded into sums, verified two accounts a step
    seed(api, admin_uid)
    assert reconciliation.run(lag=NO_LAG)["journal"]["folded"] > 0
    accounts = account_ids(firestore_rest)
    period = one_period(accounts_per_step=2)
    assert all(r["ok"] for r in period) and len(period) == len(accounts) // 2 + 1
    assert [r["partition"]["after"] for r in period] == \
        ["", *[r["partition"]["through"] for r in period[:-1]]]
    assert sum(r["accounts"] for r in period) == len(accounts)
    assert not any(r["partition"]["whole_ledger"] for r in period)
    # when bob's account is edited behind the ledger
    account = firestore_rest.read("accounts/bob:CHIP")
    firestore_rest.update("accounts/bob:CHIP", {"credits_posted": account["credits_posted"] + 5})
    # then within the next period exactly the step whose partition holds it names it
    period = one_period(accounts_per_step=2)
    named = [r for r in period if ("journal", "bob:CHIP", "credits_posted") in drift_of(r)]
    assert len(named) == 1 and not named[0]["ok"]
    assert drift_of(named[0])[("journal", "bob:CHIP", "credits_posted")] == 5
    assert named[0]["partition"]["after"] < "bob:CHIP" <= named[0]["partition"]["through"]
    assert all(r["ok"] for r in period if r is not named[0])


def test_folded_entries_are_counted_once_and_the_sums_stand_in_for_the_journal(
        api, admin_uid, firestore_rest):
    # given a ledger whose entries are all folded
    seed(api, admin_uid)
    entries = sum(1 for r in firestore_rest.query("journal").json() if "document" in r)
    first = reconciliation.run(lag=NO_LAG)
    assert first["ok"] and first["journal"]["folded"] == entries
    assert first["journal"]["caught_up"] and first["journal"]["tail_entries"] == 0
    assert first["changed"] == entries
    assert first["partition"]["whole_ledger"]
    assert reconciliation.run(lag=NO_LAG)["journal"]["folded"] == 0
    # when a new transfer lands, younger than the lag
    ok(api.call("POST", "create_transfer", "bob", idempotency_key="t-bob-cy",
                json={"to": "cy", "asset": "CHIP", "amount": 40}))
    # then the admin's call reads it in the tail beside the folded sums, and the ledger is ok
    report = reconcile(api, admin_uid)
    assert report["ok"] and report["journal"]["folded"] == 0
    assert report["journal"]["tail_entries"] >= 2
    # and an account edited behind the ledger is named against sums plus tail
    account = firestore_rest.read("accounts/cy:CHIP")
    firestore_rest.update("accounts/cy:CHIP", {"debits_posted": account["debits_posted"] + 7})
    assert drift_of(reconcile(api, admin_uid))[("journal", "cy:CHIP", "debits_posted")] == 7
    folded = reconciliation.run(lag=NO_LAG)
    assert folded["journal"]["folded"] >= 2 and folded["journal"]["tail_entries"] == 0
    assert drift_of(folded)[("journal", "cy:CHIP", "debits_posted")] == 7


def test_folding_a_few_entries_a_step_counts_each_once_across_pages(
        api, admin_uid, firestore_rest):
    # given a ledger whose entries share commit times (a transfer and its fee: one commit)
    seed(api, admin_uid)
    ok(api.call("POST", "create_transfer", "bob", idempotency_key="t-bob-cy",
                json={"to": "cy", "asset": "CHIP", "amount": 1_500}))
    entries = sum(1 for r in firestore_rest.query("journal").json() if "document" in r)
    # when steps fold at most 3 entries each until caught up
    steps = [reconciliation.run(lag=NO_LAG, fold_entries=3)]
    while not steps[-1]["journal"]["caught_up"]:
        steps.append(reconciliation.run(lag=NO_LAG, fold_entries=3))
        assert len(steps) < 100
    # then every entry was folded exactly once, and every step found the ledger whole
    assert sum(s["journal"]["folded"] for s in steps) == entries
    assert max(s["journal"]["folded"] for s in steps) <= 3
    assert all(s["ok"] for s in steps) and steps[-1]["journal"]["tail_entries"] == 0


def entries_per_account(firestore_rest) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in firestore_rest.query("journal").json():
        if "document" in row:
            account = row["document"]["fields"]["account_id"]["stringValue"]
            counts[account] = counts.get(account, 0) + 1
    return counts


def test_a_tail_too_long_to_read_at_once_defers_the_partition_until_the_fold_catches_up(
        api, admin_uid, firestore_rest, monkeypatch):
    # given a ledger none of whose entries is folded yet, and bob's account edited behind it
    seed(api, admin_uid)
    account = firestore_rest.read("accounts/bob:CHIP")
    firestore_rest.update("accounts/bob:CHIP", {"credits_posted": account["credits_posted"] + 5})
    # when a step may read only one tail entry (the fold lags: nothing is older than the lag)
    monkeypatch.setattr(reconciliation, "MAX_TAIL", 1)
    deferred = reconciliation.run()
    # then it verifies nothing and says so, and the next period starts where it was
    assert deferred["partition"]["deferred"] and deferred["accounts"] == 0
    assert not deferred["partition"]["period_complete"] and deferred["ok"]
    # and once the fold has caught up, the same partition is verified and bob is named
    caught_up = reconciliation.run(lag=NO_LAG)
    assert caught_up["journal"]["caught_up"] and not caught_up["partition"]["deferred"]
    assert drift_of(caught_up)[("journal", "bob:CHIP", "credits_posted")] == 5
    assert caught_up["accounts"] == len(account_ids(firestore_rest))


def test_a_long_tail_shortens_the_partition_and_every_account_is_still_verified(
        api, admin_uid, firestore_rest, monkeypatch):
    # given unfolded entries and bob's account edited behind the ledger
    from shared.store import reconciliation as store

    seed(api, admin_uid)
    account = firestore_rest.read("accounts/bob:CHIP")
    firestore_rest.update("accounts/bob:CHIP", {"credits_posted": account["credits_posted"] + 5})
    # when a step may read as many tail entries as the busiest account has, one account a query
    tails = entries_per_account(firestore_rest)
    monkeypatch.setattr(store, "IN_LIMIT", 1)
    monkeypatch.setattr(reconciliation, "MAX_TAIL", max(tails.values()))
    period = one_period()
    # then steps verify shorter partitions, none deferred, covering every account once
    assert len(period) > 1 and not any(r["partition"]["deferred"] for r in period)
    assert sum(r["accounts"] for r in period) == len(account_ids(firestore_rest))
    assert all(r["journal"]["tail_entries"] <= max(tails.values()) for r in period)
    named = [r for r in period if not r["ok"]]
    assert len(named) == 1
    assert drift_of(named[0])[("journal", "bob:CHIP", "credits_posted")] == 5


def test_a_journal_entry_edited_behind_the_ledger_is_named_against_its_transfer(
        api, admin_uid, firestore_rest):
    # given a transfer of 300 from ann to bob
    transfer_id = seed(api, admin_uid)
    path = f"journal/{transfer_id}~bob:CHIP"
    entry = firestore_rest.read(path)
    # when its credit entry is edited to say 309
    firestore_rest.update(path, {"credits_posted": entry["credits_posted"] + 9})
    # then the report names the transfer and bob's account, while the entry is new (the tail)
    drift = drift_of(reconcile(api, admin_uid))
    assert drift[("transfer", transfer_id, "credits_posted")] == 9
    assert drift[("journal", "bob:CHIP", "credits_posted")] == -9
    # and once it is folded: the step that folds it names the transfer, and bob's sums stay off
    folded = drift_of(reconciliation.run(lag=NO_LAG))
    assert folded[("transfer", transfer_id, "credits_posted")] == 9
    later = drift_of(reconciliation.run(lag=NO_LAG))
    assert later == {("journal", "bob:CHIP", "credits_posted"): -9}


def test_a_deleted_journal_entry_is_named_as_missing(api, admin_uid, firestore_rest):
    transfer_id = seed(api, admin_uid)
    firestore_rest.delete(f"journal/{transfer_id}~ann:CHIP").raise_for_status()
    drift = drift_of(reconcile(api, admin_uid))
    assert drift[("transfer", transfer_id, "missing_entry:debit")] == -1
    assert drift[("journal", "ann:CHIP", "debits_posted")] == 300


def test_a_share_that_consolidation_says_it_moved_but_holds_fees_is_named(
        api, admin_uid, firestore_rest):
    # given every share consolidated, then a transfer whose fee lands in a fees share
    from shared.services import consolidation

    seed(api, admin_uid)
    assert consolidation.run()["complete"]
    assert reconcile(api, admin_uid)["ok"]
    ok(api.call("POST", "create_transfer", "bob", idempotency_key="t-bob-cy",
                json={"to": "cy", "asset": "CHIP", "amount": 1_500}))
    assert reconcile(api, admin_uid)["ok"]   # consolidation has not run since: nothing owed
    # when consolidation's status claims a complete run that started after that fee
    later = datetime.now(timezone.utc) + timedelta(minutes=2)
    firestore_rest.write("consolidation/status", {"completed_run_started_at": later})
    # then the share still holding the fee is named with it
    shares = {i: firestore_rest.read(f"accounts/{i}")["balance"]
              for i in account_ids(firestore_rest) if i.startswith("sys.fees.")}
    named = {s: d for (check, s, _), d in drift_of(reconcile(api, admin_uid)).items()
             if check == "consolidation"}
    assert named and named == {s: b for s, b in shares.items() if b}


def test_a_market_marked_settled_whose_escrow_still_holds_commits_is_named(
        api, admin_uid, firestore_rest):
    # given ann's commit of 70 held in her escrow in an open market
    from shared.domain.markets.market import escrow_account_id

    seed(api, admin_uid)
    closes = datetime.now(timezone.utc) + timedelta(hours=1)
    market = ok(api.call("POST", "create_market", admin_uid, idempotency_key="m-1", json={
        "slug": "escrow-check", "title": "Will the escrow empty?", "category": "crypto",
        "outcomes": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}],
        "closes_at": closes.isoformat(), "max_per_user": 1_000, "asset": "CHIP"}))["id"]
    ok(api.call("POST", "commit_forecast", "ann", idempotency_key="f-1",
                json={"market_id": market, "outcome": "yes", "amount": 70}))
    assert reconcile(api, admin_uid)["ok"]
    # when the market is marked settled behind settlement's back
    firestore_rest.update(f"markets/{market}", {"settlement": {"state": "settled"}})
    # then her escrow is named: 70 still pending in a settled market
    escrow = escrow_account_id(market, "ann", "CHIP")
    assert drift_of(reconcile(api, admin_uid)) == \
        {("market_escrow", escrow, "credits_pending"): 70}


def test_an_order_book_escrow_holding_a_posted_balance_is_named(api, admin_uid, firestore_rest):
    # given sal's resting sell order of 10 GOLD, held in her escrow in the book
    from shared.domain.exchange.books import escrow_account_id

    seed(api, admin_uid)
    ok(api.call("POST", "admin_create_asset", admin_uid, idempotency_key="a-gold",
                json={"code": "GOLD", "name": "Gold creator", "decimals": 0, "kind": "creator"}))
    api.call("GET", "get_me", "sal")
    ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key="adj-sal",
                json={"uid": "sal", "asset": "GOLD", "amount": 1_000, "reason": "listing"}))
    ok(api.call("POST", "admin_create_book", admin_uid, idempotency_key="b-gold", json={
        "base": "GOLD", "tick_size": 1, "min_quantity": 1, "max_quantity": 500}))
    ok(api.call("POST", "place_order", "sal", idempotency_key="o-1", json={
        "book": "GOLD-CHIP", "side": "sell", "type": "limit", "tif": "gtc", "quantity": 10,
        "price": 100}))
    assert reconcile(api, admin_uid)["ok"]
    # when 11 GOLD appear posted in her escrow behind the ledger
    escrow = escrow_account_id("GOLD-CHIP", "sal", "GOLD")
    account = firestore_rest.read(f"accounts/{escrow}")
    assert account["credits_pending"] == 10
    firestore_rest.update(f"accounts/{escrow}", {"credits_posted": account["credits_posted"] + 11,
                                                  "balance": account["balance"] + 11})
    # then the escrow is named by the book's check, besides its journal and the asset's zero sum
    drift = drift_of(reconcile(api, admin_uid))
    assert drift == {("book_escrow", escrow, "balance"): 11,
                     ("journal", escrow, "credits_posted"): 11, ("zero_sum", "GOLD", "balance"): 11}


def test_a_purchase_record_corrupted_after_its_mint_is_named_by_a_partition_step(
        api, admin_uid, firestore_rest):
    # given kai's purchase of 100 tokens, paid and minted
    from .purchases_helpers import deliver, package, payment_event, pending_purchase

    seed(api, admin_uid)
    p = pending_purchase("kai", package(api, admin_uid, tokens=100, price=500))
    ok(deliver(api, payment_event("succeeded", p)))
    assert all(r["ok"] for r in one_period(accounts_per_step=2))
    # when the purchase record says it failed
    firestore_rest.update(f"purchases/{p['id']}", {"status": "failed"})
    # then the steps of the next period (none of them the whole ledger) whose partitions hold
    # an account its mint touched name it: 100 minted, 0 expected
    period = one_period(accounts_per_step=2)
    named = [drift_of(r)[("purchases", p["id"], "minted")] for r in period
             if ("purchases", p["id"], "minted") in drift_of(r)]
    assert named and set(named) == {100}
    assert not any(r["partition"]["whole_ledger"] for r in period)


def test_entries_written_before_the_feed_are_folded_once_backfilled(api, admin_uid,
                                                                     firestore_rest):
    from dev.backfill_journal_feed import backfill

    # given a ledger whose journal entries were written before they carried `feed`
    seed(api, admin_uid)
    docs = firestore_rest.query_docs("journal")
    for path in docs:
        firestore_rest.http.patch(firestore_rest.doc_url(path), params=[
            ("updateMask.fieldPaths", "feed")], json={"fields": {}},
            headers=firestore_rest._headers(OWNER)).raise_for_status()
    assert not any("feed" in d for d in firestore_rest.query_docs("journal").values())
    # when the backfill runs before the first step
    assert backfill(page=3) == len(docs)
    assert backfill(page=3) == 0
    # then a step folds every entry and finds the ledger whole
    report = reconciliation.run(lag=NO_LAG)
    assert report["ok"] and report["journal"]["folded"] == len(docs)
    # and once reconciliation has folded, the backfill refuses to run
    with pytest.raises(SystemExit):
        backfill()
