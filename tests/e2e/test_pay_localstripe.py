"""`python -m dev.pay`, the README's way to pay a purchase locally, run as a developer runs it
against the session's stack and localstripe; and localstripe reachable from this machine only.

Given a pending purchase (create_purchase, as the app would call it), when dev.pay pays it with
the good card the buyer is credited; with `--card declined` the purchase fails and nothing is
minted.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_purchase_localstripe import admin_uid, shop  # noqa: F401 (fixtures)
from tests.emulator.helpers import balance, key, ok, reconcile

REPO_ROOT = Path(__file__).resolve().parents[2]


def pay(purchase_id: str, emulator, localstripe, *card: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MINTBOOK_EMULATOR_PORT": str(emulator.port),
           "MINTBOOK_STRIPE_PORT": str(localstripe.port)}
    return subprocess.run([sys.executable, "-m", "dev.pay", purchase_id, *card], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def buy(api, uid: str, admin: str) -> str:
    from tests.emulator.purchases_helpers import package

    pkg = package(api, admin, tokens=1_000, bonus=100, price=1_500)
    created = ok(api.call("POST", "create_purchase", uid, json={"package_id": pkg["id"]},
                          idempotency_key=key()))
    return created["purchase_id"]


def test_dev_pay_with_the_test_card_credits_the_purchase(api, admin_uid, emulator, localstripe,
                                                         stripe_api, shop):
    purchase_id = buy(api, "pia", admin_uid)

    paid = pay(purchase_id, emulator, localstripe)

    assert paid.returncode == 0, paid.stdout + paid.stderr
    assert "succeeded with pm_card_visa" in paid.stdout
    assert f"purchase {purchase_id}: completed" in paid.stdout
    assert balance(api, "pia")["total"] == 10_000 + 1_100
    [bought] = ok(api.call("GET", "list_purchases", "pia"))["items"]
    assert bought["status"] == "completed"
    assert reconcile(api, admin_uid)["ok"]


def test_dev_pay_with_a_declined_card_fails_the_purchase(api, admin_uid, emulator, localstripe,
                                                         stripe_api, shop):
    purchase_id = buy(api, "ned", admin_uid)

    declined = pay(purchase_id, emulator, localstripe, "--card", "declined")

    assert declined.returncode == 0, declined.stdout + declined.stderr
    assert "declined (card_declined) with pm_card_chargeCustomerFail" in declined.stdout
    assert f"purchase {purchase_id}: failed" in declined.stdout
    assert balance(api, "ned")["total"] == 10_000
    # and a purchase that is no longer pending is refused, naming its status
    again = pay(purchase_id, emulator, localstripe)
    assert again.returncode == 1 and "is failed, not pending" in again.stderr
    assert reconcile(api, admin_uid)["ok"]


def listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net shows them) with a socket listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_localstripe_listens_on_the_loopback_address_only(localstripe):
    # 127.0.0.1 as /proc/net/tcp writes it; localstripe's own start() would listen on :: (all)
    assert listening_addresses(localstripe.port) == {"0100007F"}


def test_dev_pay_with_a_3ds_card_leaves_the_authentication_to_the_browser(
        api, admin_uid, emulator, localstripe, stripe_api, shop):
    purchase_id = buy(api, "tess", admin_uid)

    attached = pay(purchase_id, emulator, localstripe, "--card", "3ds")

    assert attached.returncode == 0, attached.stdout + attached.stderr
    assert f"purchase {purchase_id}: PaymentIntent requires_action" in attached.stdout
    [waiting] = ok(api.call("GET", "list_purchases", "tess"))["items"]
    assert waiting["status"] == "pending"
    assert balance(api, "tess")["total"] == 10_000


def test_the_dev_servers_test_card_route_refuses_what_it_cannot_pay(api, server_url, localstripe):
    import requests

    unknown_card = requests.post(f"{server_url}/_dev/test_card", timeout=10,
                                 json={"purchase_id": "p1", "card": "visa"})
    no_purchase = requests.post(f"{server_url}/_dev/test_card", timeout=10,
                                json={"purchase_id": "no-such-purchase", "card": "3ds"})

    assert unknown_card.status_code == 400
    assert unknown_card.json()["errors"][0]["code"] == "invalid_input"
    assert no_purchase.status_code == 409
    assert no_purchase.json()["errors"][0]["code"] == "not_payable"
    assert "no purchase no-such-purchase" in no_purchase.json()["errors"][0]["message"]
