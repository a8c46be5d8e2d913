"""Demo data for `make dev`, loaded through the HTTP API like any client would.

Idempotent: fixed Idempotency-Keys, so running it twice against the same emulator changes
nothing the second time. Creates the platform asset and a creator token, three demo users with
their welcome bonus, a few transfers, an admin adjustment, and the token packages the web app
sells (one popular, two with a bonus).
"""
from __future__ import annotations

import requests

from dev.tokens import unsigned_id_token

ADMIN = "demo-admin"
USERS = ("demo-alice", "demo-bob", "demo-carol")
# (name, CHIP in cents, bonus CHIP in cents, price in US cents, popular)
PACKAGES = (("Starter", 50_000, 0, 499, False), ("Popular", 120_000, 12_000, 999, True),
            ("Big", 300_000, 60_000, 1_999, False))


class Client:
    def __init__(self, base_url: str, project: str) -> None:
        self.base_url, self.project = base_url.rstrip("/"), project
        self.http = requests.Session()

    def call(self, method: str, name: str, uid: str, body: dict | None = None,
             key: str | None = None, allow: tuple[str, ...] = ()) -> dict | None:
        headers = {"Authorization": f"Bearer {unsigned_id_token(uid, self.project)}"}
        if key:
            headers["Idempotency-Key"] = key
        answer = self.http.request(method, f"{self.base_url}/{name}", json=body, headers=headers,
                                   timeout=30).json()
        if not answer["success"] and answer["errors"][0]["code"] not in allow:
            raise RuntimeError(f"demo data: {name} failed: {answer['errors']}")
        return answer["data"]


def load(base_url: str, project: str = "demo-mintbook") -> None:
    c = Client(base_url, project)
    c.call("GET", "get_me", ADMIN)
    c.call("POST", "admin_create_asset", ADMIN, {"code": "CHIP", "name": "Chips", "decimals": 2,
           "kind": "platform"}, key="demo-chip", allow=("asset_exists",))
    c.call("POST", "admin_create_asset", ADMIN, {"code": "LUNA", "name": "Luna's token",
           "decimals": 0, "kind": "creator", "supply_cap": 1_000_000}, key="demo-luna",
           allow=("asset_exists",))
    for uid in USERS:
        c.call("GET", "get_me", uid)
    c.call("POST", "admin_adjust", ADMIN, {"uid": "demo-alice", "asset": "LUNA", "amount": 5_000,
           "reason": "demo: initial creator allocation"}, key="demo-luna-alice")
    c.call("POST", "create_transfer", "demo-alice", {"to": "demo-bob", "asset": "CHIP",
           "amount": 2_500, "memo": "demo: pizza"}, key="demo-t1")
    c.call("POST", "create_transfer", "demo-alice", {"to": "demo-carol", "asset": "LUNA",
           "amount": 250, "memo": "demo: fan gift"}, key="demo-t2")
    c.call("PATCH", "update_me", "demo-alice", {"display_name": "Alice", "bio": "Demo user"},
           key="demo-profile-alice")
    for number, (name, tokens, bonus, price, popular) in enumerate(PACKAGES):
        c.call("POST", "admin_create_package", ADMIN, {
            "name": name, "tokens": tokens, "bonus": bonus, "price": price, "currency": "usd",
            "sort_order": number, "popular": popular}, key=f"demo-package-{number}")
    c.http.close()
