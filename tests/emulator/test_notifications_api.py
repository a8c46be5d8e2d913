"""Notifications for everything that moves a user's money or position, through the dev server:
each kind arrives once with a readable message and the ids a client links to; muted kinds are
not written; marking all read works in bounded batches."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.support.waiting import eventually

from .helpers import balance, key, ok, set_chips
from .purchases_helpers import deliver, package, payment_event, pending_purchase, refund_event
from .test_hot_paths import counted
from .test_swaps_api import give, gold, offer, take

__all__ = ["counted", "gold"]  # fixtures: the counted dev server and its counter; GOLD with prices
pytestmark = pytest.mark.usefixtures("ledger")
WAIT_S = 40


def notes(api, uid: str, kind: str | None = None) -> list[dict]:
    items = ok(api.call("GET", "list_notifications", uid, params={"limit": 100}))["items"]
    return [n for n in items if kind is None or n["kind"] == kind]


def mute(api, uid: str, *kinds: str) -> dict:
    return ok(api.call("POST", "update_notification_settings", uid, idempotency_key=key(),
                       json={"muted": list(kinds)}))


def place(api, uid, side, quantity, price, tif="gtc"):
    return ok(api.call("POST", "place_order", uid, idempotency_key=key(),
                       json={"book": "CARA-CHIP", "side": side, "quantity": quantity,
                             "price": price, "tif": tif}))


def test_a_transfer_received_is_told_once_until_muted(api, admin_uid):
    # given ann with tokens and bob
    set_chips(api, admin_uid, "ann", 1_000)
    ok(api.call("GET", "get_me", "bob"))
    # when ann sends bob 250 (the same request arriving twice)
    same = key()
    sent = ok(api.call("POST", "create_transfer", "ann", idempotency_key=same,
                       json={"to": "bob", "asset": "CHIP", "amount": 250, "memo": "lunch"}))
    ok(api.call("POST", "create_transfer", "ann", idempotency_key=same,
                json={"to": "bob", "asset": "CHIP", "amount": 250, "memo": "lunch"}))
    # then bob is told once, in words, with the transfer to link to; ann is told nothing
    [note] = notes(api, "bob")
    assert note["kind"] == "transfer_received" and note["read"] is False
    assert note["message"] == "You received 250 CHIP from ann."
    assert (note["data"]["transfer_id"], note["data"]["from"]) == (sent["transfer_id"], "ann")
    assert notes(api, "ann", "transfer_received") == []
    # when bob mutes transfers (and says so twice), another transfer is not written at all
    assert mute(api, "bob", "transfer_received", "transfer_received")["muted"] == \
        ["transfer_received"]
    ok(api.call("POST", "create_transfer", "ann", idempotency_key=key(),
                json={"to": "bob", "asset": "CHIP", "amount": 5}))
    assert balance(api, "bob")["total"] >= 255
    assert len(notes(api, "bob", "transfer_received")) == 1
    # and unmuting brings them back
    assert mute(api, "bob")["muted"] == []
    ok(api.call("POST", "create_transfer", "ann", idempotency_key=key(),
                json={"to": "bob", "asset": "CHIP", "amount": 7}))
    assert [n["data"]["amount"] for n in notes(api, "bob", "transfer_received")] == [7, 250]
    # and a kind that cannot be muted is refused
    bad = api.call("POST", "update_notification_settings", "bob", idempotency_key=key(),
                   json={"muted": ["market_resolved"]})
    assert bad.status_code == 400


def test_purchases_credited_failed_and_clawed_back_are_told(api, admin_uid):
    # given a package and two pending purchases of cat's
    pkg = package(api, admin_uid, tokens=1_000, bonus=100, price=1_000)
    bought, failed = pending_purchase("cat", pkg), pending_purchase("cat", pkg)
    # when one succeeds (delivered twice), the other fails, and the first is refunded in part
    ok(deliver(api, payment_event("succeeded", bought)))
    ok(deliver(api, payment_event("succeeded", bought)))
    ok(deliver(api, payment_event("payment_failed", failed)))
    ok(deliver(api, refund_event(bought, 500)))
    # then cat is told each once, in words, with the purchase to link to
    by_kind = {n["kind"]: n for n in notes(api, "cat")}
    assert Counter(n["kind"] for n in notes(api, "cat")) == Counter(
        {"purchase_credited": 1, "purchase_failed": 1, "refund_clawback": 1})
    credited = by_kind["purchase_credited"]
    assert credited["message"] == "Your purchase of 1,000 CHIP plus a bonus of 100 was credited."
    assert credited["data"]["purchase_id"] == bought["id"]
    assert by_kind["purchase_failed"]["data"]["purchase_id"] == failed["id"]
    assert "did not go through" in by_kind["purchase_failed"]["message"]
    clawed = by_kind["refund_clawback"]
    assert (clawed["data"]["purchase_id"], clawed["data"]["amount"]) == (bought["id"], 550)
    assert clawed["message"] == "A refund or dispute on your purchase took back 550 CHIP."


def test_a_reward_and_a_taken_swap_offer_are_told(api, admin_uid, gold):
    # given a funded rewards pool, GOLD with prices, and ann's offer of GOLD for CHIP
    ok(api.call("GET", "get_me", "ann"))
    ok(api.call("POST", "admin_fund_rewards", admin_uid, idempotency_key=key(),
                json={"asset": "CHIP", "amount": 10_240, "reason": "season one"}))
    give(api, admin_uid, "ann", "GOLD", 1_000)
    set_chips(api, admin_uid, "bob", 50_000)
    made = ok(offer(api, "ann", 500, 10_000, partial=True))
    # when ann is rewarded, and bob takes half her offer
    paid = ok(api.call("POST", "pay_reward", admin_uid, idempotency_key=key(), json={
        "reward_id": "streak-ann-1", "uid": "ann", "asset": "CHIP", "amount": 30,
        "reason": "7-day streak"}))
    ok(take(api, "bob", made["id"], 250))
    # then ann is told of both, with what to link to
    [reward] = notes(api, "ann", "reward_paid")
    assert reward["message"] == "You were rewarded 30 CHIP: 7-day streak."
    assert (reward["data"]["reward_id"], reward["data"]["transfer_id"]) == \
        ("streak-ann-1", paid["transfer_id"])
    [taken] = notes(api, "ann", "swap_offer_taken")
    assert taken["data"]["offer_id"] == made["id"]
    assert (taken["data"]["gave"], taken["data"]["received"]) == (250, 5_000)
    assert taken["message"] == ("Your swap offer was taken: you gave 250 GOLD and received "
                                "5,000 CHIP.")
    assert notes(api, "bob", "swap_offer_taken") == []


def test_fills_in_part_and_whole_and_a_system_cancel_are_told_not_an_own_cancel(api, admin_uid):
    # given a creator token and a buyer
    for uid in ("cara", "bob"):
        ok(api.call("GET", "get_me", uid))
    ok(api.call("POST", "admin_list_creator", admin_uid, idempotency_key=key(), json={
        "uid": "cara", "symbol": "CARA", "name": "Cara", "initial_supply": 1_000}))
    set_chips(api, admin_uid, "bob", 100_000)
    # when cara's ask of 100 is filled 40 then 60, bob's IOC for 50 more fills nothing and is
    # cancelled by the exchange, and bob cancels a resting bid himself
    ask = place(api, "cara", "sell", 100, 50)
    place(api, "bob", "buy", 40, 50)
    place(api, "bob", "buy", 60, 50)
    ioc = place(api, "bob", "buy", 50, 50, tif="ioc")
    bid = place(api, "bob", "buy", 5, 10)
    ok(api.call("POST", "cancel_order", "bob", idempotency_key=key(),
                json={"order_id": bid["id"]}))

    # then cara hears of the part fill and the whole fill of her ask
    def cara_fills():
        return sorted(n["data"]["filled"] for n in notes(api, "cara", "order_filled"))
    eventually(lambda: cara_fills() == [40, 100], timeout_s=WAIT_S, what="cara's fills")
    fills = {n["data"]["filled"]: n for n in notes(api, "cara", "order_filled")}
    assert fills[40]["data"]["order_id"] == ask["id"] and fills[40]["data"]["book"] == "CARA-CHIP"
    assert fills[40]["message"] == ("Your sell order on CARA-CHIP was filled 40 of 100 "
                                    "(average price 50.0000).")
    assert fills[100]["message"] == "Your sell order on CARA-CHIP was filled (average price 50.0000)."
    # and bob of his two whole fills and of the IOC the exchange cancelled, not of his own cancel
    eventually(lambda: len(notes(api, "bob", "order_cancelled")) == 1
               and len(notes(api, "bob", "order_filled")) == 2, timeout_s=WAIT_S,
               what="bob's notices")
    [cancelled] = notes(api, "bob", "order_cancelled")
    assert cancelled["data"]["order_id"] == ioc["id"]
    assert cancelled["message"].startswith("Your buy order on CARA-CHIP was cancelled because")
    assert all(n["data"]["order_id"] != bid["id"] for n in notes(api, "bob"))


def test_muted_order_fills_are_not_written(api, admin_uid):
    for uid in ("cara", "bob"):
        ok(api.call("GET", "get_me", uid))
    ok(api.call("POST", "admin_list_creator", admin_uid, idempotency_key=key(), json={
        "uid": "cara", "symbol": "CARA", "name": "Cara", "initial_supply": 1_000}))
    set_chips(api, admin_uid, "bob", 100_000)
    mute(api, "cara", "order_filled")
    place(api, "cara", "sell", 10, 50)
    place(api, "bob", "buy", 10, 50)
    eventually(lambda: len(notes(api, "bob", "order_filled")) == 1, timeout_s=WAIT_S,
               what="bob's fill")
    assert notes(api, "cara") == []


def test_mark_all_read_works_in_bounded_batches(api, admin_uid):
    from google.cloud import firestore

    from shared.services import notices
    from shared.store.client import db

    # given dan with 105 unread notifications
    ok(api.call("GET", "get_me", "dan"))
    batch = db().batch()
    for n in range(105):
        batch.set(db().collection("notifications").document(f"seed-dan-{n}"),
                  notices.doc("dan", "reward_paid", asset="CHIP", amount=n + 1, reason="seed",
                              reward_id=f"r{n}") | {"created_at": firestore.SERVER_TIMESTAMP})
    batch.commit()
    page = ok(api.call("GET", "list_notifications", "dan", params={"limit": 5}))
    assert page["unread_count"] == 105
    # when dan marks all read: a first batch of 100, then the rest
    assert ok(api.call("POST", "mark_notifications_read", "dan", idempotency_key=key(),
                       json={"all": True})) == {"marked": 100, "more": True}
    assert ok(api.call("POST", "mark_notifications_read", "dan", idempotency_key=key(),
                       json={"all": True})) == {"marked": 5, "more": False}
    assert ok(api.call("GET", "list_notifications", "dan",
                       params={"unread": "true"}))["unread_count"] == 0


def test_market_notices_and_badges_read_as_sentences_and_new_markets_can_be_muted(api, admin_uid):
    from .test_markets_lifecycle import commit, create_market

    # given two followers of crypto, one of whom muted new markets
    for uid in ("eve", "fay"):
        ok(api.call("POST", "follow_category", uid, idempotency_key=key(),
                    json={"category": "crypto"}))
    mute(api, "fay", "new_market")
    set_chips(api, admin_uid, "eve", 1_000)
    # when a crypto market opens and eve forecasts on it
    market = create_market(api, admin_uid, "sentences", closes_in_s=3_600)
    eventually(lambda: len(notes(api, "eve", "new_market")) == 1, timeout_s=WAIT_S,
               what="eve's new market notice")
    ok(commit(api, "eve", market["id"], "yes", 10))
    eventually(lambda: len(notes(api, "eve", "badge_earned")) == 1, timeout_s=WAIT_S,
               what="eve's first forecast badge")
    # then each reads as a sentence and names what to link to
    [new] = notes(api, "eve", "new_market")
    assert new["message"] == f"New crypto market: \u201c{market['title']}\u201d."
    assert new["data"]["market_id"] == market["id"]
    [badge] = notes(api, "eve", "badge_earned")
    assert badge["message"] == "You earned the badge \u201cFirst forecast\u201d."
    # and fay, who muted new markets, was not written one
    assert notes(api, "fay", "new_market") == []


def test_a_notified_transfer_costs_one_write_more_than_a_muted_one_and_no_read(api, admin_uid,
                                                                             counted):
    from dev.firestore_bill import total

    client, counter = counted
    # given a payer and six payees, three of whom muted transfers
    set_chips(api, admin_uid, "payer", 10_000)
    for n in range(7):
        ok(api.call("GET", "get_me", f"payee{n}"))
    for n in range(3, 6):
        mute(api, f"payee{n}", "transfer_received")

    def bill(payees: range):
        mark = counter.mark()
        for n in payees:
            ok(client.call("POST", "create_transfer", "payer", idempotency_key=key(),
                           json={"to": f"payee{n}", "asset": "CHIP", "amount": 10}))
        counter.mark()
        return total(r for r in counter.records(mark) if r.tag.startswith("create_transfer http "))

    # when the payer pays each, counted at the RPC boundary (after a first transfer that fills
    # the server's caches: the asset, the caller)
    bill(range(6, 7))
    notified, muted = bill(range(3)), bill(range(3, 6))
    # then a notified transfer writes one document more (its notification) and reads the same
    # (the settings read, outside the transaction, either way)
    assert notified.writes - muted.writes == 3
    assert notified.reads == muted.reads
    assert len(notes(api, "payee0", "transfer_received")) == 1
    assert notes(api, "payee3") == []
