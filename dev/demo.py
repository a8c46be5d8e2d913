"""Demo data for `make dev`, loaded through the HTTP API like any client would: a world where
every list answers something.

Idempotent, on a fresh emulator and on kept data alike: fixed Idempotency-Keys (a market whose
body holds a time is looked up by its slug when its key was used already), so loading it again
changes nothing, except one new market closing within the hour per start hour. It creates the
platform asset and a creator token (LUNA), demo users with their welcome bonus, transfers, an
admin adjustment, the token packages the web app sells (one popular, two with a bonus), a listed
creator (NOVA) whose book has resting bids and asks and real trades (so candles), prices for
every asset, two open swap offers, an open market with forecasts, one closing within the hour,
and one resolved with its payouts, notifications, badges and the leaderboards.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import requests

from dev.tokens import unsigned_id_token

ADMIN = "demo-admin"
USERS = ("demo-alice", "demo-bob", "demo-carol", "demo-nova")
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

    def public(self, name: str, **params) -> dict:
        answer = self.http.get(f"{self.base_url}/{name}", params=params, timeout=30).json()
        if not answer["success"]:
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
    # the market to resolve first: it closes while the rest loads instead of in a wait of its own
    resolved = committed(c, market(c, "did-the-demo-start", "Did the demo start?", "crypto",
                                   datetime.now(timezone.utc) + timedelta(seconds=8)),
                         (("demo-alice", "yes", 400), ("demo-bob", "no", 600)))
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
    exchange(c)
    markets(c, resolved)
    c.http.close()


# USD per whole token in 1e-8 USD, BTC in 1e-12 BTC: a CHIP is worth what the packages charge
# for it (about 0.83 US cents); LUNA and NOVA trade at 0.1 CHIP.
PRICES = {"CHIP": (833_000, 83_000), "LUNA": (83_300, 8_300), "NOVA": (83_300, 8_300)}


def exchange(c: Client) -> None:
    """A listed creator whose book has depth and trades, prices, and open swap offers."""
    c.call("POST", "admin_list_creator", ADMIN, {
        "uid": "demo-nova", "symbol": "NOVA", "name": "Nova Studio", "initial_supply": 100_000,
        "bio": "Illustrations and animation", "categories": ["art"]}, key="demo-list-nova")
    for asset, (usd, btc) in PRICES.items():
        c.call("POST", "admin_set_price", ADMIN, {"asset": asset, "usd": usd, "btc": btc},
               key=f"demo-price-{asset}")
    orders = (("demo-nova", "sell", 12, 1_000), ("demo-nova", "sell", 11, 1_000),
              ("demo-nova", "sell", 10, 500), ("demo-bob", "buy", 10, 300),
              ("demo-carol", "buy", 9, 200), ("demo-carol", "buy", 8, 200))
    for n, (uid, side, price, quantity) in enumerate(orders):
        c.call("POST", "place_order", uid, {"book": "NOVA-CHIP", "side": side, "price": price,
               "quantity": quantity}, key=f"demo-order-{n}")
    c.call("POST", "create_swap_offer", "demo-carol", {"give_asset": "LUNA", "give_amount": 100,
           "want_asset": "CHIP", "want_amount": 1_000}, key="demo-swap-carol")
    c.call("POST", "create_swap_offer", "demo-alice", {"give_asset": "LUNA", "give_amount": 200,
           "want_asset": "CHIP", "want_amount": 2_000, "allow_partial": True},
           key="demo-swap-alice")


def markets(c: Client, resolved: dict) -> None:
    """An open market with forecasts, one closing within the hour (one per start hour), and
    `resolved` resolved, settled and ranked (payouts, notifications, badges, leaderboards)."""
    now = datetime.now(timezone.utc)
    open_market = market(c, "will-it-rain-in-lisbon-tomorrow", "Will it rain in Lisbon tomorrow?",
                         "other", now + timedelta(days=30))
    committed(c, open_market, (("demo-alice", "yes", 500), ("demo-bob", "no", 300)))
    hour = now.strftime("%Y%m%d%H")
    closing = market(c, f"closing-soon-{hour}", "Will the demo's next hour be quiet?", "crypto",
                     now + timedelta(minutes=50))
    committed(c, closing, (("demo-carol", "yes", 200),))
    wait = (datetime.fromisoformat(resolved["closes_at"]) - datetime.now(timezone.utc))
    time.sleep(max(0.0, wait.total_seconds() + 4))  # past the close and its arrival grace
    c.call("POST", "resolve_market", ADMIN, {
        "market_id": resolved["id"], "outcome": "yes", "note": "The demo started.",
        "evidence_urls": ["https://example.com/demo-started"]}, key="demo-resolve",
        allow=("market_already_resolved",))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = (c.public("get_market", market_id=resolved["id"]).get("settlement") or {})
        if state.get("state") == "settled":
            break
        time.sleep(0.5)
    c.http.post(f"{c.base_url}/job_leaderboards", timeout=60)


def committed(c: Client, m: dict, commits: tuple[tuple[str, str, int], ...]) -> dict:
    """The market `m` after the (uid, outcome, amount) forecasts."""
    for uid, outcome, amount in commits:
        # on kept data the resolved market took its commits the first time
        c.call("POST", "commit_forecast", uid, {"market_id": m["id"], "outcome": outcome,
               "amount": amount}, key=f"demo-commit-{m['slug']}-{uid}",
               allow=("market_closed", "market_resolved"))
    return m


def market(c: Client, slug: str, title: str, category: str, closes: datetime) -> dict:
    """Create the market, or find it by slug when an earlier load created it."""
    body = {"slug": slug, "title": title, "category": category, "closes_at": closes.isoformat(),
            "outcomes": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}],
            "max_per_user": 100_000}
    created = c.call("POST", "create_market", ADMIN, body, key=f"demo-market-{slug}",
                     allow=("idempotency_conflict", "slug_taken"))
    return created or c.public("get_market", slug=slug)
