"""Halting and delisting a book (admin_set_book_status), and the halt an invariant violation
triggers.

Guarantees:
- The status is on the book's document (read fresh by every order's acceptance) and copied to
  its published depth; each change is audited with its reason, in the same transaction.
- open <-> halted freely; closed is final. Closing also records the book's CLOSE command in that
  transaction: the sequencer cancels every resting order in bounded steps (like cancel_all),
  releasing each hold, and rejects any place sequenced after it (`book_closed`), so an order
  accepted just before the close cannot rest on a closed book.
- A halt refuses new orders only: cancels are accepted and the sequencer drains every command
  already accepted.
"""
from __future__ import annotations

import logging

from google.cloud import firestore

from shared.domain.errors import Rejected
from shared.domain.exchange.books import BookStatus, CommandType
from shared.domain.idempotency import Operation
from shared.domain.users import User
from shared.store import exchange as store
from shared.store.idempotency import run_idempotent
from shared.store.transactions import run_transaction
from shared.store.users import record_audit

from shared.services.exchange import orders, sequencer

log = logging.getLogger(__name__)
SYSTEM = "system.sequencer"


def set_status(op: Operation, admin: User, book_id: str, status: BookStatus, reason: str) -> dict:
    store.get_book(book_id)   # unknown_book
    answer = run_idempotent(op, lambda txn: _change(txn, admin.uid, book_id, status, reason,
                                                    close_id=op.id))
    store.forget_cache()
    if status == BookStatus.CLOSED:
        sequencer.wake(book_id)
    return answer


def halt(book_id: str, reason: str) -> None:
    """Halt a book without an admin (the sequencer found an invariant violated)."""
    def work(txn: firestore.Transaction) -> dict:
        data = store.ref(store.BOOKS, book_id).get(transaction=txn).to_dict() or {}
        if data.get("status", BookStatus.OPEN) != BookStatus.OPEN:
            return data
        return _change(txn, SYSTEM, book_id, BookStatus.HALTED, reason, close_id="")

    run_transaction(work, serialize_on=[f"bookdoc:{book_id}"])
    store.forget_cache()


def _change(txn: firestore.Transaction, actor: str, book_id: str, status: BookStatus,
            reason: str, close_id: str) -> dict:
    ref = store.ref(store.BOOKS, book_id)
    data = ref.get(transaction=txn).to_dict()
    before = data.get("status", BookStatus.OPEN)
    if before == BookStatus.CLOSED and status != BookStatus.CLOSED:
        raise Rejected("a closed book stays closed", field="status", code="book_closed")
    if before != status:
        txn.update(ref, {"status": str(status), "version": int(data.get("version", 1)) + 1})
        txn.set(store.ref(store.DEPTH, book_id), {"book": book_id, "status": str(status)},
                merge=True)
        if status == BookStatus.CLOSED:
            txn.create(store.ref(store.COMMANDS, close_id),
                       orders.command_doc(book_id, close_id, CommandType.CLOSE, actor))
        record_audit(txn, actor=actor, action="set_book_status", target=book_id, reason=reason,
                     before={"status": before}, after={"status": str(status)})
    config = store.config_from(data | {"status": str(status)})
    return config.as_dict()
