"""Token packages and purchases: what a payment is worth in tokens, and what a refund takes back.

Invariants:
- A package's price and tokens are positive integers (price in the currency's smallest unit);
  a purchase copies them at creation, so later package edits never change a purchase.
- A purchase mints exactly tokens + bonus once, when its payment succeeds, and only if the
  PaymentIntent id, amount and currency match what the purchase recorded.
- Refunds are keyed on the CUMULATIVE amount refunded: the tokens clawed back after refunds
  totalling r are floor(minted x r / amount paid), so replays and partial refunds arriving in
  any order converge on the same total (the largest cumulative amount seen wins).
- A dispute holds what the user still has of the purchase; lost, it is clawed back (the rest
  to the receivable); won, the hold is released. A dispute closes once.
"""
from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import NamedTuple

from shared.domain.errors import InvalidInput, RateLimited, Rejected
from shared.domain.idempotency import derive_id
from shared.domain.money import MAX_AMOUNT

CURRENCY = re.compile(r"^[a-z]{3}$")
MAX_PURCHASES_PER_HOUR = 5


class PurchaseStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"


class DisputeStatus(StrEnum):
    NONE = "none"
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Package(NamedTuple):
    id: str
    name: str
    tokens: int
    price: int
    currency: str
    bonus: int = 0
    active: bool = True
    sort_order: int = 0
    popular: bool = False
    version: int = 0

    @property
    def total_tokens(self) -> int:
        return self.tokens + self.bonus


def package_problems(p: Package) -> list[InvalidInput]:
    """Every problem with a package, not just the first (beancount-style validation)."""
    out = []
    if not p.name.strip():
        out.append(InvalidInput("a package needs a name", field="name"))
    for name in ("tokens", "price"):
        value = getattr(p, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_AMOUNT:
            out.append(InvalidInput(f"{name} must be a positive integer", field=name))
    if not isinstance(p.bonus, int) or not 0 <= p.bonus <= MAX_AMOUNT:
        out.append(InvalidInput("bonus must be a non-negative integer", field="bonus"))
    elif not out and p.total_tokens > MAX_AMOUNT:
        out.append(InvalidInput("tokens + bonus is too large", field="bonus"))
    if not CURRENCY.match(p.currency):
        out.append(InvalidInput("currency is a lower-case ISO 4217 code", field="currency"))
    return out


def require_valid_package(p: Package) -> Package:
    problems = package_problems(p)
    if problems:
        first = problems[0]
        raise InvalidInput(first.message, field=first.field, code="invalid_package",
                           details={"problems": [{"field": e.field, "message": e.message}
                                                 for e in problems]})
    return p


class Purchase(NamedTuple):
    id: str
    uid: str
    package_id: str
    asset: str
    tokens: int          # the package's tokens at purchase time
    bonus: int           # its bonus tokens; success mints tokens + bonus
    amount: int          # price in the currency's smallest unit
    currency: str
    status: PurchaseStatus = PurchaseStatus.PENDING
    payment_intent_id: str | None = None
    refunded: int = 0     # largest cumulative amount refunded seen
    clawed_back: int = 0  # tokens taken back so far (refunds and lost disputes)
    dispute: DisputeStatus = DisputeStatus.NONE
    dispute_held: int = 0
    version: int = 0

    @property
    def total(self) -> int:
        return self.tokens + self.bonus

    @property
    def minted(self) -> bool:
        return self.status is PurchaseStatus.COMPLETED

    @property
    def net_minted(self) -> int:
        """What its transfers must have minted, net of clawbacks (reconciliation's check)."""
        return self.total - self.clawed_back if self.minted else 0


def check_limits(amount: int, recent_count: int, max_amount: int) -> None:
    """Refuse a purchase over the per-purchase maximum or the hourly count; errors name the limit."""
    if amount > max_amount:
        raise Rejected(f"a purchase may cost at most {max_amount}", field="package_id",
                       code="purchase_amount_limit", details={"max_amount": max_amount})
    if recent_count >= MAX_PURCHASES_PER_HOUR:
        raise RateLimited(f"at most {MAX_PURCHASES_PER_HOUR} purchases per hour",
                          code="purchase_hourly_limit",
                          details={"limit": MAX_PURCHASES_PER_HOUR, "window_s": 3600})


def check_payment(p: Purchase, payment_intent_id: str, amount: int, currency: str) -> None:
    """The payment Stripe reports must be the one this purchase asked for."""
    if p.payment_intent_id and payment_intent_id != p.payment_intent_id:
        raise Rejected("the PaymentIntent is not this purchase's", code="payment_intent_mismatch")
    if amount != p.amount:
        raise Rejected(f"paid {amount}, the purchase costs {p.amount}", code="amount_mismatch")
    if currency.lower() != p.currency:
        raise Rejected(f"paid in {currency}, the purchase is in {p.currency}",
                       code="currency_mismatch")


def clawback_for(tokens: int, refunded: int, amount: int) -> int:
    """floor(tokens x refunded / amount), capped at tokens: integers only."""
    if amount <= 0:
        return 0
    return min(tokens, tokens * min(max(refunded, 0), amount) // amount)


def refund_clawback(p: Purchase, cumulative: int) -> int:
    """Tokens to take back now for refunds totalling `cumulative` (0 if an older total)."""
    if not p.minted or cumulative <= p.refunded:
        return 0
    return clawback_for(p.total, cumulative, p.amount) - clawback_for(p.total, p.refunded, p.amount)


def at_stake(p: Purchase) -> int:
    """What a dispute could still take back: minted tokens not already clawed back."""
    return max(p.total - p.clawed_back, 0) if p.minted else 0


def mint_transfer_id(purchase_id: str, part: str = "tokens") -> str:
    return derive_id("purchase.mint", purchase_id, part)


def refund_transfer_id(purchase_id: str, cumulative: int) -> str:
    return derive_id("purchase.refund", purchase_id, str(cumulative))


def dispute_hold_id(purchase_id: str) -> str:
    return derive_id("purchase.dispute", purchase_id)


# The Stripe sync's backstop for missed webhooks: a purchase that could still change is checked
# SYNC_DELAYS[k] after its k-th check (the first after its creation), and no more after the last:
# 8 checks over about 42 hours, doubling, so each purchase costs a bounded number of Stripe calls
# and reads, however long the sync window.
SYNC_DELAYS = tuple(timedelta(minutes=10 * 2 ** k) for k in range(8))


def next_sync_delay(checks_done: int) -> timedelta | None:
    """How long after its `checks_done`-th check a purchase is checked again (None: never)."""
    return SYNC_DELAYS[checks_done] if checks_done < len(SYNC_DELAYS) else None

