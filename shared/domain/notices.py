"""Notifications, pure: the kinds a user can be told about and the sentence each one reads as.

Guarantees:
- Every kind has exactly one message builder; `message(kind, fields)` never raises for a stored
  notification (a field missing from an old document reads as "?"), so a list of notifications
  always renders.
- MUTABLE lists the kinds a user may mute (update_notification_settings): every kind written
  per operation, trigger or fan-out. Settlement's own notices (market_resolved,
  forecast_refunded) and badges awarded at settlement are written inside settlement steps whose
  reads are budgeted per forecaster, so they cannot consult settings and are not mutable.
- Amounts are shown as stored: integers in the asset's smallest unit, with its code.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Mapping

PURCHASE_CREDITED, PURCHASE_FAILED, REFUND_CLAWBACK = ("purchase_credited", "purchase_failed",
                                                       "refund_clawback")
TRANSFER_RECEIVED, REWARD_PAID, SWAP_OFFER_TAKEN = ("transfer_received", "reward_paid",
                                                    "swap_offer_taken")
ORDER_FILLED, ORDER_CANCELLED = "order_filled", "order_cancelled"
BADGE_EARNED, NEW_MARKET, MARKET_CLOSING_SOON = "badge_earned", "new_market", "market_closing_soon"
MARKET_RESOLVED, FORECAST_REFUNDED = "market_resolved", "forecast_refunded"

MUTABLE = (PURCHASE_CREDITED, PURCHASE_FAILED, REFUND_CLAWBACK, TRANSFER_RECEIVED, REWARD_PAID,
           SWAP_OFFER_TAKEN, ORDER_FILLED, ORDER_CANCELLED, NEW_MARKET, MARKET_CLOSING_SOON)
KINDS = MUTABLE + (BADGE_EARNED, MARKET_RESOLVED, FORECAST_REFUNDED)

# Why the exchange cancelled an order (shared/domain/exchange/matching.py), in words.
CANCEL_REASONS = {"fok_unfillable": "it could not be filled completely at once (fill or kill)",
                  "unfilled_remainder": "its unfilled rest does not rest on the book",
                  "max_fills": "it reached the most fills one order may have",
                  "funds_exhausted": "its held funds ran out",
                  "self_trade": "it would have traded with your own order"}


def _amount(f: Mapping, name: str = "amount", asset: str = "asset") -> str:
    return f"{f[name]:,} {f[asset]}"


def _purchase_credited(f: Mapping) -> str:
    bonus = f" plus a bonus of {f['bonus']:,}" if f.get("bonus") else ""
    return f"Your purchase of {_amount(f, 'tokens')}{bonus} was credited."


def _order_filled(f: Mapping) -> str:
    whole = f["filled"] >= f["quantity"]
    done = "filled" if whole else f"filled {f['filled']:,} of {f['quantity']:,}"
    return f"Your {f['side']} order on {f['book']} was {done} (average price {f['average_price']})."


def _order_cancelled(f: Mapping) -> str:
    why = CANCEL_REASONS.get(f.get("reason") or "", f"of {f.get('reason') or 'a rule'}")
    return (f"Your {f['side']} order on {f['book']} was cancelled because {why}; "
            f"{f['filled']:,} of {f['quantity']:,} had filled.")


def _market_resolved(f: Mapping) -> str:
    how = {"won": f"you won {f.get('payout', 0):,}", "lost": "your forecast lost"}.get(
        f.get("result"), f"result: {f.get('result')}")
    return f"\u201c{f['market_title']}\u201d was resolved: {how}."


BUILDERS: dict[str, Callable[[Mapping], str]] = {
    PURCHASE_CREDITED: _purchase_credited,
    PURCHASE_FAILED: lambda f: f"Your purchase of {_amount(f, 'tokens')} did not go through "
                               f"({f['status']}); you were not charged.",
    REFUND_CLAWBACK: lambda f: f"A refund or dispute on your purchase took back {_amount(f)}.",
    TRANSFER_RECEIVED: lambda f: f"You received {_amount(f)} from {f['from']}.",
    REWARD_PAID: lambda f: f"You were rewarded {_amount(f)}: {f['reason']}.",
    SWAP_OFFER_TAKEN: lambda f: (f"Your swap offer was taken: you gave {_amount(f, 'gave', 'give_asset')} "
                                 f"and received {_amount(f, 'received', 'want_asset')}."),
    ORDER_FILLED: _order_filled,
    ORDER_CANCELLED: _order_cancelled,
    BADGE_EARNED: lambda f: f"You earned the badge \u201c{f['label']}\u201d.",
    NEW_MARKET: lambda f: f"New {f['category']} market: \u201c{f['market_title']}\u201d.",
    MARKET_CLOSING_SOON: lambda f: f"\u201c{f['market_title']}\u201d closes within a day.",
    MARKET_RESOLVED: _market_resolved,
    FORECAST_REFUNDED: lambda f: (f"\u201c{f['market_title']}\u201d was voided: your "
                                  f"{f.get('refunded', 0):,} came back."),
}


def message(kind: str, fields: Mapping) -> str:
    builder = BUILDERS.get(kind)
    try:
        return builder(defaultdict(lambda: "?", fields)) if builder else kind.replace("_", " ")
    except (TypeError, ValueError):  # an old document without a number the sentence needs
        return kind.replace("_", " ")
