"""What bench.scale seeds before it counts: data along separate axes, `n` units each.

Lists a call reads a page of (DEFAULT_LIMIT, 20) get more than a page at the smaller size
(PAGE_PLUS at least where n // 5 may be fewer), so that a flat budget's reads are compared
page to page, not a short list to a full page.

Through the HTTP API (as clients make it, uncounted by the measurement, which marks the counter
after seeding), with a few workers:
- users: n new users signed up (get_me), each with the welcome bonus;
- holders: demo-alice sends 1 LUNA to each of them (n holders of LUNA; n transfers in her
  history);
- forecasters: each of them commits 1 CHIP to one market (n forecasters of one market), and
  n // 5 more open markets, each of which demo-alice commits 1 CHIP to (her forecasts);
- notifications: demo-alice follows crypto (told of each new market) and the users send her
  max(n, NOTICES_MIN) transfers of 1 CHIP (more unread notices than mark_notifications_read's
  100 a call);
- creators and assets: max(n // 5, 31) creators listed (each an asset, a book, a creator page and a news
  item), each asset priced (list_prices and the catalogues grow with them); demo-alice follows
  each, and the first page of list_creators (the demo's creators);
- catalogue: n // 5 token packages, n // 5 past windows of the search service price, and
  max(n // 5, PAGE_PLUS) more LUNA prices set (its price history);
- orders: demo-alice rests max(n // 5, PAGE_PLUS) bids of 1 LUNA at 1 on LUNA-CHIP, and makes
  PAGE_PLUS swap offers of 100 CHIP for 1 LUNA (list_swap_offers).
Directly, in the layout the product writes it, where the real path takes minutes per unit:
- reputation history: n settled-forecast events of demo-alice and her reputation record as
  settlement keeps it (shared.domain.markets.social: Record and CategoryRecord);
- purchases: n pending purchases of the new users (services.purchases.checkout records them as
  create_purchase does before Stripe answers);
- flags: the users' sign-up burst flagged as job_flag_suspicious's scan flags it (the rule and
  the flag transaction of services.flags), without moving the scan's checkpoints;
- wallet challenges: n issued an hour ago and expired (as services.wallets stores them), for
  job_expire_wallet_nonces (the real path expires them after 5 minutes).
Not seeded (yet): trades per book (the book is issue 17's rewrite), swap volume days.
"""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Callable, NamedTuple

from bench.budgets import DEFAULT_LIMIT
from bench.count_setups import ADMIN, ALICE, Call, Client
from shared.services.exchange.creators import FEED_CREATORS

