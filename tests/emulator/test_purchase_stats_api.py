"""Purchase statistics from their read model: exact against the purchases and balances the API
lists, honest while changes wait for the fold, and read in a bounded number of documents."""
from __future__ import annotations

import pytest

from dev.firestore_bill import total

from .helpers import balance, key, ok, reconcile, set_chips
from .purchases_helpers import deliver, dispute_event, package, payment_event, pending_purchase
from .purchases_helpers import refund_event
from .test_hot_paths import counted

__all__ = ["counted"]
pytestmark = pytest.mark.usefixtures("ledger")


def stats(api, admin: str) -> dict:
    return ok(api.call("GET", "admin_purchase_stats", admin))


def fold(api) -> int:
    return ok(api.call("POST", "job_fold_purchase_stats"))["folded"]


def expected_from_listings(api, admin: str, buyers: list[str]) -> dict:
    """The statistics recomputed from every purchase admin_list_purchases pages through and
    every buyer's amount owed (what the endpoint computed before its read model)."""
    purchases, cursor = [], None
    while True:
        page = ok(api.call("GET", "admin_list_purchases", admin,
                           params={"limit": 3, **({"cursor": cursor} if cursor else {})}))
        purchases += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    completed = [p for p in purchases if p["status"] == "completed"]
    currencies = sorted({p["currency"] for p in completed})
    return {
        "tokens_sold": sum(p["tokens"] + p["bonus"] for p in completed),
        "tokens_clawed_back": sum(p["clawed_back"] for p in completed),
        "completed": len(completed),
        "pending": sum(p["status"] == "pending" for p in purchases),
        "failed": sum(p["status"] in ("failed", "canceled") for p in purchases),
        "by_currency": [{"currency": c,
                         "revenue": sum(p["amount"] - p["refunded"] for p in completed
                                        if p["currency"] == c),
                         "refunded": sum(p["refunded"] for p in completed if p["currency"] == c),
                         "purchases": sum(p["currency"] == c for p in completed)}
                        for c in currencies],
        "outstanding_receivables": sum(balance(api, uid)["owed"] for uid in buyers)}


def refunded_after_spending(api, admin: str, uid: str, pkg: dict, spent: int) -> dict:
    """A purchase by `uid` (who held no CHIP before) credited, `spent` of it spent, then
    refunded in full: the receivable owes what was spent."""
    api.call("GET", "get_me", uid)
    set_chips(api, admin, uid, 0)
    purchase = pending_purchase(uid, pkg)
    ok(deliver(api, payment_event("succeeded", purchase)))
    ok(api.call("POST", "admin_adjust", admin, idempotency_key=key(),
                json={"uid": uid, "asset": "CHIP", "amount": -spent, "reason": "spent"}))
    ok(deliver(api, refund_event(purchase, 500)))
    return purchase


def test_stats_equal_the_purchases_listed_once_folded_and_say_when_changes_wait(api, admin_uid):
    # given purchases in two currencies that succeed, fail, stay pending, are partly refunded,
    # refunded after the tokens were spent (a debt, partly repaid later) and lost in a dispute
    usd = package(api, admin_uid, tokens=100, bonus=10, price=500)
    eur = package(api, admin_uid, tokens=300, price=700, currency="eur")
    paid = pending_purchase("sa", usd)
    ok(deliver(api, payment_event("succeeded", paid)))
    refunded = pending_purchase("sb", eur)
    ok(deliver(api, payment_event("succeeded", refunded)))
    ok(deliver(api, refund_event(refunded, 350)))
    ok(deliver(api, payment_event("payment_failed", pending_purchase("sc", usd))))
    pending_purchase("sd", usd)
    refunded_after_spending(api, admin_uid, "se", usd, spent=80)
    ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                json={"uid": "se", "asset": "CHIP", "amount": 30, "reason": "a later credit"}))
    disputed = pending_purchase("sf", eur)
    ok(deliver(api, payment_event("succeeded", disputed)))
    ok(deliver(api, dispute_event("created", disputed)))
    ok(deliver(api, dispute_event("closed", disputed, status="lost")))
    expected = expected_from_listings(api, admin_uid, ["sa", "sb", "sc", "sd", "se", "sf"])
    assert (expected["tokens_sold"], expected["completed"], expected["pending"],
            expected["failed"], expected["outstanding_receivables"]) == (
        2 * 110 + 2 * 300, 4, 1, 1, 80 - 30)   # the listings are not trivially empty

    # when more changes wait than a read adds up, the answer says it is not complete
    waiting = stats(api, admin_uid)
    assert waiting["complete"] is False and waiting["folded_at"] is None

    # then once the job folded them (here in pages of 3, each its own transaction), the
    # statistics are those of the purchases listed
    from shared.services.purchases.stats import fold as fold_in_pages

    assert fold_in_pages(page=3)["folded"] >= 8
    folded = stats(api, admin_uid)
    assert folded["complete"] is True and folded["folded_at"] is not None
    assert {k: v for k, v in folded.items() if k not in ("complete", "folded_at")} == expected
    assert folded["by_currency"] == [
        {"currency": "eur", "revenue": 700 - 350 + 700, "refunded": 350, "purchases": 2},
        {"currency": "usd", "revenue": 500 + 500 - 500, "refunded": 500, "purchases": 2}]

    # and a second fold adds nothing, and says it found nothing changed (what its read budget
    # grows with); a new change is counted at once, before any fold
    assert ok(api.call("POST", "job_fold_purchase_stats")) == {"folded": 0, "changed": 0}
    ok(deliver(api, payment_event("succeeded", pending_purchase("sd", usd))))
    after = stats(api, admin_uid)
    assert after["complete"] is True
    assert (after["completed"], after["pending"], after["tokens_sold"]) == (5, 1, 820 + 110)
    assert reconcile(api, admin_uid)["ok"]


