"""The incremental checks of reconciliation: every transfer the ledger makes agrees with its two
journal entries, a broken ledger or an edited entry does not, and folding entries in any split
gives the journal's sums."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.domain.accounts import Counters
from shared.domain.journal_audit import Entry, agreement, fold
from shared.domain.ledger import LedgerBatch, Transfer

from .ledger_sim import SimLedger
from .test_ledger_properties import SETTINGS, WITNESS, LeakyLedger, ops, run


class RecordingLedger(SimLedger):
    """The simulation, also keeping the transfers it committed."""

    def __init__(self, batch_cls: type = LedgerBatch) -> None:
        super().__init__(batch_cls)
        self.transfers: dict[str, Transfer] = {}

    def commit(self, batch: LedgerBatch) -> None:
        super().commit(batch)
        self.transfers.update((t.id, t) for t in batch.result.transfers)


def entries(sim: SimLedger) -> dict[str, Entry]:
    return {e.id: Entry(e.id, e.transfer_id, e.account_id, e.asset, e.type.value, e.reference,
                        e.delta) for e in sim.journal}


def drift_of(sim: RecordingLedger) -> list:
    journal = entries(sim)
    return [d for t in sim.transfers.values() for d in agreement(t.id, t, journal)]


@SETTINGS
@given(ops)
def test_every_transfer_the_ledger_makes_agrees_with_its_two_entries(program):
    assert drift_of(run(RecordingLedger(), program)) == []


def test_a_ledger_that_debits_less_than_it_credits_breaks_agreement():
    drift = drift_of(run(RecordingLedger(LeakyLedger), WITNESS))
    assert ("transfer", "t1", "credits_posted", 49, 50) in [tuple(d) for d in drift]


def test_an_edited_or_missing_entry_is_named_against_its_transfer():
    sim = run(RecordingLedger(), [("mint", "ann", "CHIP", 100), ("hold", "ann", "CHIP", 20),
                                  ("post", 0, 5, True)])
    journal = entries(sim)
    t0 = sim.transfers["t0"]
    credit = f"t0~{t0.credit_account_id}"
    edited = {**journal, credit: journal[credit]._replace(delta=Counters(credits_posted=109))}
    assert [(d.field, d.difference) for d in agreement("t0", t0, edited)] == \
        [("credits_posted", 9)]
    gone = {k: v for k, v in journal.items() if k != credit}
    assert [d.field for d in agreement("t0", t0, gone)] == ["missing_entry:credit"]
    posted = sim.transfers["t2"]   # posts 5 of the hold of 20, releasing the rest
    assert agreement("t2", posted, journal) == []
    wrong_size = posted._replace(amount=6)
    assert [(d.field, d.expected, d.actual) for d in agreement("t2", wrong_size, journal)] == \
        [("amount", 6, 5)]
    assert [d.field for d in agreement("t9", None, journal)] == ["missing_transfer"]


@SETTINGS
@given(ops, st.integers(0, 100))
def test_folding_the_journal_in_two_parts_gives_its_sums(program, split):
    sim = run(SimLedger(), program)
    items = list(entries(sim).values())
    cut = split % (len(items) + 1)
    first = fold({}, items[:cut])
    assert {**first, **fold(first, items[cut:])} == sim.journal_sums()
