"""The purchase statistics' arithmetic: changes add up to the statistics of the final states."""
from __future__ import annotations

from shared.domain.accounts import Counters
from shared.domain.ledger import JournalEntry, TransferType
from shared.domain.purchase_stats import add, change, contribution, owed_change, view
from shared.domain.purchases import Purchase, PurchaseStatus


def test_the_changes_of_a_purchase_s_writes_add_up_to_its_final_state_in_any_order():
    # given a purchase created, completed, partly refunded, then refunded in full
    created = Purchase("p1", "ann", "pkg", "CHIP", tokens=100, bonus=10, amount=500,
                       currency="usd")
    paid = created._replace(status=PurchaseStatus.COMPLETED, version=1)
    part = paid._replace(refunded=200, clawed_back=44, version=2)
    full = part._replace(refunded=500, clawed_back=110, version=3)
    changes = [change(None, created), change(created, paid), change(paid, part),
               change(part, full)]
    # when the changes are added in either order
    forward, backward = {}, {}
    for c in changes:
        forward = add(forward, c)
    for c in reversed(changes):
        backward = add(backward, c)
    # then both are the final state's contribution, and a pending purchase counts only itself
    assert forward == backward == contribution(full)
    assert view(forward) == {"tokens_sold": 110, "tokens_clawed_back": 110, "completed": 1,
                             "pending": 0, "failed": 0,
                             "by_currency": [{"currency": "usd", "revenue": 0,
                                              "refunded": 500, "purchases": 1}],
                             "outstanding_receivables": 0}
    assert change(None, created) == {"count.pending": 1}
    assert change(created, created) == {}


def test_what_receivables_owe_moves_by_their_postings_only():
    def entry(account: str, debits: int = 0, credits: int = 0) -> JournalEntry:
        return JournalEntry("t", account, account.split(":")[0], "CHIP", TransferType.CLAWBACK,
                            "", Counters(debits_posted=debits, credits_posted=credits))

    owed = [entry("ann:CHIP:receivable", debits=80), entry("sys.issuance:CHIP", credits=80)]
    repaid = [entry("ann:CHIP", debits=30), entry("ann:CHIP:receivable", credits=30)]
    assert (owed_change(owed), owed_change(repaid), owed_change(owed[1:])) == (80, -30, 0)
