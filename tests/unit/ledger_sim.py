"""A pure simulation of the store for property tests: applies LedgerBatch results to dicts
exactly as shared/store/ledger.write does to documents (read accounts replaced, blind deltas
added, holds replaced, journal appended). Discarding a batch that raised is the rollback."""
from __future__ import annotations

from dataclasses import dataclass, field

from shared.domain.accounts import (Account, Counters, SystemAccount, empty_account,
                                    receivable_account_id, system_account_id, user_account_id)
from shared.domain.ledger import Hold, JournalEntry, LedgerBatch


@dataclass
class SimLedger:
    batch_cls: type = LedgerBatch
    accounts: dict[str, Account] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)
    journal: list[JournalEntry] = field(default_factory=list)

    def batch(self, users: list[str], asset: str, credited: tuple[str, ...] = ()) -> LedgerBatch:
        """Read `users`' accounts in full; of `credited` users only the receivable, as the
        services do (their spendable accounts are credited blind)."""
        ids = [a for uid in users for a in (user_account_id(uid, asset), receivable_account_id(uid, asset))]
        ids += [receivable_account_id(uid, asset) for uid in credited]
        reads = {i: self.accounts.get(i) or empty_account(i) for i in ids}
        return self.batch_cls(reads, self.holds)

    def commit(self, batch: LedgerBatch) -> None:
        result = batch.result
        self.accounts.update(result.accounts)
        for account_id, delta in result.blind.items():
            current = self.accounts.get(account_id) or empty_account(account_id)
            self.accounts[account_id] = current.changed_by(delta)
        self.holds.update(result.holds)
        self.journal.extend(result.journal)

    def journal_sums(self) -> dict[str, Counters]:
        sums: dict[str, Counters] = {}
        for entry in self.journal:
            sums[entry.account_id] = sums.get(entry.account_id, Counters()) + entry.delta
        return sums


def issuance(asset: str) -> str:
    return system_account_id(SystemAccount.ISSUANCE, asset)


def fees(asset: str) -> str:
    return system_account_id(SystemAccount.FEES, asset)


def escrow(asset: str) -> str:
    return system_account_id("escrow", asset)
