"""orders/{orderId} written: tell the owner of fills and of cancellations the exchange made
(shared/services/exchange/order_notices.py). Create-once by derived ids: redelivery is harmless;
an exception fails the delivery so that it is retried."""
from __future__ import annotations

from shared.services.exchange import order_notices
from shared.web.events import document_change


def on_order_written(cloud_event) -> None:
    change = document_change(cloud_event)
    order_notices.on_order_written(change.doc_id, change.before, change.after)
