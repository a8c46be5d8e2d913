"""What the simulation does beside plain API calls: Stripe's side of a purchase, and faults.

- Purchases: a pending purchase recorded as create_purchase leaves it once Stripe answered (no
  Stripe API needed), then Stripe events (dev/stripe_events.py) signed with the stripe library
  exactly as Stripe signs them, delivered to the dev server's webhook.
- An aborted transaction: the webhook run in this process with a failure injected inside its
  transaction after the ledger writes are buffered (dev/instrument.fault_before_commit); it
  must write nothing, and Stripe's redelivery completes the effect once.
- A killed sequencer (dev/killed_sequencer.py): a separate process runs the book's sequencer,
  stalls after its first batch holding the lease, and is SIGKILLed; the dev server's sequencer
  must take over once the lease expires and fill every order exactly once.
All of it runs against the emulator the environment names (FIRESTORE_EMULATOR_HOST).
"""
from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from typing import Callable

import requests

from dev import killed_sequencer
from dev.stripe_events import sign as signed


def pending_purchase(uid: str, package_id: str) -> dict | None:
    """A pending purchase with a made-up PaymentIntent id; None past the hourly purchase limit."""
    from shared.domain.errors import MintbookError
    from shared.domain.idempotency import Operation
    from shared.services.purchases import checkout as service
    from shared.services.users import ensure_user
    from shared.store.client import collection
    from shared.store.purchases import PURCHASES

    op = Operation.of(uid, "create_purchase", uuid.uuid4().hex, {"package_id": package_id})
    try:
        purchase = service._record_pending(op, ensure_user(uid), service.get_package(package_id))
    except MintbookError:
        return None
    pi_id = f"pi_{uuid.uuid4().hex[:20]}"
    collection(PURCHASES).document(purchase.id).update({"payment_intent_id": pi_id})
    return {"id": purchase.id, "uid": uid, "payment_intent_id": pi_id, "amount": purchase.amount,
            "currency": purchase.currency, "refunded": 0}


def deliver(http: requests.Session, base_url: str, evt: dict) -> requests.Response:
    body, headers = signed(evt)
    return http.post(f"{base_url}/stripe_webhook", data=body, headers=headers, timeout=60)


def deliver_aborted(evt: dict) -> str:
    """The webhook in this process with its transaction aborted before commit: the failure code
    it records (the dev server would answer 500 and Stripe would retry)."""
    from dev.instrument import fault_before_commit
    from shared.domain.errors import Failed
    from shared.services.purchases import webhook
    from shared.store.purchases import STRIPE_EVENTS

    def abort() -> None:
        raise RuntimeError("injected: the function died after buffering its ledger writes")

    body, headers = signed(evt)
    try:
        with fault_before_commit(STRIPE_EVENTS, abort):
            webhook.receive(body, headers["Stripe-Signature"])
    except Failed:
        return "aborted"
    return "not aborted"


def kill_a_sequencer(book: str, while_running: Callable[[], None], timeout_s: float = 30.0) -> str:
    """Run the book's sequencer in a doomed process while `while_running` places orders; SIGKILL
    it once it stalls after a batch, holding the lease (or at the timeout). Returns "stalled" or
    "never ran a batch"."""
    proc = killed_sequencer.spawn(book, "between_batches", batch_size=2)
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.extend(proc.stdout or []), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout_s
    while proc.poll() is None and time.monotonic() < deadline and not said:
        time.sleep(0.05)
    while_running()
    while proc.poll() is None and time.monotonic() < deadline and not any("stalled" in s for s in said):
        time.sleep(0.05)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    reader.join(timeout=5)
    return "stalled" if any("stalled" in s for s in said) else "never ran a batch"


def pending_commands(book: str) -> int:
    from shared.store import exchange as store

    return len(store.pending_command_ids(book, 1_000))
