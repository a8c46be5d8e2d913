"""Which account documents a ledger transaction must read.

Debited user accounts are read, because their funds are checked. Credited user accounts are not:
they are incremented blind, so many payers never contend on one payee's document. The receivable
of every credited user is read instead, because a credit repays what the user owes first. System
accounts are never read here.
"""
from __future__ import annotations

from typing import Iterable

from shared.domain.accounts import AccountKind, parse_account_id, receivable_account_id


def reads_for(*, debited: Iterable[str] = (), credited: Iterable[str] = ()) -> list[str]:
    out = [a for a in debited if parse_account_id(a)[2] is not AccountKind.SYSTEM]
    for account_id in credited:
        owner, asset, kind = parse_account_id(account_id)
        if kind is AccountKind.USER:
            out.append(receivable_account_id(owner, asset))
    return list(dict.fromkeys(out))
