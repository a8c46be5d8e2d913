"""`python -m dev.pay PURCHASE_ID [--card visa|declined|3ds|3ds-declined]`: pay a pending purchase
on the local stack as the buyer's browser and Stripe would, with a test card that succeeds or one
that is declined; or put a 3-D Secure card on it for the browser to finish.

How: read the purchase from the emulator (its PaymentIntent id), then on localstripe update the
PaymentIntent with the card's test payment method (`pm_card_visa`, or `pm_card_chargeCustomerFail`:
it attaches, then the charge is declined) and confirm it with the secret key. A browser-style
confirm with the publishable key is refused by localstripe (401), so this is what works locally.
localstripe then sends the signed `payment_intent.succeeded` or `payment_intent.payment_failed`
to the dev server (about 1 s later), which credits the tokens or fails the purchase; this waits
for that and prints the purchase's status.

Where: the stack's ports, read from the same variables `make dev` reads (MINTBOOK_EMULATOR_PORT,
default 8085; MINTBOOK_STRIPE_PORT, default 8420); the banner of `make dev` prints the command
with them when it had to pick other ports. Exit status: 0 when the purchase ended as the card
says (completed, or failed for a declined card), 1 otherwise.

3-D Secure cards (`3ds`: 4000002760003184, authenticates then succeeds; `3ds-declined`:
4000008260003178, authenticates then is declined) stop at `requires_action`, which is where
localstripe's Stripe.js stand-in takes over: the web app's `stripe.confirmCardPayment(secret)`
(@stripe/stripe-js) opens its "3D Secure" box and the payment ends there. The stand-in cannot
create a payment method from a card form, so locally the card is put on the PaymentIntent here,
with the secret key: from a shell, or from the web app's dev-only "pay with a test card" button
through the dev server's `POST /_dev/test_card` (dev/server.py), which calls `attach_card`.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import requests

from dev.emulator import OWNER
from dev.stack import EMULATOR_PORT, PROJECT, STRIPE_PORT

CARDS = {"visa": "pm_card_visa", "declined": "pm_card_chargeCustomerFail"}
EXPECTED = {"visa": "completed", "declined": "failed"}
# Card numbers localstripe knows: these need 3-D Secure, then the charge succeeds or is declined.
THREE_D_SECURE = {"3ds": "4000002760003184", "3ds-declined": "4000008260003178"}
SECRET_KEY = "sk_test_local"  # any sk_test_ key works against localstripe; the stack uses this
WAIT_S = 20.0


class PayError(Exception):
    """The purchase cannot be paid as asked; the message says why."""


def _port(variable: tuple[str, int]) -> int:
    name, default = variable
    return int(os.environ.get(name) or default)


def read_purchase(emulator: str, purchase_id: str) -> dict[str, str]:
    """The purchase's string and integer fields, read as the owner over the emulator's REST API."""
    url = f"{emulator}/v1/projects/{PROJECT}/databases/(default)/documents/purchases/{purchase_id}"
    response = requests.get(url, headers=OWNER, timeout=10)
    if response.status_code == 404:
        raise PayError(f"no purchase {purchase_id} in the emulator at {emulator}")
    response.raise_for_status()
    fields = response.json().get("fields", {})
    return {name: str(value.get("stringValue", value.get("integerValue", "")))
            for name, value in fields.items()}


def local_urls() -> tuple[str, str]:
    """The emulator's and localstripe's URLs, as a process of the stack (the dev server) has them
    in its environment."""
    return (f"http://{os.environ['FIRESTORE_EMULATOR_HOST']}",
            os.environ.get("MINTBOOK_STRIPE_API_BASE", f"http://127.0.0.1:{_port(STRIPE_PORT)}"))


def _pending_intent(purchase_id: str, emulator: str) -> str:
    purchase = read_purchase(emulator, purchase_id)
    if purchase.get("status") != "pending":
        raise PayError(f"purchase {purchase_id} is {purchase.get('status')}, not pending")
    intent_id = purchase.get("payment_intent_id")
    if not intent_id:
        raise PayError(f"purchase {purchase_id} has no PaymentIntent yet")
    return intent_id


def _stripe_session() -> requests.Session:
    http = requests.Session()
    http.auth = (SECRET_KEY, "")
    return http


def attach_card(purchase_id: str, card: str, emulator: str, stripe: str) -> str:
    """Put 3-D Secure test card `card` (a THREE_D_SECURE name) on the purchase's PaymentIntent
    and confirm it; the PaymentIntent's status, `requires_action` (the browser finishes it)."""
    intent_id = _pending_intent(purchase_id, emulator)
    http = _stripe_session()
    method = http.post(f"{stripe}/v1/payment_methods", timeout=10, data={
        "type": "card", "card[number]": THREE_D_SECURE[card], "card[exp_month]": "12",
        "card[exp_year]": "2030", "card[cvc]": "123"})
    if not method.ok:
        raise PayError(f"localstripe refused the card ({method.status_code}): {method.text[:300]}")
    intent_url = f"{stripe}/v1/payment_intents/{intent_id}"
    updated = http.post(intent_url, data={"payment_method": method.json()["id"]}, timeout=10)
    if updated.ok:
        updated = http.post(f"{intent_url}/confirm", timeout=10)
    if not updated.ok:
        raise PayError(f"localstripe refused {intent_id} ({updated.status_code}): "
                       f"{updated.text[:300]}")
    return str(updated.json().get("status"))


