"""What an order's owner is told when the sequencer writes the order: each fill (in part or
whole) and a cancellation the exchange made (not one the owner asked for).

Guarantees:
- Driven by the on_order_written trigger, never by the sequencer's batch, whose writes are
  counted to the document (services/exchange/batches.py): a notification can neither fail nor
  slow a batch.
- One notification per (order, filled quantity) and one per cancellation, created once by a
  derived id, so a redelivered or reordered event adds nothing. A batch that fills an order
  several times writes the order once: the owner is told once, with the total so far.
"""
from __future__ import annotations

from shared.domain.notices import ORDER_CANCELLED, ORDER_FILLED

from shared.services import notices

ENDED = ("cancelled", "rejected")
BY_OWNER = "cancelled_by_user"


def on_order_written(order_id: str, before: dict | None, after: dict | None) -> list[str]:
    """The kinds notified for this write of the order."""
    if not after or not after.get("owner"):
        return []
    before = before or {}
    ids = {"order_id": order_id, "book": after.get("book"), "side": after.get("side"),
           "quantity": int(after.get("quantity", 0)), "filled": int(after.get("filled", 0))}
    sent = []
    if ids["filled"] > int(before.get("filled", 0)):
        if notices.create(after["owner"], ORDER_FILLED, f"{order_id}.{ids['filled']}", **ids,
                          average_price=average(int(after.get("notional", 0)), ids["filled"])):
            sent.append(ORDER_FILLED)
    if (after.get("status") in ENDED and before.get("status") not in ENDED
            and after.get("reason") != BY_OWNER):
        if notices.create(after["owner"], ORDER_CANCELLED, order_id, **ids,
                          status=after["status"], reason=after.get("reason") or ""):
            sent.append(ORDER_CANCELLED)
    return sent


def average(notional: int, quantity: int) -> str:
    """notional / quantity to four decimals, in integers (display only)."""
    tenths = notional * 10_000 // quantity
    return f"{tenths // 10_000}.{tenths % 10_000:04d}"
