"""Purchase statistics as a sum of changes: what each purchase, and each move of a receivable,
adds to the admin's totals.

Pure. Invariants:
- A purchase contributes `contribution(p)`, a function of its current state alone: one to the
  count of its status and, once minted, its tokens + bonus (sold), its clawed-back tokens, and
  per currency its net revenue (amount - refunded), refunds and one purchase. The totals over
  all purchases are therefore the sum of `change(before, after)` over every write of every
  purchase (telescoping from `None`, before it existed), whatever the order the changes are
  added in: addition of integer counters commutes.
- What receivables owe moves only by ledger postings to receivable accounts: a clawback the
  user cannot cover debits the receivable, a repayment credits it, and a repayment never
  exceeds what is owed (domain/ledger.py), so a receivable's balance is never positive and the
  total owed is the sum of (debits - credits) posted to receivables, i.e. of `owed_change` over
  every journal entry.
- Counters are integers keyed by flat names ("count.pending", "revenue.usd"); a change holds
  only its non-zero counters, and totals drop counters that return to zero.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from shared.domain.accounts import AccountKind, parse_account_id
from shared.domain.ledger import JournalEntry
from shared.domain.purchases import Purchase, PurchaseStatus

OWED = "outstanding_receivables"
SOLD, CLAWED = "tokens_sold", "tokens_clawed_back"


def contribution(p: Purchase | None) -> dict[str, int]:
    """What one purchase in its current state adds to the totals (nothing before it exists),
    its non-zero counters only."""
    if p is None:
        return {}
    out = {f"count.{p.status.value}": 1}
    if p.minted:
        out |= {SOLD: p.total, CLAWED: p.clawed_back,
                f"revenue.{p.currency}": p.amount - p.refunded,
                f"refunded.{p.currency}": p.refunded, f"purchases.{p.currency}": 1}
    return add({}, out)


def change(before: Purchase | None, after: Purchase) -> dict[str, int]:
    """What a write that moves a purchase from `before` to `after` adds (non-zero counters)."""
    return add(contribution(after), {k: -v for k, v in contribution(before).items()})


def owed_change(entries: Iterable[JournalEntry]) -> int:
    """How much more receivables owe after these postings (negative: repaid)."""
    owed = 0
    for e in entries:
        if parse_account_id(e.account_id)[2] is AccountKind.RECEIVABLE:
            owed += e.delta.debits_posted - e.delta.credits_posted
    return owed


def add(totals: Mapping[str, int], delta: Mapping[str, int]) -> dict[str, int]:
    """`totals` + `delta`, counter by counter, without the counters that end at zero."""
    out = dict(totals)
    for name, value in delta.items():
        out[name] = out.get(name, 0) + int(value)
    return {k: v for k, v in out.items() if v}


def view(totals: Mapping[str, int]) -> dict:
    """The admin's statistics from the totals (PurchaseStats, less its freshness fields)."""
    currencies = sorted({k.split(".", 1)[1] for k in totals
                         if k.split(".", 1)[0] in ("revenue", "refunded", "purchases")})
    count = {s: totals.get(f"count.{s.value}", 0) for s in PurchaseStatus}
    return {"tokens_sold": totals.get(SOLD, 0), "tokens_clawed_back": totals.get(CLAWED, 0),
            "completed": count[PurchaseStatus.COMPLETED],
            "pending": count[PurchaseStatus.PENDING],
            "failed": count[PurchaseStatus.FAILED] + count[PurchaseStatus.CANCELED],
            "by_currency": [{"currency": c, "revenue": totals.get(f"revenue.{c}", 0),
                             "refunded": totals.get(f"refunded.{c}", 0),
                             "purchases": totals.get(f"purchases.{c}", 0)} for c in currencies],
            "outstanding_receivables": totals.get(OWED, 0)}
