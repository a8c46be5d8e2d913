"""Which account documents a ledger transaction must read.

Crediting a user's spendable account repays their receivable first (see domain/ledger.py), so
whenever a user account may be credited its receivable is read too. System accounts are never
read here: they are written blind.
"""
from __future__ import annotations

from typing import Iterable

from shared.domain.accounts import AccountKind, parse_account_id, receivable_account_id


def reads_for(*account_ids: str, credited: Iterable[str] = ()) -> list[str]:
    """The user accounts among `account_ids`, plus the receivable of each credited user account."""
    out = [a for a in account_ids if parse_account_id(a)[2] is not AccountKind.SYSTEM]
    for account_id in credited:
        owner, asset, kind = parse_account_id(account_id)
        if kind is AccountKind.USER:
            out.append(receivable_account_id(owner, asset))
    return list(dict.fromkeys(out))
