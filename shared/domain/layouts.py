"""Reconciliation of the account layouts that spread hot system accounts and escrows.

Checks, each on the accounts of one partition (so they scale with it) and returning Drift:
- consolidation: a share of a spread system account (fees, issuance, treasury; accounts.SPREAD)
  last changed before the start of the last complete consolidation run, less the lag a commit
  may take to become visible, holds nothing: that run read it and moved its balance into the
  main account (services/consolidation.py). So main accounts plus shares are what consolidation
  says: the main account "as of" that run holds every such share's amount.
- book_escrow: an owner's escrow in an order book holds nothing posted, at any read time: each
  posting's transaction pays out of it exactly what it put in (domain/exchange/postings.py,
  escrow-neutral), so summed per book over its escrows the posted balance is 0 too. What it
  has pending is its open orders' holds, which the holds check proves for every account.
- market_escrow: once a market's settlement is done (`settlement.state` "settled", after a
  resolution or a cancellation), each forecaster's escrow in it and each of its pools is empty:
  no posted balance and nothing pending.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

from shared.domain.accounts import SYSTEM_PREFIX, Account, AccountKind, main_owner
from shared.domain.reconciliation import Drift

MARKET_ESCROW = f"{SYSTEM_PREFIX}escrow."
BOOK_ESCROW = f"{SYSTEM_PREFIX}escrow.book."


def unconsolidated(accounts: Iterable[tuple[Account, datetime | None]],
                   run_started: datetime | None, lag: timedelta) -> list[Drift]:
    """`accounts`: each with when it last changed (None: unknown, so not judged)."""
    if run_started is None:
        return []
    return [Drift("consolidation", a.id, "balance", 0, a.balance)
            for a, changed in accounts
            if a.kind is AccountKind.SYSTEM and main_owner(a.owner) != a.owner
            and a.balance != 0 and changed is not None and changed < run_started - lag]


def book_escrows(accounts: Iterable[Account]) -> list[Drift]:
    return [Drift("book_escrow", a.id, "balance", 0, a.balance) for a in accounts
            if a.kind is AccountKind.SYSTEM and a.owner.startswith(BOOK_ESCROW) and a.balance]


def market_of(account: Account) -> str | None:
    """The market whose escrow or pool the account is (ids "sys.escrow.<market>.<...>")."""
    if (account.kind is not AccountKind.SYSTEM or not account.owner.startswith(MARKET_ESCROW)
            or account.owner.startswith(BOOK_ESCROW)):
        return None
    return account.owner[len(MARKET_ESCROW):].split(".", 1)[0] or None


def settled_escrows(accounts: Iterable[Account], settled: set[str]) -> list[Drift]:
    """Escrows and pools of the `settled` markets that still hold something."""
    out = []
    for a in accounts:
        if market_of(a) not in settled:
            continue
        c = a.counters
        for name, value in (("balance", a.balance), ("debits_pending", c.debits_pending),
                            ("credits_pending", c.credits_pending)):
            if value:
                out.append(Drift("market_escrow", a.id, name, 0, value))
    return out
