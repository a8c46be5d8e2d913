"""Suspicious-account rules: pure functions from recent facts to the reasons an account is flagged.

Guarantees:
- Each rule returns `Reason` values keyed by (code, subject), so the same evidence always gives
  the same key: a flag records each reason once however often the job runs.
- Rules only describe; nothing here blocks an account (an admin decides, by suspending it).
- refund_after_spend: a purchase refunded with tokens the buyer had already spent (part of the
  refund was owed on the receivable) within REFUND_WINDOW of the purchase.
- two_way_trading: two accounts that each bought from the other on one book within the window
  the caller chose (wash trading moves no risk, only volume or value).
- signup_burst: at least SIGNUP_BURST accounts created within SIGNUP_WINDOW from one IP address
  or one wallet; every one of them is flagged.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Iterable, Mapping, NamedTuple

REFUND_WINDOW = timedelta(hours=72)
SIGNUP_WINDOW = timedelta(hours=1)
SIGNUP_BURST = 5


class Reason(NamedTuple):
    uid: str
    code: str
    subject: str   # what the evidence is about: a purchase id, the other account, an IP
    detail: str

    @property
    def key(self) -> str:
        """Stable across runs; safe as a Firestore map key (no dots or slashes); the digest keeps
        subjects that differ only in replaced characters apart."""
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in self.subject)[:200]
        digest = hashlib.sha256(self.subject.encode()).hexdigest()[:12]
        return f"{self.code}__{safe}__{digest}"


class Refund(NamedTuple):
    uid: str
    purchase_id: str
    purchased_at: datetime
    refunded_at: datetime
    owed: int       # tokens the refund could not take back: they had been spent


class Trade(NamedTuple):
    book: str
    buyer: str
    seller: str


class Signup(NamedTuple):
    uid: str
    at: datetime
    ip: str | None = None
    wallets: tuple[str, ...] = ()


def refunds_after_spending(refunds: Iterable[Refund],
                           window: timedelta = REFUND_WINDOW) -> list[Reason]:
    return [Reason(r.uid, "refund_after_spend", r.purchase_id,
                   f"purchase {r.purchase_id} refunded {_hours(r.refunded_at - r.purchased_at)} "
                   f"after it was bought, {r.owed} tokens already spent")
            for r in refunds
            if r.owed > 0 and timedelta(0) <= r.refunded_at - r.purchased_at <= window]


def two_way_trading(trades: Iterable[Trade]) -> list[Reason]:
    directions = {(t.book, t.buyer, t.seller) for t in trades if t.buyer != t.seller}
    out = []
    for book, buyer, seller in sorted(directions):
        if (book, seller, buyer) in directions:
            out.append(Reason(buyer, "two_way_trading", f"{seller}@{book}",
                              f"bought from and sold to {seller} on {book}"))
    return out


def signup_bursts(signups: Iterable[Signup], now: datetime, window: timedelta = SIGNUP_WINDOW,
                  threshold: int = SIGNUP_BURST,
                  counted: Mapping[tuple[str, str], int] | None = None) -> list[Reason]:
    """Reasons for the given sign-ups that belong to a burst. `counted`: per (kind, value),
    how many sign-ups the window holds in all when the caller counted them without reading
    each (the members not given were told when the burst formed); a group counts as the
    larger of that and the members given."""
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for s in signups:
        if now - window <= s.at <= now:
            if s.ip:
                groups[("ip", s.ip)].add(s.uid)
            for wallet in s.wallets:
                groups[("wallet", wallet)].add(s.uid)
    sizes = {group: max(len(uids), (counted or {}).get(group, 0))
             for group, uids in groups.items()}
    return [Reason(uid, "signup_burst", f"{kind}:{value}",
                   f"{sizes[(kind, value)]} accounts created from {kind} {value} within "
                   f"{_hours(window)}")
            for (kind, value), uids in sorted(groups.items()) if sizes[(kind, value)] >= threshold
            for uid in sorted(uids)]


def new_reasons(reasons: Iterable[Reason], recorded: dict[str, set[str]]) -> dict[str, list[Reason]]:
    """Per uid, the reasons whose keys its flag does not hold yet (each recorded once)."""
    out: dict[str, list[Reason]] = defaultdict(list)
    for reason in reasons:
        seen = recorded.setdefault(reason.uid, set())
        if reason.key not in seen:
            seen.add(reason.key)
            out[reason.uid].append(reason)
    return dict(out)


def _hours(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min"
