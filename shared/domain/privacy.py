"""Data rights: paging an export, and when an account may be erased.

Pure. Invariants:
- An export walks its sections in a fixed order, each read by owner and document id, so a cursor
  (section, last id) resumes exactly after the last document handed out: nothing is listed
  twice or skipped.
- Erasure never forgives a debt: an amount owed refuses it, confirmed or not.
- Committed tokens (open orders, market stakes) refuse it: they sit in a book or a market and
  come back only when the order is cancelled or the market settles.
- Available tokens refuse it unless the caller confirms forfeiting them; each is then moved to
  the treasury by a ledger transfer, so the accounts end at zero and per asset the ledger still
  sums to zero.
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import NamedTuple

from shared.domain.errors import Conflict, InvalidInput


class Holding(NamedTuple):
    asset: str
    available: int
    committed: int
    owed: int


class ExportCursor(NamedTuple):
    section: int
    after: str | None  # the last document id handed out in that section


def encode_cursor(cursor: ExportCursor) -> str:
    raw = json.dumps([cursor.section, cursor.after], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str | None, sections: int) -> ExportCursor:
    if not value:
        return ExportCursor(0, None)
    try:
        section, after = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (ValueError, TypeError, binascii.Error):
        raise InvalidInput("this cursor was not handed out by the export", field="cursor",
                           code="invalid_cursor") from None
    if not (isinstance(section, int) and 0 <= section < sections
            and (after is None or isinstance(after, str))):
        raise InvalidInput("this cursor was not handed out by the export", field="cursor",
                           code="invalid_cursor")
    return ExportCursor(section, after)


def forfeits(holdings: list[Holding], confirmed: bool) -> list[tuple[str, int]]:
    """(asset, amount) to forfeit before erasure, or the Conflict that refuses it."""
    owed = {h.asset: h.owed for h in holdings if h.owed > 0}
    if owed:
        raise Conflict("an amount is owed: it must be repaid before the account is deleted",
                       code="amount_owed", details={"owed": owed})
    committed = {h.asset: h.committed for h in holdings if h.committed > 0}
    if committed:
        raise Conflict("tokens are committed to open orders or markets: cancel the orders and "
                       "let the markets settle first", code="tokens_committed",
                       details={"committed": committed})
    available = [(h.asset, h.available) for h in holdings if h.available > 0]
    if available and not confirmed:
        raise Conflict("the account holds tokens: confirm forfeiting them "
                       "(confirm_forfeit: true) to delete it", code="balance_remains",
                       details={"available": dict(available)})
    return available