def pay(purchase_id: str, card: str, emulator: str, stripe: str) -> str:
    """Pay the purchase with `card`, wait for the dev server to apply the webhook; the status."""
    intent_id = _pending_intent(purchase_id, emulator)
    http = _stripe_session()
    intent_url = f"{stripe}/v1/payment_intents/{intent_id}"
    updated = http.post(intent_url, data={"payment_method": CARDS[card]}, timeout=10)
    if not updated.ok:
        raise PayError(f"localstripe refused the card for {intent_id} ({updated.status_code}): "
                       f"{updated.text[:300]}")
    confirmed = http.post(f"{intent_url}/confirm", timeout=10)
    if confirmed.status_code == 402:  # the decline, answered as Stripe does: a card error
        outcome = f"declined ({confirmed.json().get('error', {}).get('code')})"
    elif confirmed.ok:
        outcome = str(confirmed.json().get("status"))
    else:
        raise PayError(f"localstripe refused to confirm {intent_id} ({confirmed.status_code}): "
                       f"{confirmed.text[:300]}")
    print(f"{intent_id}: {outcome} with {CARDS[card]}; waiting for the webhook to reach the dev "
          "server", flush=True)
    deadline = time.monotonic() + WAIT_S
    status = "pending"
    while status == "pending" and time.monotonic() < deadline:
        time.sleep(0.3)
        status = read_purchase(emulator, purchase_id).get("status", "")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dev.pay",
        description="Pay a pending purchase on the local stack (make dev) with a test card.")
    parser.add_argument("purchase_id")
    parser.add_argument("--card", choices=sorted(CARDS) + sorted(THREE_D_SECURE), default="visa",
                        help="visa (pm_card_visa) succeeds; declined "
                             "(pm_card_chargeCustomerFail) is declined; 3ds and 3ds-declined "
                             "stop at requires_action for the web app to authenticate")
    args = parser.parse_args(argv)
    emulator = f"http://127.0.0.1:{_port(EMULATOR_PORT)}"
    stripe = f"http://127.0.0.1:{_port(STRIPE_PORT)}"
    try:
        if args.card in THREE_D_SECURE:
            status = attach_card(args.purchase_id, args.card, emulator, stripe)
            print(f"purchase {args.purchase_id}: PaymentIntent {status}; finish the 3-D Secure "
                  "step in the web app")
            return 0 if status == "requires_action" else 1
        status = pay(args.purchase_id, args.card, emulator, stripe)
    except PayError as err:
        print(err, file=sys.stderr)
        return 1
    except requests.ConnectionError as err:
        print(f"the local stack does not answer ({err}); is `make dev` running, on these ports "
              f"({EMULATOR_PORT[0]}, {STRIPE_PORT[0]})?", file=sys.stderr)
        return 1
    if status == "pending":
        print(f"purchase {args.purchase_id} is still pending after {WAIT_S:.0f} s: the webhook did "
              "not arrive (is the dev server up?); job_stripe_sync applies the payment later",
              file=sys.stderr)
        return 1
    print(f"purchase {args.purchase_id}: {status}")
    return 0 if status == EXPECTED[args.card] else 1


if __name__ == "__main__":
    sys.exit(main())
