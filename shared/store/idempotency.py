"""Idempotent operations: the stored answer is written in the same transaction as the effect.

Record states: absent (never committed) or completed (effect and answer committed together).
There is no in-progress state to get stuck in, because nothing is written before the commit; a
request that ends in 503 or a 4xx leaves no record, so its retry runs afresh.
"""
from __future__ import annotations

from typing import Callable

from google.cloud import firestore

from shared.domain.errors import IdempotencyConflict
from shared.domain.idempotency import Operation

from .client import collection
from .transactions import run_transaction

IDEMPOTENCY = "idempotency"


def run_idempotent(op: Operation, work: Callable[[firestore.Transaction], dict]) -> dict:
    """Answer a replay from its record, else run `work` and record its answer atomically."""
    ref = collection(IDEMPOTENCY).document(op.id)

    def attempt(txn: firestore.Transaction) -> dict:
        record = ref.get(transaction=txn)
        if record.exists:
            stored = record.to_dict()
            if stored["fingerprint"] != op.fingerprint:
                raise IdempotencyConflict("this Idempotency-Key was used for a different request",
                                          field="Idempotency-Key")
            return stored["response"]
        response = work(txn)
        txn.create(ref, {"caller": op.caller, "operation": op.name, "fingerprint": op.fingerprint,
                         "response": response, "created_at": firestore.SERVER_TIMESTAMP})
        return response

    return run_transaction(attempt)
