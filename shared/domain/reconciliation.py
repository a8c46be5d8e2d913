"""Reconciliation: prove the ledger still adds up, from one consistent read of everything.

Checks, each returning `Drift` values rather than raising, so one run reports every problem:
- zero_sum: per asset, balances sum to zero with issuance, and pending debits equal pending credits.
- journal: each account's four counters equal the sum of its journal entries.
- holds: each account's pending counters equal the remaining amounts of its open holds.
- overdraft: no user spendable account has available < 0.
- receivable: no receivable holds a positive posted balance (what a user owes is debited to it,
  and a repayment never exceeds what is owed: domain/ledger.py), so the admin's outstanding
  receivables, summed from postings (domain/purchase_stats.py), are what users owe.
- range: no counter reaches 2**53.
- stored_balance: an account's stored `balance` (kept for ordering holders) equals
  credits_posted - debits_posted (an account written before the field existed has none).
- duplicate_credit: a once-only credit (welcome or purchase bonus, purchase, payout, reward) is
  posted to a user at most once per reference, whatever its transfer id: a second credit for the
  same purchase, market or reward id means an effect ran twice under two ids. Parts of one
  credit (a reward drawn from several shards: ids "<id>", "<id>.1", ...) are one credit.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping, NamedTuple

from shared.domain.accounts import Account, AccountKind, Counters, parse_account_id
from shared.domain.ledger import Hold
from shared.domain.money import MAX_AMOUNT

FIELDS = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")
ONCE_ONLY_CREDITS = ("bonus", "purchase", "payout", "reward")


class Drift(NamedTuple):
    check: str
    subject: str          # an account id or an asset code
    field: str
    expected: int
    actual: int

    @property
    def difference(self) -> int:
        return self.actual - self.expected


def zero_sum(accounts: Iterable[Account]) -> list[Drift]:
    totals: dict[str, Counters] = defaultdict(Counters)
    for account in accounts:
        totals[account.asset] = totals[account.asset] + account.counters
    out = []
    for asset, total in sorted(totals.items()):
        if total.balance != 0:
            out.append(Drift("zero_sum", asset, "balance", 0, total.balance))
        if total.debits_pending != total.credits_pending:
            out.append(Drift("zero_sum", asset, "pending", total.credits_pending,
                             total.debits_pending))
    return out


def against_journal(accounts: Iterable[Account], journal: Mapping[str, Counters]) -> list[Drift]:
    out = []
    seen = set()
    for account in accounts:
        seen.add(account.id)
        expected = journal.get(account.id, Counters())
        for name in FIELDS:
            if getattr(account.counters, name) != getattr(expected, name):
                out.append(Drift("journal", account.id, name, getattr(expected, name),
                                 getattr(account.counters, name)))
    for account_id in sorted(set(journal) - seen):
        if not journal[account_id].is_zero:
            out.append(Drift("journal", account_id, "missing_account", 0, 1))
    return out


def against_holds(accounts: Iterable[Account], holds: Iterable[Hold]) -> list[Drift]:
    debits: dict[str, int] = defaultdict(int)
    credits: dict[str, int] = defaultdict(int)
    for hold in holds:
        debits[hold.debit_account_id] += hold.remaining
        credits[hold.credit_account_id] += hold.remaining
    out = []
    for account in accounts:
        c = account.counters
        if c.debits_pending != debits.get(account.id, 0):
            out.append(Drift("holds", account.id, "debits_pending", debits.get(account.id, 0),
                             c.debits_pending))
        if c.credits_pending != credits.get(account.id, 0):
            out.append(Drift("holds", account.id, "credits_pending", credits.get(account.id, 0),
                             c.credits_pending))
    return out


def limits(accounts: Iterable[Account]) -> list[Drift]:
    out = []
    for account in accounts:
        if account.kind is AccountKind.USER and account.available < 0:
            out.append(Drift("overdraft", account.id, "available", 0, account.available))
        if account.kind is AccountKind.RECEIVABLE and account.balance > 0:
            out.append(Drift("receivable", account.id, "balance", 0, account.balance))
        for name in FIELDS:
            if abs(getattr(account.counters, name)) > MAX_AMOUNT:
                out.append(Drift("range", account.id, name, MAX_AMOUNT, getattr(account.counters, name)))
    return out


def stored_balances(accounts: Iterable[Account], stored: Mapping[str, int | None]) -> list[Drift]:
    return [Drift("stored_balance", a.id, "balance", a.balance, int(stored[a.id]))
            for a in accounts if stored.get(a.id) is not None and int(stored[a.id]) != a.balance]


def duplicate_credits(credits: Iterable[tuple[str, str, str, str]]) -> list[Drift]:
    """`credits`: (type, reference, credit account id, transfer id) of each posted transfer of a
    once-only type; a user account credited under two transfer ids (parts aside) for one
    (type, reference) is a duplicate."""
    roots: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for kind, reference, account_id, transfer_id in credits:
        if kind in ONCE_ONLY_CREDITS and parse_account_id(account_id)[2] is AccountKind.USER:
            roots[(kind, reference, account_id)].add(transfer_id.split(".", 1)[0])
    return [Drift("duplicate_credit", account_id, f"{kind}:{reference}", 1, len(ids))
            for (kind, reference, account_id), ids in sorted(roots.items()) if len(ids) > 1]


def reconcile(accounts: list[Account], journal: Mapping[str, Counters],
              holds: list[Hold], credits: Iterable[tuple[str, str, str, str]] = ()) -> list[Drift]:
    return (zero_sum(accounts) + against_journal(accounts, journal)
            + against_holds(accounts, holds) + limits(accounts) + duplicate_credits(credits))
