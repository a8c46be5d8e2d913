"""Accepting orders and cancels: the user's half of the exchange.

Guarantees:
- Placing an order is one transaction over the user's own account only: it holds what the order
  can need into the user's own escrow in the book (ledger hold, id = order id), creates the order document and an
  accepted command, and records the idempotent answer. It never reads or writes the book, its
  state or any other user's document, so traders never contend with each other or the sequencer's
  hot documents. The Idempotency-Key is the client order id: the same key is the same order.
- Cancels are commands too: the sequencer applies them in acceptance order, so a cancel racing a
  fill ends either with the fill (cancel too late) or without it, never half.
- After committing, the call wakes the book's sequencer (in process, then by a named task if
  another process holds the book) and waits briefly for the order's first result.
"""
from __future__ import annotations

import time

from google.cloud import firestore

from shared.domain.accounts import user_account_id
from shared.domain.errors import (Conflict, Forbidden, InsufficientFunds, InvalidInput, NotFound,
                                  Rejected)
from shared.domain.exchange.books import (BookConfig, BookStatus, CommandType, OrderRequest, OrderType,
                                          check_order, escrow_account_id, hold_amount,
                                          market_price_cap, queue_key)
from shared.domain.exchange.matching import Side
from shared.domain.idempotency import Operation
from shared.domain.ledger import LedgerBatch, Transfer, TransferType
from shared.domain.users import User
from shared.store import exchange as store
from shared.store import ledger as ledger_store
from shared.store import wire
from shared.store.assets import get_asset
from shared.store.idempotency import run_idempotent
from shared.store.transactions import run_transaction
from shared.store.users import record_audit

from shared.services.exchange import sequencer

WAIT_S = 1.5
POLL_S = 0.2


def create_book(op: Operation, admin: User, config: BookConfig) -> dict:
    get_asset(config.base), get_asset(config.quote)  # both must exist
    config_ref = store.ref(store.BOOKS, config.id)

    def work(txn: firestore.Transaction) -> dict:
        if config_ref.get(transaction=txn).exists:
            raise Conflict(f"book {config.id} exists", field="base", code="book_exists")
        txn.create(config_ref, config.as_dict() | {"version": 1,
                                                   "created_at": firestore.SERVER_TIMESTAMP})
        record_audit(txn, actor=admin.uid, action="create_book", target=config.id,
                     reason="new book", after=config.as_dict())
        return config.as_dict()

    return run_idempotent(op, work)


def place(op: Operation, user: User, req: OrderRequest) -> dict:
    order_id = accept(op, user, req)
    sequencer.wake(req.book)
    return wait_for(order_id)


def accept(op: Operation, user: User, req: OrderRequest) -> str:
    """Hold the order's funds and record it with its command; the order id (op.id)."""
    config = store.get_book(req.book, fresh=True)   # a halt or close applies to the next order
    try:
        req = with_price(config, req)
    except Rejected:  # no liquidity now; a retry of an order placed earlier still gets its order
        if ledger_store.read(None, receipt_of=op).replay is not None:
            return order_id_of(op)
        raise
    check_order(config, req)
    user.require_active()
    order_id = order_id_of(op)
    asset = config.quote if req.side is Side.BUY else config.base
    account = user_account_id(user.uid, asset)
    escrow = escrow_account_id(config.id, user.uid, asset)

    def work(txn: firestore.Transaction) -> dict:
        read = ledger_store.read(txn, [account], receipt_of=op)
        if read.replay is not None:
            return read.replay
        available = read.accounts[account].available
        held = hold_amount(config, req, available)
        if held <= 0 or held > available:
            raise InsufficientFunds(f"{account} has {available} available, the order needs {held}",
                                    details={"available": available, "needed": held})
        batch = LedgerBatch(read.accounts)
        batch.hold(Transfer(id=order_id, debit_account_id=account, credit_account_id=escrow,
                            asset=asset, amount=held, type=TransferType.TRADE,
                            reference=order_id, pending=True))
        answer = {"order_id": order_id}
        ledger_store.write(txn, batch.result, receipt=ledger_store.Receipt(op, answer))
        wire.create(txn, store.ref(store.ORDERS, order_id),
                    _order_doc(order_id, user.uid, req, held))
        wire.create(txn, store.ref(store.COMMANDS, order_id), _command(
            config.id, order_id, CommandType.PLACE, user.uid, order_id,
            order=[order_id, user.uid, req.side.value, req.price, req.quantity, req.tif.value,
                   held if req.side is Side.BUY else 0]))
        return answer

    return run_transaction(work, serialize_on=[account])["order_id"]


