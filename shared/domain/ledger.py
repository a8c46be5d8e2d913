"""The ledger: transfers between accounts, two-phase holds and the journal they leave.

A `LedgerBatch` is built over the accounts and holds one Firestore transaction read, applies
transfers in order and returns everything to write. It never does I/O.

Invariants kept by every method:
- Each transfer moves one positive integer amount of one asset from a debit to a credit account,
  so per asset the sum of balances is unchanged (zero, counting issuance).
- A user's spendable account never ends with available < 0: the check runs before any change.
- Accounts that were not read ("blind") may only be credited (or, for issuance, debited); their
  change is returned as a counter delta to apply with increments. That is how system accounts
  and credited user accounts are written, so many payers never contend on one payee's document.
- A credit to a user's spendable account first repays that user's receivable (money owed back),
  in the same batch; the receivable must therefore always be read, even when the spendable
  account is credited blind. Receivables are never written blind.
- Every counter change yields one journal entry; read accounts carry balance before and after.
- A hold (pending transfer) may be posted in parts; posting with `final` or voiding releases the
  remainder, after which it accepts nothing more.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Mapping, NamedTuple

from shared.domain.accounts import Account, AccountKind, Counters, empty_account, receivable_account_id
from shared.domain.errors import IdempotencyConflict, InsufficientFunds, InvalidInput, Rejected
from shared.domain.money import require_amount


class TransferType(StrEnum):
    PURCHASE = "purchase"
    COMMIT = "commit"
    PAYOUT = "payout"
    REFUND = "refund"
    TRADE = "trade"
    FEE = "fee"
    REWARD = "reward"
    SERVICE_FEE = "service_fee"
    SWAP = "swap"
    TRANSFER = "transfer"
    ADJUSTMENT = "adjustment"
    REPAYMENT = "repayment"
    CLAWBACK = "clawback"
    BONUS = "bonus"
    CONSOLIDATION = "consolidation"  # a spread system account's share moved to its main
    FORFEIT = "forfeit"  # tokens a deleted account gave up, to the treasury


class HoldStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"


class Transfer(NamedTuple):
    """An immutable movement; its id is its idempotency key."""

    id: str
    debit_account_id: str
    credit_account_id: str
    asset: str
    amount: int
    type: TransferType
    reference: str = ""
    memo: str = ""
    pending: bool = False
    hold_id: str | None = None  # for a post or void: the hold it settles

    def same_content(self, other: Transfer) -> bool:
        return self._replace(memo="") == other._replace(memo="")


class Hold(NamedTuple):
    """The state of a pending transfer: how much is held, how much was posted so far."""

    id: str
    debit_account_id: str
    credit_account_id: str
    asset: str
    amount: int
    posted: int = 0
    status: HoldStatus = HoldStatus.PENDING
    type: TransferType = TransferType.COMMIT
    reference: str = ""
    version: int = 0

    @property
    def remaining(self) -> int:
        return self.amount - self.posted if self.status is HoldStatus.PENDING else 0


class JournalEntry(NamedTuple):
    transfer_id: str
    account_id: str
    owner: str
    asset: str
    type: TransferType
    reference: str
    delta: Counters
    balance_before: int | None = None
    balance_after: int | None = None
    available_before: int | None = None
    available_after: int | None = None

    @property
    def amount(self) -> int:
        """Signed change of the posted balance, as a user reads their history."""
        return self.delta.balance

    @property
    def id(self) -> str:
        return f"{self.transfer_id}~{self.account_id}"


@dataclass
class BatchResult:
    accounts: dict[str, Account] = field(default_factory=dict)   # read accounts, changed
    blind: dict[str, Counters] = field(default_factory=dict)     # unread system accounts
    holds: dict[str, Hold] = field(default_factory=dict)         # created or changed holds
    transfers: list[Transfer] = field(default_factory=list)
    journal: list[JournalEntry] = field(default_factory=list)


def check_replay(existing: Transfer, requested: Transfer) -> None:
    """The same id twice is the same transfer ('exists' is ok); other content is a conflict."""
    if not existing.same_content(requested):
        raise IdempotencyConflict(f"transfer {requested.id} exists with different content")


class LedgerBatch:
    """Applies transfers to the accounts one transaction read. See the module invariants."""

    def __init__(self, accounts: Mapping[str, Account], holds: Mapping[str, Hold] | None = None):
        self._accounts = dict(accounts)
        self._holds = dict(holds or {})
        self.result = BatchResult()

    def account(self, account_id: str) -> Account:
        if account_id not in self._accounts:
            raise KeyError(f"{account_id} was not read by this transaction")
        return self._accounts[account_id]

    def hold_state(self, hold_id: str) -> Hold:
        if hold_id not in self._holds:
            raise KeyError(f"hold {hold_id} was not read by this transaction")
        return self._holds[hold_id]

    def open(self, account_id: str) -> None:
        """Write a read account even if no transfer changes it (opening it at zero)."""
        self.result.accounts.setdefault(account_id, self.account(account_id))

    def transfer(self, t: Transfer) -> Transfer:
        """Single-phase: posts `amount` from debit to credit now."""
        self._validate(t)
        self._change(t, t.debit_account_id, Counters(debits_posted=t.amount))
        self._credit_posted(t)
        self.result.transfers.append(t)
        return t

    def hold(self, t: Transfer) -> Hold:
        """Two-phase, first phase: reserve `amount` on both accounts."""
        self._validate(t)
        if not t.pending:
            raise InvalidInput("a hold is a pending transfer")
        self._change(t, t.debit_account_id, Counters(debits_pending=t.amount))
        self._change(t, t.credit_account_id, Counters(credits_pending=t.amount))
        hold = Hold(id=t.id, debit_account_id=t.debit_account_id,
                    credit_account_id=t.credit_account_id, asset=t.asset, amount=t.amount,
                    type=t.type, reference=t.reference)
        self._set_hold(hold)
        self.result.transfers.append(t)
        return hold

    def post(self, transfer_id: str, hold_id: str, amount: int, *, final: bool = False) -> Hold:
        """Post part (or all) of a hold; `final` releases whatever is left."""
        hold = self._open_hold(hold_id)
        require_amount(amount)
        if amount > hold.remaining:
            raise Rejected("cannot post more than the hold has left",
                           code="exceeds_pending_transfer_amount")
        t = Transfer(id=transfer_id, debit_account_id=hold.debit_account_id,
                     credit_account_id=hold.credit_account_id, asset=hold.asset, amount=amount,
                     type=hold.type, reference=hold.reference, hold_id=hold.id)
        release = hold.remaining - amount if final else 0
        self._change(t, hold.debit_account_id,
                     Counters(debits_pending=-(amount + release), debits_posted=amount))
        self._credit_posted(t, Counters(credits_pending=-(amount + release)))
        posted = hold.posted + amount
        done = final or posted == hold.amount
        status = HoldStatus.POSTED if done else HoldStatus.PENDING
        self.result.transfers.append(t)
        return self._set_hold(hold._replace(posted=posted, status=status, version=hold.version + 1))

    def claw_back(self, transfer_id: str, account_id: str, amount: int, to_account_id: str,
                  reference: str = "") -> tuple[int, int]:
        """Take `amount` back: what is available now, and the rest as a debt on the receivable.

        Returns (taken, owed). The spendable account never goes negative; the receivable does.
        """
        account = self.account(account_id)
        receivable_id = receivable_account_id(account.owner, account.asset)
        taken = min(max(account.available, 0), amount)
        if taken:
            self.transfer(Transfer(id=transfer_id, debit_account_id=account_id,
                                   credit_account_id=to_account_id, asset=account.asset,
                                   amount=taken, type=TransferType.CLAWBACK, reference=reference))
        if amount - taken:
            self.transfer(Transfer(id=f"{transfer_id}.owed", debit_account_id=receivable_id,
                                   credit_account_id=to_account_id, asset=account.asset,
                                   amount=amount - taken, type=TransferType.CLAWBACK,
                                   reference=reference))
        return taken, amount - taken

    def void(self, transfer_id: str, hold_id: str) -> Hold:
        """Release what is left of a hold back to the debit account."""
        hold = self._open_hold(hold_id)
        left = hold.remaining
        t = Transfer(id=transfer_id, debit_account_id=hold.debit_account_id,
                     credit_account_id=hold.credit_account_id, asset=hold.asset, amount=left,
                     type=TransferType.REFUND, reference=hold.reference, hold_id=hold.id)
        self._change(t, hold.debit_account_id, Counters(debits_pending=-left))
        self._change(t, hold.credit_account_id, Counters(credits_pending=-left))
        self.result.transfers.append(t)
        return self._set_hold(hold._replace(status=HoldStatus.VOIDED, version=hold.version + 1))

    # -- internals -------------------------------------------------------------------------

    def _validate(self, t: Transfer) -> None:
        require_amount(t.amount)
        if t.debit_account_id == t.credit_account_id:
            raise InvalidInput("debit and credit accounts must differ", code="accounts_must_differ")
        for account_id in (t.debit_account_id, t.credit_account_id):
            asset = self._peek(account_id).asset
            if asset != t.asset:
                raise InvalidInput(f"{account_id} holds {asset}, not {t.asset}",
                                   code="accounts_must_have_the_same_asset")

    def _open_hold(self, hold_id: str) -> Hold:
        hold = self.hold_state(hold_id)
        if hold.status is HoldStatus.POSTED:
            raise Rejected("the hold was already posted", code="pending_transfer_already_posted")
        if hold.status is HoldStatus.VOIDED:
            raise Rejected("the hold was already voided", code="pending_transfer_already_voided")
        return hold

    def _set_hold(self, hold: Hold) -> Hold:
        self._holds[hold.id] = hold
        self.result.holds[hold.id] = hold
        return hold

    def _peek(self, account_id: str) -> Account:
        return self._accounts.get(account_id) or empty_account(account_id)

    def _credit_posted(self, t: Transfer, also: Counters = Counters()) -> None:
        """Credit the posted amount; a user's receivable is repaid first from the credit."""
        self._change(t, t.credit_account_id, Counters(credits_posted=t.amount) + also)
        credited = self._peek(t.credit_account_id)
        if credited.kind is not AccountKind.USER:
            return
        receivable_id = receivable_account_id(credited.owner, credited.asset)
        owed = -self.account(receivable_id).balance
        was_read = t.credit_account_id in self._accounts
        repay = min(owed, t.amount, credited.available if was_read else t.amount)
        if repay > 0:
            r = Transfer(id=f"{t.id}.repay", debit_account_id=credited.id,
                         credit_account_id=receivable_id, asset=t.asset, amount=repay,
                         type=TransferType.REPAYMENT, reference=t.id)
            # Repaying out of the credit just received cannot overdraw, read or not.
            self._change(r, credited.id, Counters(debits_posted=repay), covered=True)
            self._change(r, receivable_id, Counters(credits_posted=repay))
            self.result.transfers.append(r)

    def _change(self, t: Transfer, account_id: str, delta: Counters, *, covered: bool = False) -> None:
        if account_id in self._accounts:
            before = self._accounts[account_id]
            after = before.changed_by(delta)
            if after.must_not_overdraw and after.available < 0:
                raise InsufficientFunds(f"{account_id} has {before.available} available",
                                        details={"available": before.available})
            self._accounts[account_id] = after
            self.result.accounts[account_id] = after
            self._journal(t, after, delta, before)
            return
        blind = empty_account(account_id)
        debits = delta.debits_posted + delta.debits_pending
        may_debit = covered or blind.may_go_negative_blindly
        if blind.kind is AccountKind.RECEIVABLE or (debits > 0 and not may_debit):
            raise KeyError(f"{account_id} must be read before it is debited")
        self.result.blind[account_id] = self.result.blind.get(account_id, Counters()) + delta
        self._journal(t, blind, delta, None)

    def _journal(self, t: Transfer, account: Account, delta: Counters, before: Account | None):
        known = before is not None
        self.result.journal.append(JournalEntry(
            transfer_id=t.id, account_id=account.id, owner=account.owner, asset=account.asset,
            type=t.type, reference=t.reference, delta=delta,
            balance_before=before.balance if known else None,
            balance_after=account.balance if known else None,
            available_before=before.available if known else None,
            available_after=account.available if known else None))