WORKERS = 4
CATEGORIES = ("crypto", "sports", "politics")
PAGE_PLUS = DEFAULT_LIMIT + 2   # more than a page (the page's limit + 1 documents) of a list
NOTICES_MIN = 120               # unread notices: more than mark_notifications_read's 100


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
    catalogue = max(1, n // 5)
    # the LUNA-CHIP book the exchange calls use (bench.count's place_order setup makes it too)
    c.send(Call("admin_create_book", "http", "POST", ADMIN, {"base": "LUNA"},
                request_id=f"setup-{run}"))
    c.ok("POST", "follow_category", ALICE, {"category": "crypto"})  # told of each new market
    markets = [None] * catalogue
    _parallel(lambda i: markets.__setitem__(
        i, c.ok("POST", "create_market", ADMIN, _market_body(f"{run}-{i}"))["id"]),
        catalogue)  # list_markets and the sweep: more than a page of open markets
    users = tuple(f"s{run}-u{i}" for i in range(n))
    _parallel(lambda i: c.ok("GET", "get_me", users[i]), n)
    _flags(users)
    _parallel(lambda i: c.ok("POST", "create_transfer", ALICE, {
        "to": users[i], "asset": "LUNA", "amount": 1, "memo": "scale"}), n)
    market_id = _market(c, run)
    _parallel(lambda i: c.ok("POST", "commit_forecast", users[i], {
        "market_id": market_id, "outcome": ("yes", "no")[i % 2], "amount": 1}), n)
    _parallel(lambda i: c.ok("POST", "commit_forecast", ALICE, {
        "market_id": markets[i], "outcome": "yes", "amount": 1}), catalogue)
    # more unread notifications than mark_notifications_read takes a call (its cap, 100)
    _parallel(lambda i: c.ok("POST", "create_transfer", users[i % n], {
        "to": ALICE, "asset": "CHIP", "amount": 1, "memo": "scale"}), max(n, NOTICES_MIN))
    # more creators than the feed follows (30), so get_feed reads a full page at either size
    creators = tuple(f"s{run}-c{i}" for i in range(max(catalogue, FEED_CREATORS + 1)))
    _parallel(lambda i: _creator(c, run, i, creators[i]), len(creators))
    demo = [p["uid"] for p in c.ok("GET", "list_creators", None).get("items", [])]
    _parallel(lambda i: c.ok("POST", "follow_creator", ALICE, {"creator": (creators + tuple(
        demo))[i]}), len(creators) + len(demo))
    packages = [None] * catalogue
    _parallel(lambda i: packages.__setitem__(i, c.ok("POST", "admin_create_package", ADMIN, {
        "name": f"scale {run} {i}", "tokens": 100, "price": 100 + i, "currency": "usd"})["id"]),
        catalogue)
    # Z...: after a page of assets by code, so list_assets' page does not cache it at either size
    bookless = f"Z{run.upper()}"
    c.ok("POST", "admin_create_asset", ADMIN, {"code": bookless, "name": "No book yet",
                                               "decimals": 0, "kind": "creator"})
    for asset in ("CHIP", "LUNA"):  # 1 USD a whole token: a CHIP-LUNA swap of 100 for 1
        c.ok("POST", "admin_set_price", ADMIN, {"asset": asset, "usd": 100_000_000,
                                                "btc": 1_000_000})
    for _ in range(max(catalogue, PAGE_PLUS)):  # LUNA's price history; one writer at a time
        c.ok("POST", "admin_set_price", ADMIN, {"asset": "LUNA", "usd": 100_000_000,
                                                "btc": 1_000_000})
    _parallel(lambda i: c.ok("POST", "admin_set_service_price", ADMIN, _old_window(i)), catalogue)
    _parallel(lambda i: c.ok("POST", "place_order", ALICE, {
        "book": "LUNA-CHIP", "side": "buy", "quantity": 1, "price": 1}),
        max(catalogue, PAGE_PLUS))
    _parallel(lambda i: c.ok("POST", "create_swap_offer", ALICE, {  # as scale_calls' offer
        "give_asset": "CHIP", "give_amount": 100, "want_asset": "LUNA", "want_amount": 1}),
        PAGE_PLUS)
    _expired_challenges(n)
    seed_reputation(ALICE, n)
    _purchases(users, packages[0])
    return World(n, run, users, market_id, creators, packages[0], bookless)


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
    c.ok("POST", "post_creator_news", ADMIN, {"creator": uid, "title": f"Scale {i} listed"})


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


def _old_window(i: int) -> dict:
    """A past window of the search price (list_service_prices lists every stored window)."""
    start = datetime.now(timezone.utc) - timedelta(days=400) + timedelta(minutes=2 * i)
    return {"service_type": "search", "asset": "CHIP", "amount": 1, "reason": "scale history",
            "valid_from": start.isoformat(),
            "valid_until": (start + timedelta(minutes=1)).isoformat()}


def _flags(users: tuple[str, ...]) -> None:
    """The flags a scan run just after the sign-ups would have written (their burst from one
    IP), through the scan's own rule and flag transaction, without moving its checkpoints: the
    measured job_flag_suspicious still finds every sign-up new."""
    from shared.domain import flags as rules
    from shared.services import flags
    from shared.store.client import collection, db

    snaps = db().get_all([collection(flags.SIGNUPS).document(u) for u in users])
    signups = [rules.Signup(d["uid"], d["at"], d.get("ip"), tuple(d.get("wallets") or ()))
               for d in (s.to_dict() for s in snaps if s.exists) if d.get("at")]
    reasons = rules.signup_bursts(signups, datetime.now(timezone.utc) + timedelta(seconds=1))
    owners = sorted({r.uid for r in reasons})
    _parallel(lambda i: flags._add(owners[i], [r for r in reasons if r.uid == owners[i]]),
              len(owners))


def _expired_challenges(n: int) -> None:
    """n wallet challenges issued and expired before the bench began (as
    services.wallets.issue_challenge stores them): job_expire_wallet_nonces' work."""
    from shared.config import settings
    from shared.domain.wallets import NONCE_TTL_S, Chain, Challenge, Purpose
    from shared.store import wallets as store

    issued = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)
    _parallel(lambda i: store.save_challenge(Challenge(
        nonce=uuid.uuid4().hex, chain=Chain.SOLANA, address="11111111111111111111111111111111",
        purpose=Purpose.LOGIN, issued_at=issued,
        expires_at=issued + timedelta(seconds=NONCE_TTL_S), domain=settings().login_domain)), n)


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
