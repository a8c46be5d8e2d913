"""Service price documents: the fee table of each service.

- service_prices/{id}: one window of one service's price; the id is derived from (service type,
  valid_from), so setting the same window again replaces it instead of adding a rival.
The table is read outside ledger transactions: it changes rarely and is not money, and a charge
applies the price in force when the call arrives.
"""
from __future__ import annotations

from datetime import timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.fees import ServicePrice
from shared.domain.idempotency import derive_id
from shared.store.client import collection
from shared.store.pages import page, resume_point

SERVICE_PRICES = "service_prices"


def service_price_id(p: ServicePrice) -> str:
    return derive_id(p.service_type, p.valid_from.astimezone(timezone.utc).isoformat())


def service_price_doc(p: ServicePrice, actor: str) -> dict:
    return {"service_type": p.service_type, "asset": p.asset, "amount": p.amount,
            "valid_from": p.valid_from, "valid_until": p.valid_until, "set_by": actor,
            "updated_at": firestore.SERVER_TIMESTAMP}


def service_price_from(data: dict) -> ServicePrice:
    return ServicePrice(service_type=data["service_type"], asset=data["asset"],
                        amount=int(data["amount"]), valid_from=data["valid_from"],
                        valid_until=data.get("valid_until"))


def service_prices(service_type: str | None = None) -> list[ServicePrice]:
    query = collection(SERVICE_PRICES)
    if service_type:
        query = query.where(filter=FieldFilter("service_type", "==", service_type))
    prices = [service_price_from(s.to_dict()) for s in query.stream()]
    return sorted(prices, key=lambda p: (p.service_type, p.valid_from))


def service_prices_page(service_type: str | None, cursor: str | None, limit: int
                        ) -> tuple[list[ServicePrice], ServicePrice | None, str | None]:
    """A page of the stored windows by service type, then valid_from (then id: index
    service_type, valid_from), the window the cursor resumed after (None on the first page), and
    the next page's cursor."""
    query = collection(SERVICE_PRICES)
    if service_type:
        query = query.where(filter=FieldFilter("service_type", "==", service_type))
    else:
        query = query.order_by("service_type")
    query = query.order_by("valid_from")
    after = resume_point(SERVICE_PRICES, cursor) if cursor else None
    docs, next_cursor = page(query.start_after(after) if after else query, SERVICE_PRICES, None,
                             limit)
    return ([service_price_from(d.to_dict()) for d in docs],
            service_price_from(after.to_dict()) if after else None, next_cursor)