def reads_of_stats(client, counter, admin: str) -> int:
    mark = counter.mark()
    ok(client.call("GET", "admin_purchase_stats", admin))
    counter.mark()  # every RPC of the call recorded
    return total(r for r in counter.records(mark)
                 if r.tag.startswith("admin_purchase_stats http ")).reads


def test_stats_read_the_same_few_documents_at_10_and_60_purchases(api, admin_uid, counted):
    from bench.budgets import evaluate
    from functions.manifest import READS

    client, counter = counted
    pkg = package(api, admin_uid, tokens=10, price=100)
    reads, bought = [], 0
    for size in (10, 60):
        # given `size` completed purchases, folded, and then more changes than a read adds up
        for n in range(bought, size):
            ok(deliver(api, payment_event("succeeded", pending_purchase(f"buyer{n}", pkg))))
        bought = size
        fold(api)
        reads.append(reads_of_stats(client, counter, admin_uid))
        for n in range(5):
            pending_purchase(f"late{size}.{n}", pkg)
            pending_purchase(f"late{size}.{n}", pkg)
        assert stats(api, admin_uid)["complete"] is False
        reads.append(reads_of_stats(client, counter, admin_uid))
        run = ok(api.call("POST", "job_fold_purchase_stats"))
        assert run["changed"] == run["folded"] >= 5
        assert stats(api, admin_uid)["completed"] == size
    # then every read is within the budget, and reads do not grow with the purchases
    budget = evaluate(READS["admin_purchase_stats"], {})
    assert max(reads) <= budget and reads[0] == reads[2] and reads[1] == reads[3], reads


def test_a_rebuild_over_purchases_made_before_the_read_model_equals_them(api, admin_uid):
    from shared.services.purchases.stats import rebuild
    from shared.store.client import collection
    from shared.store.purchase_stats import CHANGES, totals_ref

    # given purchases (one refunded after its tokens were spent) whose changes were never
    # recorded, as before the read model was deployed
    usd = package(api, admin_uid, tokens=100, price=500)
    ok(deliver(api, payment_event("succeeded", pending_purchase("ra", usd))))
    refunded_after_spending(api, admin_uid, "rb", usd, spent=60)
    pending_purchase("rc", usd)
    for snap in collection(CHANGES).stream():
        snap.reference.delete()
    totals_ref().delete()
    assert stats(api, admin_uid)["completed"] == 0
    # and one change recorded since, still waiting
    ok(deliver(api, payment_event("succeeded", pending_purchase("rd", usd))))
    # when the totals are rebuilt, then the statistics are those of every purchase listed,
    # the waiting change counted once
    assert rebuild() == {"purchases": 4, "discarded": 2}
    rebuilt = stats(api, admin_uid)
    expected = expected_from_listings(api, admin_uid, ["ra", "rb", "rc", "rd"])
    assert {k: v for k, v in rebuilt.items() if k not in ("complete", "folded_at")} == expected
    assert (rebuilt["complete"], rebuilt["completed"], rebuilt["outstanding_receivables"]) == (
        True, 3, 60)
    # and later changes count on top of it
    assert fold(api) == 0
    ok(deliver(api, payment_event("succeeded", pending_purchase("rc", usd))))
    assert stats(api, admin_uid)["completed"] == 4


def test_reconciliation_names_totals_that_disagree_with_the_purchases_and_a_positive_receivable(
        api, admin_uid, firestore_rest):
    # given a purchase refunded after 80 of its tokens were spent (se owes 80), all folded
    usd = package(api, admin_uid, tokens=100, bonus=10, price=500)
    refunded_after_spending(api, admin_uid, "se", usd, spent=80)
    fold(api)
    assert reconcile(api, admin_uid)["ok"]
    # when the folded totals are edited behind the read model, and the receivable is credited
    # past zero behind the ledger
    totals = firestore_rest.read("purchase_stats/totals")["totals"]
    firestore_rest.update("purchase_stats/totals",
                          {"totals": {**totals, "tokens_sold": totals["tokens_sold"] + 7}})
    receivable = firestore_rest.read("accounts/se:CHIP:receivable")
    firestore_rest.update("accounts/se:CHIP:receivable",
                          {"credits_posted": receivable["debits_posted"] + 5})
    # then reconciliation names both, with their exact differences
    drift = {(d["check"], d["subject"], d["field"]): d["difference"]
             for d in reconcile(api, admin_uid)["drift"]}
    assert drift[("purchase_stats", "totals", "tokens_sold")] == 7
    assert drift[("receivable", "se:CHIP:receivable", "balance")] == 5
