"""Incremental reconciliation: journal entries checked once, folded into per-account sums.

Invariants this module's checks establish, entry by entry, so that no run needs the whole journal:
- agreement: a transfer has exactly two journal entries, `<transfer id>~<debit account>` and
  `<transfer id>~<credit account>`, of the transfer's asset; the debit entry moves only debit
  counters, the credit entry only credit counters, and they mirror each other (debits_posted ==
  credits_posted, debits_pending == credits_pending). So every transfer's entries balance, and
  the journal, summed over any set of whole transfers, is zero per asset. Their size is the
  transfer's: a plain transfer posts `amount`; a pending one holds `amount`; a post of a hold
  posts `amount` and releases at least that much of the hold; a void releases `amount`.
- sums: `fold` adds entries to per-account counters; with every entry folded exactly once (the
  watermark, services/journal_fold.py) the sums equal the journal, and an account's counters
  must equal its sums plus its journal tail (entries newer than the watermark).
Together with each account equal to its journal (checked partition by partition), the per-asset
zero sum of the accounts follows: the accounts sum to the journal, which sums to zero.
"""
from __future__ import annotations

from typing import Iterable, Mapping, NamedTuple

from shared.domain.accounts import Counters
from shared.domain.ledger import Transfer
from shared.domain.reconciliation import FIELDS, Drift


class Entry(NamedTuple):
    """What reconciliation reads of a journal entry."""
    id: str
    transfer_id: str
    account_id: str
    asset: str
    type: str
    reference: str
    delta: Counters


def fold(sums: Mapping[str, Counters], entries: Iterable[Entry]) -> dict[str, Counters]:
    """`sums` with `entries` added, for the accounts the entries touch (the others unchanged)."""
    out: dict[str, Counters] = {}
    for e in entries:
        out[e.account_id] = out.get(e.account_id, sums.get(e.account_id, Counters())) + e.delta
    return out


def entry_id(transfer_id: str, account_id: str) -> str:
    return f"{transfer_id}~{account_id}"


def agreement(transfer_id: str, transfer: Transfer | None,
              entries: Mapping[str, Entry | None]) -> list[Drift]:
    """Drift of one transfer against its journal entries; `entries` maps entry id -> entry (or
    None when missing) and must hold both of the transfer's entries when the transfer exists.
    Subjects are the transfer id; a missing document is `expected` 1, `actual` 0."""
    if transfer is None:
        return [Drift("transfer", transfer_id, "missing_transfer", 1, 0)]
    debit = entries.get(entry_id(transfer_id, transfer.debit_account_id))
    credit = entries.get(entry_id(transfer_id, transfer.credit_account_id))
    out = [Drift("transfer", transfer_id, f"missing_entry:{side}", 1, 0)
           for side, e in (("debit", debit), ("credit", credit)) if e is None]
    if debit is None or credit is None:
        return out
    for side, e in (("debit", debit), ("credit", credit)):
        if e.asset != transfer.asset:
            out.append(Drift("transfer", transfer_id, f"asset:{side}", 1, 0))
    d, c = debit.delta, credit.delta
    for name, value in (("debit.credits_posted", d.credits_posted),
                        ("debit.credits_pending", d.credits_pending),
                        ("credit.debits_posted", c.debits_posted),
                        ("credit.debits_pending", c.debits_pending)):
        if value:
            out.append(Drift("transfer", transfer_id, name, 0, value))
    if c.credits_posted != d.debits_posted:
        out.append(Drift("transfer", transfer_id, "credits_posted", d.debits_posted,
                         c.credits_posted))
    if c.credits_pending != d.debits_pending:
        out.append(Drift("transfer", transfer_id, "credits_pending", d.debits_pending,
                         c.credits_pending))
    return out + _size(transfer, d)


def _size(t: Transfer, d: Counters) -> list[Drift]:
    """The debit entry moves what the transfer says (see the module invariants)."""
    posted, pending = d.debits_posted, d.debits_pending
    if t.pending:
        fits = posted == 0 and pending == t.amount
    elif t.hold_id:
        fits = ((posted == t.amount and pending <= -t.amount)
                or (posted == 0 and pending == -t.amount))
    else:
        fits = posted == t.amount and pending == 0
    moved = posted or abs(pending)
    return [] if fits else [Drift("transfer", t.id, "amount", t.amount, moved)]


def against_sums(account_id: str, counters: Counters, sums: Counters) -> list[Drift]:
    """An account's counters against its journal (the folded sums plus the tail)."""
    return [Drift("journal", account_id, name, getattr(sums, name), getattr(counters, name))
            for name in FIELDS if getattr(counters, name) != getattr(sums, name)]


def orphan_sums(account_id: str, sums: Counters) -> list[Drift]:
    """Journal entries (folded) for an account that does not exist."""
    return [] if sums.is_zero else [Drift("journal", account_id, "missing_account", 0, 1)]