def order_id_of(op: Operation) -> str:
    return op.id  # the Idempotency-Key is the client order id


def with_price(config: BookConfig, req: OrderRequest) -> OrderRequest:
    """A limit order must name its price; a market order without one takes the default cap from
    the published touch (book_depth, read outside any transaction: a bound, not a quote)."""
    if req.price is not None:
        return req
    if req.type is OrderType.LIMIT:
        raise InvalidInput("a limit order needs a price", field="price", code="price_required")
    depth = store.ref(store.DEPTH, config.id).get().to_dict() or {}
    levels = depth.get("asks" if req.side is Side.BUY else "bids") or []
    touch = levels[0]["price"] if levels else None
    return req._replace(price=market_price_cap(config, req.side, touch))


def cancel(op: Operation, user: User, order_id: str) -> dict:
    snap = store.ref(store.ORDERS, order_id).get() if "/" not in order_id else None
    if snap is None or not snap.exists:
        raise NotFound("no such order", field="order_id", code="unknown_order")
    if snap.get("owner") != user.uid:
        raise Forbidden("this order is not yours", field="order_id", code="not_your_order")
    book_id = snap.get("book")
    _accept(op, book_id, CommandType.CANCEL, user.uid, order_id)
    sequencer.wake(book_id)
    return wait_for(order_id)


def cancel_all(op: Operation, user: User, book_id: str) -> dict:
    if store.get_book(book_id, fresh=True).status == BookStatus.CLOSED:
        raise Rejected("this book is closed: its orders were cancelled", field="book",
                       code="book_closed")
    _accept(op, book_id, CommandType.CANCEL_ALL, user.uid, None)
    sequencer.wake(book_id)
    return {"book": book_id, "command_id": op.id}


def command_doc(book_id: str, command_id: str, kind: CommandType, uid: str) -> dict:
    """An accepted command of no order (cancel_all, close), for another service's transaction."""
    return _command(book_id, command_id, kind, uid, None)


def _accept(op: Operation, book_id: str, kind: CommandType, uid: str, order_id: str | None) -> None:
    def work(txn: firestore.Transaction) -> dict:
        txn.create(store.ref(store.COMMANDS, op.id), _command(book_id, op.id, kind, uid, order_id))
        return {"command_id": op.id}

    run_idempotent(op, work)


def wait_for(order_id: str, wait_s: float = WAIT_S) -> dict:
    """The order as it stands once the sequencer has seen it, or after `wait_s` at most. The
    order is read when this process's sequencer reports it done, or every POLL_S (another
    process may have sequenced it)."""
    deadline = time.monotonic() + wait_s
    while True:
        sequencer.progress.wait(order_id, timeout=max(min(POLL_S, deadline - time.monotonic()), 0))
        data = store.ref(store.ORDERS, order_id).get().to_dict()
        if data["status"] != "pending" or time.monotonic() >= deadline:
            return order_view(data)


def order_view(data: dict) -> dict:
    view = {k: data.get(k) for k in ("id", "owner", "book", "side", "type", "tif", "price",
                                      "quantity", "held", "filled", "notional", "fees", "status",
                                      "reason")}
    view["average_price"] = (f"{data['notional'] / data['filled']:.4f}"  # display edge only
                             if data.get("filled") else None)
    view["created_at"] = data.get("created_at")
    return view


def _order_doc(order_id: str, uid: str, req: OrderRequest, held: int) -> dict:
    return {"id": order_id, "owner": uid, "book": req.book, "side": req.side.value,
            "type": req.type.value, "tif": req.tif.value, "price": req.price,
            "quantity": req.quantity, "held": held, "filled": 0, "notional": 0, "fees": 0,
            "status": "pending", "reason": "", "created_at": firestore.SERVER_TIMESTAMP,
            "updated_at": firestore.SERVER_TIMESTAMP}


def _command(book_id: str, command_id: str, kind: CommandType, uid: str, order_id: str | None,
             order: list | None = None) -> dict:
    doc = {"book": book_id, "type": kind.value, "owner": uid, "order_id": order_id,
           "status": "accepted", "queue": queue_key(book_id, command_id),
           "accepted_at": firestore.SERVER_TIMESTAMP}
    if order is not None:
        doc["order"] = order
    return doc

