"""Idempotent operations: the stored answer is written in the same transaction as the effect.

Record states: absent (never committed) or completed (effect and answer committed together).
There is no in-progress state to get stuck in, because nothing is written before the commit; a
request that ends in 503 or a 4xx leaves no record, so its retry runs afresh.

Hot paths fold the record's read into their one get_all (ledger.read(operation=...)) and call
`replayed` and `record` themselves; everything else uses `run_idempotent`. The hottest ones, whose
transfer id is the operation id, keep the record on that transfer document instead (a receipt,
ledger.read(receipt_of=...) and ledger.write(receipt=...)): one document fewer per request.
"""
from __future__ import annotations

import json
from typing import Callable, Iterable

from google.cloud import firestore

from shared.domain.errors import IdempotencyConflict
from shared.domain.idempotency import Operation

from shared.store.client import collection
from shared.store.transactions import run_transaction

IDEMPOTENCY = "idempotency"


def record_ref(op: Operation) -> firestore.DocumentReference:
    return collection(IDEMPOTENCY).document(op.id)


def replayed(op: Operation, stored: dict | None) -> dict | None:
    """The first answer if this operation already committed; a conflict if the request differs."""
    if stored is None:
        return None
    if stored.get("fingerprint") != op.fingerprint:
        raise IdempotencyConflict("this Idempotency-Key was used for a different request",
                                  field="Idempotency-Key")
    return json.loads(stored["response"])


def record(txn: firestore.Transaction, op: Operation, response: dict) -> dict:
    txn.create(record_ref(op),
               record_fields(op, response) | {"created_at": firestore.SERVER_TIMESTAMP})
    return response


def record_fields(op: Operation, response: dict) -> dict:
    """What `replayed` needs, wherever the record is kept."""
    return {"caller": op.caller, "operation": op.name, "fingerprint": op.fingerprint,
            # one opaque field: the answer is never queried, only replayed
            "response": json.dumps(response, default=str)}


def run_idempotent(op: Operation, work: Callable[[firestore.Transaction], dict],
                   serialize_on: Iterable[str] = ()) -> dict:
    """Answer a replay from its record, else run `work` and record its answer atomically."""
    def attempt(txn: firestore.Transaction) -> dict:
        snap = record_ref(op).get(transaction=txn)
        previous = replayed(op, snap.to_dict() if snap.exists else None)
        return previous if previous is not None else record(txn, op, work(txn))

    return run_transaction(attempt, serialize_on=serialize_on)
