"""The layout checks of reconciliation on hand-made accounts: each names exactly what breaks it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from shared.domain.accounts import (Counters, SystemAccount, empty_account, spread_account_id,
                                    user_account_id)
from shared.domain.exchange.books import escrow_account_id as book_escrow_id
from shared.domain.layouts import book_escrows, market_of, settled_escrows, unconsolidated
from shared.domain.markets.market import escrow_account_id, pool_account_id

T = datetime(2026, 1, 1, tzinfo=timezone.utc)
LAG = timedelta(seconds=30)


def holding(account_id: str, counters: Counters):
    return empty_account(account_id)._replace(counters=counters)


def test_a_share_changed_before_the_last_complete_run_must_be_empty():
    share = holding(spread_account_id(SystemAccount.FEES, "ann", "CHIP"), Counters(0, 5, 0, 0))
    user = holding(user_account_id("ann", "CHIP"), Counters(0, 5, 0, 0))
    old, recent = T - timedelta(minutes=5), T - timedelta(seconds=10)
    assert [tuple(d) for d in unconsolidated([(share, old), (user, old)], T, LAG)] == \
        [("consolidation", share.id, "balance", 0, 5)]
    assert unconsolidated([(share, recent)], T, LAG) == []     # the run may not have seen it
    assert unconsolidated([(share, old)], None, LAG) == []     # no complete run yet


def test_escrows_of_markets_and_books_are_told_apart():
    market_escrow = holding(escrow_account_id("m1", "ann", "CHIP"), Counters())
    pool = holding(pool_account_id("m1", "CHIP", 3), Counters())
    book = holding(book_escrow_id("GOLD-CHIP", "ann", "GOLD"), Counters())
    assert [market_of(a) for a in (market_escrow, pool, book)] == ["m1", "m1", None]


def test_a_settled_markets_escrow_and_pool_must_be_empty():
    escrow = holding(escrow_account_id("m1", "ann", "CHIP"), Counters(0, 0, 0, 70))
    pool = holding(pool_account_id("m1", "CHIP"), Counters(10, 12, 0, 0))
    other = holding(escrow_account_id("m2", "ann", "CHIP"), Counters(0, 0, 0, 70))
    drift = settled_escrows([escrow, pool, other], {"m1"})
    assert [(d.subject, d.field, d.actual) for d in drift] == \
        [(escrow.id, "credits_pending", 70), (pool.id, "balance", 2)]


def test_a_book_escrow_holds_nothing_posted_whatever_it_has_pending():
    resting = holding(book_escrow_id("GOLD-CHIP", "ann", "GOLD"), Counters(5, 5, 0, 10))
    leaking = holding(book_escrow_id("GOLD-CHIP", "bob", "GOLD"), Counters(5, 16, 0, 0))
    assert [(d.subject, d.actual) for d in book_escrows([resting, leaking])] == [(leaking.id, 11)]
