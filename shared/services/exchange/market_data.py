"""Market data and a user's own trading history, read outside transactions.

Guarantees: depth, trades and candles are what the last committed batch wrote; an estimate
walks the published depth with the same code the matcher uses (book.walk) and changes nothing; every list is cursor-paginated in a stable order (newest first, then document id).
"""
from __future__ import annotations

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.exchange.matching import Order, Side, TimeInForce
from shared.domain.exchange.books import from_depth
from shared.domain.money import MAX_AMOUNT
from shared.store import exchange as store
from shared.store.client import collection
from shared.store.pages import page

from shared.services.exchange.orders import order_view


def books(cursor: str | None, limit: int) -> dict:
    configs, next_cursor = store.books_page(cursor, limit)
    return {"items": [b.as_dict() for b in configs], "next_cursor": next_cursor}


def depth(book_id: str, levels: int) -> dict:
    """The published levels and the book's status (set on the depth document with the book's,
    so it is current whatever this process cached of the book)."""
    config = store.get_book(book_id)
    snap = store.ref(store.DEPTH, book_id).get()
    data = snap.to_dict() if snap.exists else {}
    return {"book": book_id, "bids": data.get("bids", [])[:levels],
            "asks": data.get("asks", [])[:levels], "last_price": data.get("last_price"),
            "status": data.get("status", config.status)}


def estimate(book_id: str, side: Side, quantity: int, price: int | None) -> dict:
    """A walk of the published depth (its DEPTH_LEVELS best levels, one read whatever the book
    holds), so an estimate can fall short of what a deeper book would fill."""
    config = store.get_book(book_id)
    depth = store.ref(store.DEPTH, book_id).get().to_dict() or {}
    other = Side.SELL if side is Side.BUY else Side.BUY
    levels = depth.get("asks" if side is Side.BUY else "bids", [])
    book = from_depth(config, other, [(x["price"], x["quantity"]) for x in levels])
    cap = price or (MAX_AMOUNT // max(quantity, 1) if side is Side.BUY else 1)
    probe = Order("estimate", "", side, cap, quantity, TimeInForce.IOC, MAX_AMOUNT)
    walked = book.walk(probe)
    average = f"{walked.notional / walked.quantity:.4f}" if walked.quantity else None
    return {"quantity": walked.quantity, "notional": walked.notional, "fee": walked.fee,
            "average_price": average}


def trades(book_id: str, cursor: str | None, limit: int) -> dict:
    store.get_book(book_id)
    query = (collection(store.TRADES).where(filter=FieldFilter("book", "==", book_id))
             .order_by("seq", direction=firestore.Query.DESCENDING))
    docs, next_cursor = page(query, store.TRADES, cursor, limit)
    return {"items": [d.to_dict() for d in docs], "next_cursor": next_cursor}


def candles(book_id: str, interval: str, limit: int) -> dict:
    store.get_book(book_id)
    query = (collection(store.CANDLES).where(filter=FieldFilter("book", "==", book_id))
             .where(filter=FieldFilter("interval", "==", interval))
             .order_by("start", direction=firestore.Query.DESCENDING).limit(limit))
    return {"items": [d.to_dict() for d in query.stream()][::-1]}


def my_orders(uid: str, book_id: str | None, cursor: str | None, limit: int,
              only_open: bool = False) -> dict:
    query = collection(store.ORDERS).where(filter=FieldFilter("owner", "==", uid))
    if book_id:
        query = query.where(filter=FieldFilter("book", "==", book_id))
    if only_open:
        query = query.where(filter=FieldFilter("status", "in", ["open", "partially_filled"]))
    query = query.order_by("created_at", direction=firestore.Query.DESCENDING).order_by(
        "__name__", direction=firestore.Query.DESCENDING)
    docs, next_cursor = page(query, store.ORDERS, cursor, limit)
    return {"items": [order_view(d.to_dict()) for d in docs], "next_cursor": next_cursor}


def my_fills(uid: str, book_id: str | None, cursor: str | None, limit: int) -> dict:
    query = collection(store.FILLS).where(filter=FieldFilter("owner", "==", uid))
    if book_id:
        query = query.where(filter=FieldFilter("book", "==", book_id))
    query = query.order_by("at", direction=firestore.Query.DESCENDING).order_by(
        "__name__", direction=firestore.Query.DESCENDING)
    docs, next_cursor = page(query, store.FILLS, cursor, limit)
    return {"items": [d.to_dict() for d in docs], "next_cursor": next_cursor}
