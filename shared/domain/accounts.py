"""Accounts: one per (owner, asset), with TigerBeetle's four counters.

Invariants:
- balance = credits_posted - debits_posted; available = balance - debits_pending.
- A user's spendable account never has available < 0 (debits_must_not_exceed_credits).
- A user's receivable account may go negative: it is what the user owes back (clawbacks).
- System accounts are owned by "sys.<name>"; only issuance may go negative, because minted
  tokens come from it. Per asset every balance sums to zero with issuance.
- Fees, issuance and treasury are spread: a hot-path operation writes the share of the acting
  party, "sys.<name>.<key>" with `key` a hash of the actor's id (the user, the book, the
  market), never the main "sys.<name>" every operation would share. A scheduled job moves each
  share into its main account with ordinary transfers (services/consolidation.py). Issuance
  shares go negative as the main issuance does; fee and treasury shares only receive.
- Account ids are "<owner>:<asset>" (plus ":receivable"); owners never contain ':' or '/'.
"""
from __future__ import annotations

import hashlib
import re
from enum import StrEnum
from typing import NamedTuple

from shared.domain.errors import InvalidInput
from shared.domain.money import require_storable

ASSET_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,15}$")
SYSTEM_PREFIX = "sys."


class AccountKind(StrEnum):
    USER = "user"
    RECEIVABLE = "receivable"
    SYSTEM = "system"


class SystemAccount(StrEnum):
    ISSUANCE = "issuance"
    TREASURY = "treasury"
    FEES = "fees"
    REWARDS = "rewards"


SPREAD = (SystemAccount.FEES, SystemAccount.ISSUANCE, SystemAccount.TREASURY)
SPREAD_KEY_HEX = 16  # 64 bits of the actor's hash: a share per actor, and ids of bounded length


class Counters(NamedTuple):
    """Changes (or totals) of the four ledger counters."""

    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0

    def __add__(self, other: Counters) -> Counters:
        return Counters(self.debits_posted + other.debits_posted,
                        self.credits_posted + other.credits_posted,
                        self.debits_pending + other.debits_pending,
                        self.credits_pending + other.credits_pending)

    @property
    def balance(self) -> int:
        return self.credits_posted - self.debits_posted

    @property
    def is_zero(self) -> bool:
        return self == Counters()


class Account(NamedTuple):
    id: str
    owner: str
    asset: str
    kind: AccountKind
    counters: Counters = Counters()
    version: int = 0

    @property
    def balance(self) -> int:
        return self.counters.balance

    @property
    def available(self) -> int:
        return self.balance - self.counters.debits_pending

    @property
    def must_not_overdraw(self) -> bool:
        return self.kind is AccountKind.USER

    @property
    def may_go_negative_blindly(self) -> bool:
        """Only issuance (main or a share) may be debited unread: it is negative by design."""
        return main_owner(self.owner) == system_owner(SystemAccount.ISSUANCE)

    def changed_by(self, delta: Counters) -> Account:
        total = self.counters + delta
        for name in ("debits_posted", "credits_posted", "debits_pending", "credits_pending"):
            require_storable(getattr(total, name), what=f"{self.id}.{name}")
        return self._replace(counters=total, version=self.version + 1)


def require_asset_code(code: object, *, field: str = "asset") -> str:
    if not isinstance(code, str) or not ASSET_CODE.match(code):
        raise InvalidInput("asset codes are 2-16 upper-case letters, digits or '_'", field=field)
    return code


def require_owner(owner: str) -> str:
    if not owner or ":" in owner or "/" in owner or len(owner) > 128:
        raise InvalidInput("owner ids may not contain ':' or '/'", field="owner")
    return owner


def system_owner(name: str) -> str:
    return f"{SYSTEM_PREFIX}{name}"


def user_account_id(uid: str, asset: str) -> str:
    return f"{require_owner(uid)}:{asset}"


def receivable_account_id(uid: str, asset: str) -> str:
    return f"{require_owner(uid)}:{asset}:receivable"


def system_account_id(name: str, asset: str) -> str:
    return f"{system_owner(name)}:{asset}"


def spread_account_id(name: SystemAccount, actor: str, asset: str) -> str:
    """The share of system account `name` that operations of `actor` write."""
    key = hashlib.sha256(actor.encode()).hexdigest()[:SPREAD_KEY_HEX]
    return system_account_id(f"{name.value}.{key}", asset)


def main_owner(owner: str) -> str:
    """The main system owner a spread share belongs to ("sys.fees.<key>" -> "sys.fees"); any
    other owner is its own main."""
    for name in SPREAD:
        main = system_owner(name)
        if owner.startswith(f"{main}.") and len(owner) == len(main) + 1 + SPREAD_KEY_HEX:
            return main
    return owner


def parse_account_id(account_id: str) -> tuple[str, str, AccountKind]:
    """(owner, asset, kind) of an account id; the inverse of the *_account_id helpers."""
    parts = account_id.split(":")
    if len(parts) == 3 and parts[2] == "receivable":
        return parts[0], parts[1], AccountKind.RECEIVABLE
    if len(parts) != 2 or not parts[0] or not ASSET_CODE.match(parts[1]):
        raise InvalidInput(f"not an account id: {account_id!r}", field="account")
    kind = AccountKind.SYSTEM if parts[0].startswith(SYSTEM_PREFIX) else AccountKind.USER
    return parts[0], parts[1], kind


def empty_account(account_id: str) -> Account:
    """The state of an account that has never been written: all counters zero."""
    owner, asset, kind = parse_account_id(account_id)
    return Account(id=account_id, owner=owner, asset=asset, kind=kind)
