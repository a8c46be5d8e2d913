"""What the simulation does beside plain API calls: Stripe's side of a purchase, and faults.

- Purchases: a pending purchase recorded as create_purchase leaves it once Stripe answered (no
  Stripe API needed), then Stripe events signed with the stripe library exactly as Stripe signs
  them, delivered to the dev server's webhook.
- An aborted transaction: the webhook run in this process with a failure injected inside its
  transaction after the ledger writes are buffered (dev/instrument.fault_before_commit); it
  must write nothing, and Stripe's redelivery completes the effect once.
- A killed sequencer: a separate process runs the book's sequencer, stalls after its first batch
  holding the lease, and is SIGKILLed; the dev server's sequencer must take over once the lease
  expires and fill every order exactly once.
All of it runs against the emulator the environment names (FIRESTORE_EMULATOR_HOST).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

import requests

ROOT = Path(__file__).resolve().parent.parent

KILLED_SEQUENCER = """
import sys, time
from shared.services.exchange import batches
from shared.services.exchange import sequencer
sequencer.BATCH_SIZE = 2
real_process = batches.process
def process(*args, **kwargs):
    done = real_process(*args, **kwargs)
    print("stalled", flush=True)
    time.sleep(600)  # SIGKILLed here, holding the lease
batches.process = process
print("running", flush=True)
while True:  # until it wins the lease and runs a batch (the dev server's sequencer competes)
    sequencer.run(sys.argv[1], holder="doomed")
    time.sleep(0.02)
"""


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


def event(type_: str, obj: dict) -> dict:
    return {"id": f"evt_{uuid.uuid4().hex[:24]}", "object": "event", "type": type_,
            "created": int(time.time()), "livemode": False, "api_version": "2024-06-20",
            "data": {"object": obj}}


def paid(p: dict) -> dict:
    return event("payment_intent.succeeded", {
        "id": p["payment_intent_id"], "object": "payment_intent", "amount": p["amount"],
        "amount_received": p["amount"], "currency": p["currency"], "status": "succeeded",
        "metadata": {"purchase_id": p["id"], "uid": p["uid"]}})


def refunded(p: dict, cumulative: int) -> dict:
    return event("charge.refunded", {
        "id": "ch_" + p["payment_intent_id"][3:], "object": "charge", "amount": p["amount"],
        "amount_refunded": cumulative, "currency": p["currency"],
        "payment_intent": p["payment_intent_id"], "refunded": cumulative >= p["amount"],
        "metadata": {}})


def signed(evt: dict) -> tuple[bytes, dict]:
    import stripe

    from dev.stack import LOCAL_STRIPE_WEBHOOK_SECRET

    secret = os.environ.get("MINTBOOK_STRIPE_WEBHOOK_SECRET", LOCAL_STRIPE_WEBHOOK_SECRET)
    payload = json.dumps(evt)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret)
    return payload.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


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
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SEQUENCER, book], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
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
