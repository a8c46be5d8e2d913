"""What bench.scale seeds before it counts: data along separate axes, `n` units each.

Through the HTTP API (as clients make it, uncounted by the measurement, which marks the counter
after seeding), with a few workers:
- users: n new users signed up (get_me), each with the welcome bonus;
- holders: demo-alice sends 1 LUNA to each of them (n holders of LUNA; n transfers in her
  history);
- forecasters: each of them commits 1 CHIP to one market (n forecasters of one market), and
  n // 5 more open markets;
- creators and assets: n // 5 creators listed (each an asset, a book and a creator page), each
  asset priced (list_prices and the catalogues grow with them).
Directly, in the layout the product writes it, where the real path takes minutes per unit:
- reputation history: n settled-forecast events of demo-alice and her reputation record as
  settlement keeps it (shared.domain.markets.social: Record and CategoryRecord);
- purchases: n pending purchases of the new users (services.purchases.checkout records them as
  create_purchase does before Stripe answers).
Not seeded (yet): trades per book (the book is issue 17's rewrite), swap volume days.
"""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Callable, NamedTuple

from bench.count_setups import ADMIN, ALICE, Call, Client

WORKERS = 4
CATEGORIES = ("crypto", "sports", "politics")


class World(NamedTuple):
    """Names of what was seeded, for the calls."""
    n: int
    run: str
    users: tuple[str, ...]
    market_id: str
    creators: tuple[str, ...]
    package_id: str
    bookless: str   # an asset with no book yet, for admin_create_book


def _parallel(work: Callable[[int], object], count: int) -> None:
    with ThreadPoolExecutor(WORKERS) as pool:
        for _ in pool.map(work, range(count)):
            pass


def seed(c: Client, n: int) -> World:
    run = uuid.uuid4().hex[:6]
    # the LUNA-CHIP book the exchange calls use (bench.count's place_order setup makes it too)
    c.send(Call("admin_create_book", "http", "POST", ADMIN, {"base": "LUNA"},
                request_id=f"setup-{run}"))
    _parallel(lambda i: c.ok("POST", "create_market", ADMIN, _market_body(f"{run}-{i}")),
              max(1, n // 5))  # list_markets and the sweep: more than a page of open markets
    users = tuple(f"s{run}-u{i}" for i in range(n))
    _parallel(lambda i: c.ok("GET", "get_me", users[i]), n)
    _parallel(lambda i: c.ok("POST", "create_transfer", ALICE, {
        "to": users[i], "asset": "LUNA", "amount": 1, "memo": "scale"}), n)
    market_id = _market(c, run)
    _parallel(lambda i: c.ok("POST", "commit_forecast", users[i], {
        "market_id": market_id, "outcome": ("yes", "no")[i % 2], "amount": 1}), n)
    creators = tuple(f"s{run}-c{i}" for i in range(max(1, n // 5)))
    _parallel(lambda i: _creator(c, run, i, creators[i]), len(creators))
    package = c.ok("POST", "admin_create_package", ADMIN, {
        "name": f"scale {run}", "tokens": 100, "price": 100, "currency": "usd"})
    bookless = f"B{run.upper()}"
    c.ok("POST", "admin_create_asset", ADMIN, {"code": bookless, "name": "No book yet",
                                               "decimals": 0, "kind": "creator"})
    for asset in ("CHIP", "LUNA"):  # 1 USD a whole token: a CHIP-LUNA swap of 100 for 1
        c.ok("POST", "admin_set_price", ADMIN, {"asset": asset, "usd": 100_000_000,
                                                "btc": 1_000_000})
    seed_reputation(ALICE, n)
    _purchases(users, package["id"])
    return World(n, run, users, market_id, creators, package["id"], bookless)


def _market_body(slug: str) -> dict:
    closes = datetime.now(timezone.utc) + timedelta(days=1)
    return {"slug": f"scale-{slug}", "title": "Will bench.scale stay flat?", "category": "crypto",
            "outcomes": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}],
            "closes_at": closes.isoformat(), "max_per_user": 100_000}


def _market(c: Client, run: str) -> str:
    return c.ok("POST", "create_market", ADMIN, _market_body(run))["id"]


def _creator(c: Client, run: str, i: int, uid: str) -> None:
    c.ok("GET", "get_me", uid)
    symbol = f"S{run[:3].upper()}{i}"
    c.ok("POST", "admin_list_creator", ADMIN, {"uid": uid, "symbol": symbol,
                                               "name": f"Scale {i}", "initial_supply": 1_000})
    c.ok("POST", "admin_set_price", ADMIN, {"asset": symbol, "usd": 1_000_000, "btc": 10_000})


def seed_reputation(uid: str, n: int) -> None:
    """n more settled forecasts of `uid`: their events, and the record as settlement keeps it."""
    from google.cloud import firestore

    from shared.domain.markets.social import CategoryRecord, Record
    from shared.store.client import collection, db
    from shared.store.markets.market import REPUTATION, REPUTATION_EVENTS

    ref = collection(REPUTATION).document(uid)
    stored = ref.get().to_dict() or {}
    record = Record(**{k: int(v) for k, v in stored.items() if k in Record._fields})
    rows = {c: CategoryRecord(**row) for c, row in (stored.get("categories") or {}).items()}
    batch = db().batch()
    for i in range(n):
        category, result = CATEGORIES[i % 3], ("won", "lost")[i % 2]
        score, net = (300_000, -100_000)[i % 2], (50, -10)[i % 2]
        record = record.after(result, score, net)
        rows[category] = rows.get(category, CategoryRecord()).after(result, score, net)
        batch.set(collection(REPUTATION_EVENTS).document(f"scale-{uuid.uuid4().hex}"), {
            "owner": uid, "market_id": f"scale-{i}", "category": category, "result": result,
            "score_ppm": score, "net_won": net, "at": firestore.SERVER_TIMESTAMP})
        if len(batch) >= 400:
            batch.commit()
            batch = db().batch()
    batch.set(ref, {"owner": uid, **record._asdict(),
                    "categories": {c: r._asdict() for c, r in rows.items()},
                    "updated_at": firestore.SERVER_TIMESTAMP})
    batch.commit()


def _purchases(users: tuple[str, ...], package_id: str) -> None:
    from shared.domain.idempotency import Operation
    from shared.services.purchases import checkout
    from shared.services.users import ensure_user

    package = checkout.get_package(package_id)

    def one(i: int) -> None:
        op = Operation.of(users[i], "create_purchase", uuid.uuid4().hex, {"package_id": package_id})
        checkout._record_pending(op, ensure_user(users[i]), package)

    for i in range(len(users)):  # one at a time: each transaction queries recent purchases,
        one(i)                   # and the emulator locks what a query read
