"""Behaviour of the ledger core, one rule per test."""
from __future__ import annotations

import pytest

from shared.domain.accounts import Account, AccountKind, Counters, receivable_account_id, user_account_id
from shared.domain.errors import IdempotencyConflict, InsufficientFunds, InvalidInput, Rejected
from shared.domain.ledger import HoldStatus, LedgerBatch, Transfer, TransferType, check_replay
from shared.domain.money import MAX_AMOUNT, fee_for

from .ledger_sim import SimLedger, escrow, issuance

ANN, ANN_OWED = user_account_id("ann", "CHIP"), receivable_account_id("ann", "CHIP")


def funded(amount: int = 1_000) -> SimLedger:
    sim = SimLedger()
    b = sim.batch(["ann"], "CHIP")
    b.transfer(Transfer("mint", issuance("CHIP"), ANN, "CHIP", amount, TransferType.PURCHASE))
    sim.commit(b)
    return sim


def hold(sim: SimLedger, amount: int, tid: str = "h1") -> None:
    b = sim.batch(["ann"], "CHIP")
    b.hold(Transfer(tid, ANN, escrow("CHIP"), "CHIP", amount, TransferType.COMMIT, pending=True))
    sim.commit(b)


def test_spend_beyond_available_is_refused_and_changes_nothing():
    sim = funded(500)
    b = sim.batch(["ann"], "CHIP")
    with pytest.raises(InsufficientFunds):
        b.transfer(Transfer("x", ANN, issuance("CHIP"), "CHIP", 501, TransferType.SERVICE_FEE))
    assert sim.accounts[ANN].balance == 500


def test_hold_moves_tokens_from_available_to_committed():
    sim = funded(1_000)
    hold(sim, 300)
    ann = sim.accounts[ANN]
    assert (ann.balance, ann.available, ann.counters.debits_pending) == (1_000, 700, 300)


def test_hold_can_be_posted_in_parts_then_voided():
    sim = funded(1_000)
    hold(sim, 300)
    for n, part in enumerate((100, 50)):
        b = sim.batch(["ann"], "CHIP")
        b.post(f"p{n}", "h1", part)
        sim.commit(b)
    b = sim.batch(["ann"], "CHIP")
    b.void("v", "h1")
    sim.commit(b)
    ann = sim.accounts[ANN]
    assert (ann.balance, ann.available, sim.holds["h1"].status) == (850, 850, HoldStatus.VOIDED)


def test_final_post_releases_the_remainder():
    sim = funded(1_000)
    hold(sim, 300)
    b = sim.batch(["ann"], "CHIP")
    b.post("p", "h1", 120, final=True)
    sim.commit(b)
    assert sim.accounts[ANN].available == 880
    assert sim.holds["h1"].status is HoldStatus.POSTED


def test_posting_more_than_the_hold_has_left_is_refused():
    sim = funded(1_000)
    hold(sim, 300)
    with pytest.raises(Rejected) as err:
        sim.batch(["ann"], "CHIP").post("p", "h1", 301)
    assert err.value.code == "exceeds_pending_transfer_amount"


def test_a_settled_hold_accepts_nothing_more():
    sim = funded(1_000)
    hold(sim, 300)
    b = sim.batch(["ann"], "CHIP")
    b.void("v", "h1")
    sim.commit(b)
    with pytest.raises(Rejected) as err:
        sim.batch(["ann"], "CHIP").post("p", "h1", 1)
    assert err.value.code == "pending_transfer_already_voided"


def test_credit_repays_what_the_user_owes_first():
    sim = SimLedger()
    sim.accounts[ANN_OWED] = Account(ANN_OWED, "ann", "CHIP", AccountKind.RECEIVABLE,
                                     Counters(debits_posted=80))
    sim.accounts[issuance("CHIP")] = Account(issuance("CHIP"), "sys.issuance", "CHIP",
                                             AccountKind.SYSTEM, Counters(credits_posted=80))
    b = sim.batch(["ann"], "CHIP")
    b.transfer(Transfer("gift", issuance("CHIP"), ANN, "CHIP", 50, TransferType.REWARD))
    sim.commit(b)
    assert (sim.accounts[ANN].balance, sim.accounts[ANN_OWED].balance) == (0, -30)


def test_user_accounts_must_be_read_before_they_change():
    b = LedgerBatch({})
    with pytest.raises(KeyError):
        b.transfer(Transfer("x", issuance("CHIP"), ANN, "CHIP", 1, TransferType.PURCHASE))


def test_only_issuance_may_be_debited_blind():
    b = LedgerBatch({})
    with pytest.raises(KeyError):
        b.transfer(Transfer("x", escrow("CHIP"), issuance("CHIP"), "CHIP", 1, TransferType.PAYOUT))


@pytest.mark.parametrize("amount", [0, -1, MAX_AMOUNT + 1, True, 1.0])
def test_amounts_must_be_positive_storable_integers(amount):
    b = funded().batch(["ann"], "CHIP")
    with pytest.raises(InvalidInput):
        b.transfer(Transfer("x", ANN, issuance("CHIP"), "CHIP", amount, TransferType.ADJUSTMENT))


def test_counters_never_reach_two_to_the_53():
    sim = funded(MAX_AMOUNT)
    b = sim.batch(["ann"], "CHIP")
    with pytest.raises(Rejected):
        b.transfer(Transfer("more", issuance("CHIP"), ANN, "CHIP", 1, TransferType.PURCHASE))


def test_same_transfer_id_with_other_content_conflicts():
    t = Transfer("x", ANN, issuance("CHIP"), "CHIP", 5, TransferType.ADJUSTMENT)
    check_replay(t, t)
    with pytest.raises(IdempotencyConflict):
        check_replay(t, Transfer("x", ANN, issuance("CHIP"), "CHIP", 6, TransferType.ADJUSTMENT))


def test_journal_shows_balance_before_and_after_for_read_accounts_only():
    sim = funded(100)
    entries = {e.account_id: e for e in sim.journal}
    assert (entries[ANN].balance_before, entries[ANN].balance_after) == (0, 100)
    assert entries[issuance("CHIP")].balance_before is None


@pytest.mark.parametrize("amount,fee", [(1, 1), (999, 1), (1000, 1), (1001, 2), (10_000, 10)])
def test_transfer_fee_is_a_tenth_of_a_percent_rounded_up(amount, fee):
    assert fee_for(amount, 10) == fee
