"""`python -m bench.webhook`: Stripe webhook deliveries against a floor doing their Firestore work.

Subject: 8 concurrent senders, each POSTing signed payment_intent.succeeded events (signed with
the Stripe library, verified by the webhook) for its own user's pending purchases to the
stripe_webhook function, in this process behind a WSGI test client: verify, dedupe by event id,
check the purchase, mint tokens + bonus, complete the purchase, in one transaction each.
Each event is one transaction that reads 5 documents (the user's account and receivable, the
purchase, the event's record and failed delivery) and writes 10: the user's account, issuance
credited blind, 2 transfers, 4 journal entries, the purchase and the event's record.
Floor: the same 8 clients, each operation one transaction of that shape (support.floor_workers):
5 documents read, 2 of them rewritten, 1 document shared by all credited blind, 7 created, all
one-field documents, through the same wire functions and run_transaction.
Purchases are written before each measured phase and are not timed.
Last line: events_per_s=... floor_per_s=... ratio=... failed=...
"""
from __future__ import annotations

import argparse
import os

from dev.stripe_events import payment_event, sign

from .support import ROOT, Shape, alternate, bench_emulator, closed_loop, floor_workers

SECRET = "whsec_bench"
POOL = 1_500  # purchases per sender per phase; more than a phase can use
FLOOR = Shape(reads=5, rewrites=2, creates=7, shared=1)


def seed_purchases(tag: str, senders: int) -> list[list[dict]]:
    from google.cloud import firestore

    from shared.domain.purchases import Purchase
    from shared.store.client import collection, db
    from shared.store.purchases import PURCHASES, purchase_doc

    pools: list[list[dict]] = [[] for _ in range(senders)]
    batch = db().batch()
    pending = 0
    for i in range(senders):
        for n in range(POOL):
            p = Purchase(id=f"{tag}-{i}-{n}", uid=f"buyer-{i}", package_id="bench", asset="CHIP",
                         tokens=1_000, bonus=100, amount=999, currency="usd",
                         payment_intent_id=f"pi_{tag}_{i}_{n}")
            batch.set(collection(PURCHASES).document(p.id),
                      {**purchase_doc(p), "created_at": firestore.SERVER_TIMESTAMP})
            pools[i].append({"id": p.id, "uid": p.uid, "payment_intent_id": p.payment_intent_id,
                             "amount": p.amount, "currency": p.currency})
            pending += 1
            if pending == 500:
                batch.commit()
                batch, pending = db().batch(), 0
    if pending:
        batch.commit()
    return pools


def senders(client, pools: list[list[dict]]):
    def make(i: int):
        def send(n: int) -> None:
            body, headers = sign(payment_event("succeeded", pools[i][n]), secret=SECRET)
            response = client.post("/stripe_webhook", data=body, headers=headers)
            if response.status_code != 200 or response.json["data"]["outcome"] != "completed":
                raise RuntimeError(f"{response.status_code} {response.get_data(as_text=True)[:200]}")
        return send
    return [make(i) for i in range(len(pools))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    os.environ["MINTBOOK_STRIPE_WEBHOOK_SECRET"] = SECRET
    with bench_emulator("bench-webhook"):
        import sys

        import flask

        sys.path.insert(0, str(ROOT / "functions"))
        from api.stripe_webhook import stripe_webhook
        from shared.services.bootstrap import ensure_platform

        ensure_platform()
        app = flask.Flask("bench-webhook")
        app.add_url_rule("/stripe_webhook", "stripe_webhook",
                         lambda: stripe_webhook(flask.request), methods=["POST"])
        client = app.test_client()
        round_no = iter(range(1000))

        def subject():
            pools = seed_purchases(f"s{next(round_no)}", args.clients)
            return closed_loop(senders(client, pools), args.seconds)

        floor, events = alternate(
            lambda: closed_loop(floor_workers(FLOOR, f"r{next(round_no)}", range(args.clients)),
                                args.seconds),
            subject, args.rounds)
    ratio = events.per_s / floor.per_s if floor.per_s else 0.0
    print(f"events_per_s={events.per_s:.1f} floor_per_s={floor.per_s:.1f} "
          f"ratio={ratio:.2f} failed={events.failed + floor.failed}")


if __name__ == "__main__":
    main()
