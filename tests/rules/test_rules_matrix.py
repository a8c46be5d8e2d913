"""firestore.rules, collection by collection, as clients see them through the emulator's REST API.

The matrix: every collection Mintbook has (every one firestore.rules matches and every one the
server code writes; tests/rules/test_rules_collections.py keeps the list complete) x caller
(anonymous, owner, other user, moderator, admin) x operation (get, list query, create, update,
delete), each asserted allowed or denied. ALLOWED below is the whole policy at a glance: it lists
what each caller may do, and everything it does not list is denied. No client writes anything,
so create/update/delete never appear in it; a denied write is also checked to have left the
stored document as it was. A collection the server keeps to itself has a row of NONE.

After the matrix come the cases the matrix cannot show: money, role and status fields an owner
might try to set, list queries that must constrain the owner, system accounts, roles that are
not admin, and paths no rule matches.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import pytest

from shared.store.markets.market import forecast_id
from tests.rules.rules_support import (ADMIN, CREATED, MODERATOR, OTHER, OWNER, SUPERADMIN,
                                       SUSPENDED_ADMIN, SYSTEM_UID, WORLD, RulesClient, Where,
                                       allowed, fields_of, query_paths, user)

FORECAST = forecast_id("m1", OWNER)  # alice's forecast in m1, and its reputation event
# The matrix's documents beyond the shared WORLD, one per collection of the later issues; each
# that has an owner names alice, as the code writes it.
DOCS: dict[str, dict] = {
    # purchases (issue 3)
    "packages/p1": {"name": "1,000 chips", "tokens": 1000, "bonus": 100, "price": 999,
                    "currency": "usd", "active": True, "version": 1},
    "purchases/u1": {"uid": OWNER, "owner": OWNER, "package_id": "p1", "asset": "CHIPS",
                     "tokens": 1000, "amount": 999, "status": "completed", "version": 2,
                     "created_at": CREATED},
    "stripe_events/evt_1": {"type": "payment_intent.succeeded", "purchase_id": "u1",
                            "outcome": "completed", "at": CREATED},
    "stripe_failures/evt_2": {"event_id": "evt_2", "type": "charge.refunded", "payload": "{}",
                              "resolved": False, "attempts": 1, "last_attempt_at": CREATED},
    # markets and their social side (issue 4)
    "markets/m1": {"slug": "m-1", "title": "M", "status": "open", "category": "crypto",
                   "outcomes": [{"id": "yes", "label": "Yes"}], "closes_at": CREATED},
    "market_slugs/m-1": {"market_id": "m1"},
    "leaderboards/all-all": {"period": "all", "category": "all", "rows": []},
    "reputation/alice": {"owner": OWNER, "score_ppm": 500_000},
    f"reputation_events/{FORECAST}": {"owner": OWNER, "market_id": "m1", "score_ppm": 1},
    f"leaderboard_standings/all.all.19700101.{OWNER}": {"board": "all.all.19700101",
                                                        "uid": OWNER, "score_ppm": 1},
    f"forecasts/{FORECAST}": {"owner": OWNER, "market_id": "m1", "outcome": "yes", "amount": 5},
    "notifications/n1": {"owner": OWNER, "kind": "market_resolved", "read": False},
    "follows/alice_crypto": {"owner": OWNER, "category": "crypto"},
    "market_settlements/m1": {"market_id": "m1", "phase": "holds", "done": False},
    "market_settlements/m1/entries/00.a1.000": {"uid": OWNER, "last": True, "holds": []},
    "market_settlements/m1/partitions/00": {"phase": "holds", "cursor": None, "done": False},
    "market_reminders/m1": {"market_id": "m1"},
    "badges/alice.first_forecast": {"owner": OWNER, "badge": "first_forecast",
                                    "awarded_at": CREATED},
    "market_feed/f1": {"kind": "forecast_placed", "uid": OWNER, "market_id": "m1",
                       "created_at": CREATED},
    "forecast_flags/x1": {"forecast_id": FORECAST, "forecaster": OWNER, "reason": "spam",
                          "flagged_by": MODERATOR, "created_at": CREATED},
    # exchange and creators (issue 5)
    "books/GOLD-CHIP": {"id": "GOLD-CHIP", "base": "GOLD", "quote": "CHIP", "tick_size": 1,
                        "status": "open"},
    "book_depth/GOLD-CHIP": {"book": "GOLD-CHIP", "bids": [], "asks": [], "last_price": 100},
    "book_states/GOLD-CHIP": {"order_seq": 1, "fill_seq": 1,
                              "resting": [{"id": "o1", "owner": OWNER}]},
    "book_leases/GOLD-CHIP": {"holder": "h", "epoch": 3, "expires": 0},
    "book_transactions/GOLD-CHIP": {"holder": "h", "epoch": 3, "transaction": "t", "at": 0},
    "positions/alice.GOLD-CHIP": {"owner": OWNER, "book": "GOLD-CHIP", "seq": 1},
    "purchase_stats/totals": {"counts": {"pending": 1}},
    "ledger_stats/counts": {"accounts": 3, "transfers_per_day": [], "as_of": CREATED},
    "purchase_stat_changes/c1": {"delta": {"pending": 1}},
    "trades/GOLD-CHIP.000000000001": {"book": "GOLD-CHIP", "seq": 1, "price": 100,
                                      "quantity": 5, "taker_side": "buy", "at": CREATED},
    "candles/GOLD-CHIP.1m.60": {"book": "GOLD-CHIP", "interval": "1m", "start": 60, "open": 1},
    "discovery/trending": {"creators_by_volume": [], "markets_by_commits": [], "as_of": CREATED},
    "orders/o1": {"owner": OWNER, "book": "GOLD-CHIP", "side": "buy", "status": "open",
                  "quantity": 5, "filled": 0},
    "order_commands/o1": {"book": "GOLD-CHIP", "owner": OWNER, "type": "place",
                          "status": "accepted"},
    "fills/GOLD-CHIP.000000000001.buy": {"owner": OWNER, "order_id": "o1", "price": 100,
                                         "quantity": 5, "fee": 3, "settlement": "pending"},
    "settlement_batches/b1": {"id": "b1", "book": "GOLD-CHIP", "fills": ["f1"],
                              "status": "pending"},
    "refund_debts/t1.owed": {"uid": OWNER, "purchase_id": "p1", "owed": 5},
    "trade_directions/d1": {"book": "GOLD-CHIP", "buyer": OWNER, "seller": OTHER},
    "exchange_dead_letters/o1": {"id": "o1", "book": "GOLD-CHIP", "owner": OWNER,
                                 "kind": "poison", "error": "x", "attempts": 3},
    "order_postings/o1.b1": {"order_id": "o1", "owner": OWNER, "book": "GOLD-CHIP",
                             "side": "buy", "fills": [], "done": True, "expected": 0},
    "creators/cara": {"uid": "cara", "symbol": "CARA", "name": "Cara", "book": "CARA-CHIP"},
    "creator_symbols/CARA": {"uid": "cara"},
    "creator_follows/alice_cara": {"owner": OWNER, "creator": "cara", "created_at": CREATED},
    "creator_news/n1": {"creator": "cara", "symbol": "CARA", "title": "New series",
                        "at": CREATED},
    f"creator_applications/{OWNER}": {"uid": OWNER, "owner": OWNER, "symbol": "ALI",
                                      "status": "pending"},
    f"notification_settings/{OWNER}": {"owner": OWNER, "muted": ["order_filled"]},
    # wallets, swaps, fees (issue 6)
    "wallet_addresses/So1anaAddr": {"address": "So1anaAddr", "chain": "solana", "owner": OWNER,
                                    "linked_at": CREATED},
    "wallet_nonces/n1": {"nonce": "n1", "address": "So1anaAddr", "chain": "solana",
                         "purpose": "login", "expires_at": CREATED},
    "wallet_nonces_used/n0": {"uid": OWNER, "address": "So1anaAddr", "expires_at": CREATED},
    "asset_prices/CHIPS": {"asset": "CHIPS", "usd": 5, "btc": 1, "version": 1},
    "price_history/p1": {"asset": "CHIPS", "usd": 5, "btc": 1, "at": CREATED},
    "swap_volume/CHIPS-GOLD@2026-01-01#0": {"pair": "CHIPS-GOLD", "day": "2026-01-01",
                                           "base_volume": 1, "quote_volume": 1, "fills": 1},
    "swap_offers/o1": {"id": "o1", "maker": OWNER, "status": "open", "give_asset": "CHIPS"},
    "service_prices/s1": {"service_type": "search", "asset": "CHIPS", "amount": 10},
    # flags (issue 7) and rate limits
    f"flags/{OWNER}": {"uid": OWNER, "owner": OWNER, "status": "open", "version": 1},
    f"signups/{OWNER}": {"uid": OWNER, "owner": OWNER, "ip": "198.51.100.7", "wallets": [],
                         "at": CREATED},
    "rate_limits/r1": {"count": 1, "bucket": "purchase", "expires_at": CREATED},
    # consolidation of spread system accounts, change-feed checkpoints, counted market pools
    "consolidation/status": {"completed_run_started_at": CREATED},
    "change_feeds/spread.0": {"changed_at": CREATED},
    # reconciliation's watermarks, partition cursor and folded journal sums: server-only
    "reconciliation_state/journal.0": {"at": CREATED, "id": "t1~alice:CHIPS"},
    f"reconciliation_sums/{OWNER}:CHIPS": {"debits_posted": 0, "credits_posted": 10,
                                           "debits_pending": 0, "credits_pending": 0},
    "market_totals/m1": {"totals": {"yes": 1}, "forecasters": 1, "as_of": CREATED},
}
SEED: dict[str, dict] = {**WORLD, **DOCS}


def collection_of(path: str) -> str:
    """The collection a document path is in, subcollections joined by '/':
    "market_settlements/m1/entries/00.a1.000" -> "market_settlements/entries"."""
    return "/".join(path.split("/")[0::2])


@dataclass(frozen=True)
class Target:
    """The seeded document a collection's row is about, and how each operation reaches it."""

    path: str                  # a SEED document alice owns, or that names her
    query: tuple[Where, ...]   # the list query every caller runs: the one a client would send
    change: dict               # what an update tries to write

    @property
    def parent(self) -> str:
        return "/".join(self.path.split("/")[:-2])

    @property
    def collection_id(self) -> str:
        return self.path.split("/")[-2]


MINE = (Where("owner", OWNER),)  # owner-field collections: list only alice's documents
ALL = ()                         # public and admin tools: no constraint

TARGETS: dict[str, Target] = {
    # foundation: users, ledger, admin read models
    "users": Target(f"users/{OWNER}", (Where("uid", OWNER),), {"role": "superadmin"}),
    "profiles": Target(f"profiles/{OWNER}", ALL, {"display_name": "Mallory"}),
    "accounts": Target(f"accounts/{OWNER}:CHIPS", MINE, {"balance": 10**9}),
    "journal": Target("journal/j-alice-1", MINE, {"amount": 10**9}),
    "holds": Target("holds/h-alice-1", MINE, {"status": "voided"}),
    "transfers": Target("transfers/t-alice-1", (Where("owners", OWNER, "ARRAY_CONTAINS"),),
                        {"amount": 10**9}),
    "idempotency": Target("idempotency/op-alice-1", (Where("caller", OWNER),),
                          {"response": {"status": 200, "forged": True}}),
    "assets": Target("assets/CHIPS", ALL, {"supply_cap": 1}),
    "balance_snapshots": Target("balance_snapshots/alice:CHIPS:2026-01-01", MINE,
                                {"balance": 10**9}),
    "audit_log": Target("audit_log/a-1", (Where("target", OWNER),), {"reason": "erased"}),
    "reconciliation_reports": Target("reconciliation_reports/r-1", ALL, {"ok": True}),
    "stats": Target("stats/ledger", ALL, {"accounts": 0}),
    "rate_limits": Target("rate_limits/r1", ALL, {"count": 0}),
    "consolidation": Target("consolidation/status", ALL, {"completed_run_started_at": None}),
    "change_feeds": Target("change_feeds/spread.0", ALL, {"changed_at": None}),
    "reconciliation_state": Target("reconciliation_state/journal.0", ALL, {"id": ""}),
    "reconciliation_sums": Target(f"reconciliation_sums/{OWNER}:CHIPS", ALL,
                                  {"credits_posted": 10**9}),
    "market_totals": Target("market_totals/m1", ALL, {"totals": {"yes": 10**9}}),
    # purchases
    "packages": Target("packages/p1", ALL, {"price": 1}),
    "purchases": Target("purchases/u1", MINE, {"status": "refunded"}),
    "stripe_events": Target("stripe_events/evt_1", ALL, {"outcome": "forged"}),
    "stripe_failures": Target("stripe_failures/evt_2", ALL, {"resolved": True}),
    # markets
    "markets": Target("markets/m1", ALL, {"status": "resolved"}),
    "market_slugs": Target("market_slugs/m-1", ALL, {"market_id": "m2"}),
    "leaderboards": Target("leaderboards/all-all", ALL, {"rows": []}),
    "reputation": Target("reputation/alice", ALL, {"score_ppm": 1_000_000}),
    "reputation_events": Target(f"reputation_events/{FORECAST}", MINE, {"score_ppm": 10**6}),
    "leaderboard_standings": Target(f"leaderboard_standings/all.all.19700101.{OWNER}",
                                    (Where("uid", OWNER),), {"score_ppm": 10**6}),
    "forecasts": Target(f"forecasts/{FORECAST}", MINE, {"amount": 10**9}),
    "notifications": Target("notifications/n1", MINE, {"read": True}),
    "follows": Target("follows/alice_crypto", MINE, {"category": "sports"}),
    "market_settlements": Target("market_settlements/m1", ALL, {"done": True}),
    "market_settlements/entries": Target("market_settlements/m1/entries/00.a1.000", ALL,
                                         {"holds": []}),
    "market_settlements/partitions": Target("market_settlements/m1/partitions/00", ALL,
                                            {"done": True}),
    "market_reminders": Target("market_reminders/m1", ALL, {"market_id": "m2"}),
    "badges": Target("badges/alice.first_forecast", ALL, {"badge": "top_ten"}),
    "market_feed": Target("market_feed/f1", ALL, {"kind": "forged"}),
    "forecast_flags": Target("forecast_flags/x1", ALL, {"reason": "erased"}),
    # exchange and creators
    "books": Target("books/GOLD-CHIP", ALL, {"status": "closed"}),
    "book_depth": Target("book_depth/GOLD-CHIP", ALL, {"last_price": 1}),
    "book_states": Target("book_states/GOLD-CHIP", ALL, {"resting": []}),
    "book_leases": Target("book_leases/GOLD-CHIP", ALL, {"holder": "mallory"}),
    "book_transactions": Target("book_transactions/GOLD-CHIP", ALL, {"transaction": "x"}),
    "positions": Target("positions/alice.GOLD-CHIP", ALL, {"seq": 0}),
    "purchase_stats": Target("purchase_stats/totals", ALL, {"counts": {}}),
    "ledger_stats": Target("ledger_stats/counts", ALL, {"accounts": 0}),
    "purchase_stat_changes": Target("purchase_stat_changes/c1", ALL, {"delta": {}}),
    "trades": Target("trades/GOLD-CHIP.000000000001", ALL, {"price": 1}),
    "candles": Target("candles/GOLD-CHIP.1m.60", ALL, {"open": 10**9}),
    "discovery": Target("discovery/trending", ALL, {"as_of": None}),
    "orders": Target("orders/o1", MINE, {"status": "filled"}),
    "order_commands": Target("order_commands/o1", MINE, {"status": "processed"}),
    "fills": Target("fills/GOLD-CHIP.000000000001.buy", MINE, {"fee": 0}),
    "settlement_batches": Target("settlement_batches/b1", ALL, {"status": "settled"}),
    "exchange_dead_letters": Target("exchange_dead_letters/o1", ALL, {"kind": "invariant"}),
    "order_postings": Target("order_postings/o1.b1", MINE, {"expected": 10**9}),
    "creators": Target("creators/cara", ALL, {"symbol": "MAL"}),
    "creator_symbols": Target("creator_symbols/CARA", ALL, {"uid": OTHER}),
    "creator_follows": Target("creator_follows/alice_cara", MINE, {"creator": "bob"}),
    "creator_news": Target("creator_news/n1", ALL, {"title": "forged"}),
    "creator_applications": Target(f"creator_applications/{OWNER}", MINE, {"status": "approved"}),
    "notification_settings": Target(f"notification_settings/{OWNER}", MINE, {"muted": []}),
    # wallets, swaps, fees
    "wallet_addresses": Target("wallet_addresses/So1anaAddr", MINE, {"owner": OTHER}),
    "wallet_nonces": Target("wallet_nonces/n1", ALL, {"purpose": "link"}),
    "wallet_nonces_used": Target("wallet_nonces_used/n0", (Where("uid", OWNER),),
                                 {"uid": OTHER}),
    "asset_prices": Target("asset_prices/CHIPS", ALL, {"usd": 10**9}),
    "price_history": Target("price_history/p1", ALL, {"usd": 10**9}),
    "swap_volume": Target("swap_volume/CHIPS-GOLD@2026-01-01#0", ALL, {"fills": 0}),
    "swap_offers": Target("swap_offers/o1", ALL, {"status": "filled"}),
    "service_prices": Target("service_prices/s1", ALL, {"amount": 0}),
    # suspicious accounts
    "flags": Target(f"flags/{OWNER}", MINE, {"status": "cleared"}),
    "signups": Target(f"signups/{OWNER}", MINE, {"ip": "203.0.113.1"}),
    "refund_debts": Target("refund_debts/t1.owed", (Where("uid", OWNER),), {"owed": 0}),
    "trade_directions": Target("trade_directions/d1", (Where("buyer", OWNER),),
                               {"seller": OWNER}),
}
assert all(collection_of(t.path) == name and t.path in SEED for name, t in TARGETS.items())

CALLERS: dict[str, str | None] = {"anonymous": None, "owner": OWNER, "other": OTHER,
                                  "moderator": MODERATOR, "admin": ADMIN}
OPERATIONS = ("get", "list", "create", "update", "delete")
WRITES = ("create", "update", "delete")

NONE: tuple[str, ...] = ()
GET = ("get",)
READ = ("get", "list")

# What each caller may do; every operation not listed is denied. A moderator is a plain user to
# the rules (moderation goes through the API), so their column matches "other".
ALLOWED: dict[str, tuple[tuple[str, ...], ...]] = {
    # collection                 anonymous  owner  other  moderator  admin
    "users":                    (NONE,      GET,   NONE,  NONE,      READ),
    "profiles":                 (READ,      READ,  READ,  READ,      READ),
    "accounts":                 (NONE,      READ,  NONE,  NONE,      READ),
    "journal":                  (NONE,      READ,  NONE,  NONE,      READ),
    "holds":                    (NONE,      READ,  NONE,  NONE,      READ),
    "transfers":                (NONE,      NONE,  NONE,  NONE,      READ),
    "idempotency":              (NONE,      NONE,  NONE,  NONE,      NONE),
    "assets":                   (READ,      READ,  READ,  READ,      READ),
    "balance_snapshots":        (NONE,      READ,  NONE,  NONE,      READ),
    "audit_log":                (NONE,      NONE,  NONE,  NONE,      READ),
    "reconciliation_reports":   (NONE,      NONE,  NONE,  NONE,      READ),
    "stats":                    (NONE,      NONE,  NONE,  NONE,      READ),
    "rate_limits":              (NONE,      NONE,  NONE,  NONE,      NONE),
    "consolidation":            (NONE,      NONE,  NONE,  NONE,      READ),
    "change_feeds":             (NONE,      NONE,  NONE,  NONE,      NONE),
    "reconciliation_state":     (NONE,      NONE,  NONE,  NONE,      NONE),
    "reconciliation_sums":      (NONE,      NONE,  NONE,  NONE,      NONE),
    "market_totals":            (READ,      READ,  READ,  READ,      READ),
    "packages":                 (READ,      READ,  READ,  READ,      READ),
    "purchases":                (NONE,      READ,  NONE,  NONE,      READ),
    "stripe_events":            (NONE,      NONE,  NONE,  NONE,      READ),
    "stripe_failures":          (NONE,      NONE,  NONE,  NONE,      READ),
    "markets":                  (READ,      READ,  READ,  READ,      READ),
    "market_slugs":             (READ,      READ,  READ,  READ,      READ),
    "leaderboards":             (READ,      READ,  READ,  READ,      READ),
    "reputation":               (READ,      READ,  READ,  READ,      READ),
    "reputation_events":        (NONE,      NONE,  NONE,  NONE,      NONE),
    "leaderboard_standings":    (NONE,      NONE,  NONE,  NONE,      NONE),
    "forecasts":                (NONE,      READ,  NONE,  NONE,      READ),
    "notifications":            (NONE,      READ,  NONE,  NONE,      READ),
    "follows":                  (NONE,      READ,  NONE,  NONE,      READ),
    "market_settlements":       (NONE,      NONE,  NONE,  NONE,      READ),
    "market_settlements/entries": (NONE,    NONE,  NONE,  NONE,      READ),
    "market_settlements/partitions": (NONE, NONE,  NONE,  NONE,      READ),
    "market_reminders":         (NONE,      NONE,  NONE,  NONE,      NONE),
    "badges":                   (READ,      READ,  READ,  READ,      READ),
    "market_feed":              (READ,      READ,  READ,  READ,      READ),
    "forecast_flags":           (NONE,      NONE,  NONE,  NONE,      READ),
    "books":                    (READ,      READ,  READ,  READ,      READ),
    "book_depth":               (READ,      READ,  READ,  READ,      READ),
    "book_states":              (NONE,      NONE,  NONE,  NONE,      NONE),
    "book_leases":              (NONE,      NONE,  NONE,  NONE,      NONE),
    "book_transactions":        (NONE,      NONE,  NONE,  NONE,      NONE),
    "positions":                (NONE,      NONE,  NONE,  NONE,      NONE),
    "purchase_stats":           (NONE,      NONE,  NONE,  NONE,      NONE),
    "ledger_stats":             (NONE,      NONE,  NONE,  NONE,      NONE),
    "purchase_stat_changes":    (NONE,      NONE,  NONE,  NONE,      NONE),
    "trades":                   (READ,      READ,  READ,  READ,      READ),
    "candles":                  (READ,      READ,  READ,  READ,      READ),
    "discovery":                (READ,      READ,  READ,  READ,      READ),
    "orders":                   (NONE,      READ,  NONE,  NONE,      READ),
    "order_commands":           (NONE,      NONE,  NONE,  NONE,      NONE),
    "fills":                    (NONE,      READ,  NONE,  NONE,      READ),
    "settlement_batches":       (NONE,      NONE,  NONE,  NONE,      NONE),
    "exchange_dead_letters":    (NONE,      NONE,  NONE,  NONE,      NONE),
    "order_postings":           (NONE,      NONE,  NONE,  NONE,      NONE),
    "creators":                 (READ,      READ,  READ,  READ,      READ),
    "creator_symbols":          (READ,      READ,  READ,  READ,      READ),
    "creator_follows":          (NONE,      READ,  NONE,  NONE,      READ),
    "creator_news":             (READ,      READ,  READ,  READ,      READ),
    "creator_applications":     (NONE,      READ,  NONE,  NONE,      READ),
    "notification_settings":    (NONE,      READ,  NONE,  NONE,      READ),
    "wallet_addresses":         (NONE,      READ,  NONE,  NONE,      READ),
    "wallet_nonces":            (NONE,      NONE,  NONE,  NONE,      NONE),
    "wallet_nonces_used":       (NONE,      NONE,  NONE,  NONE,      NONE),
    "asset_prices":             (READ,      READ,  READ,  READ,      READ),
    "price_history":            (READ,      READ,  READ,  READ,      READ),
    "swap_volume":              (READ,      READ,  READ,  READ,      READ),
    "swap_offers":              (NONE,      READ,  READ,  READ,      READ),
    "service_prices":           (NONE,      READ,  READ,  READ,      READ),
    "flags":                    (NONE,      NONE,  NONE,  NONE,      READ),
    "signups":                  (NONE,      NONE,  NONE,  NONE,      READ),
    "refund_debts":             (NONE,      NONE,  NONE,  NONE,      READ),
    "trade_directions":         (NONE,      NONE,  NONE,  NONE,      READ),
}
assert ALLOWED.keys() == TARGETS.keys()
assert all(len(row) == len(CALLERS) for row in ALLOWED.values())

MATRIX = [
    pytest.param(collection, caller, op, op in ALLOWED[collection][column],
                 id=f"{collection}-{caller}-{op}-"
                    f"{'allowed' if op in ALLOWED[collection][column] else 'denied'}")
    for collection in ALLOWED
    for column, caller in enumerate(CALLERS)
    for op in OPERATIONS
]

# Whether the database still holds exactly SEED. Resetting and seeding costs more than most
# probes, so a matrix case that proved it left SEED as it found it lets the next test skip that.
# Anything else (a failed assertion, any other test, another module) leaves it False.
_seed_intact = {"now": False}


@pytest.fixture(scope="module", autouse=True)
def current_rules(emulator):
    """The emulator runs the firestore.rules on disk, whatever an earlier module loaded."""
    emulator.reload_rules()
    _seed_intact["now"] = False


@pytest.fixture
def client(emulator) -> Iterator[RulesClient]:
    rest = RulesClient(emulator.url, emulator.project)
    yield rest
    rest.close()


@pytest.fixture(autouse=True)
def world(emulator, current_rules, client):
    """Every test starts from a database holding exactly SEED."""
    if not _seed_intact["now"]:
        emulator.reset()
        client.seed(SEED)
    _seed_intact["now"] = False


@pytest.mark.parametrize(("collection", "caller", "op", "expected"), MATRIX)
def test_matrix(client, collection, caller, op, expected):
    target, uid = TARGETS[collection], CALLERS[caller]
    stored = SEED[target.path]
    if op == "get":
        response = client.get(target.path, uid)
        assert allowed(response) is expected
        if expected:
            assert fields_of(response) == stored
    elif op == "list":
        response = client.query(target.collection_id, uid, *target.query, parent=target.parent)
        assert allowed(response) is expected
        if expected:
            assert target.path in query_paths(response, client.project)
    elif op == "create":
        client.forget(target.path)
        assert allowed(client.create(target.path, stored, uid)) is expected
        if not expected:
            assert client.peek(target.path) is None
            client.seed({target.path: stored})
    elif op == "update":
        assert allowed(client.update(target.path, target.change, uid)) is expected
        if not expected:
            assert client.peek(target.path) == stored
    else:
        assert allowed(client.delete(target.path, uid)) is expected
        if not expected:
            assert client.peek(target.path) == stored
    _seed_intact["now"] = not (expected and op in WRITES)


# -- money, role and status: never written by a client ------------------------------------------

ACCOUNT = f"accounts/{OWNER}:CHIPS"


@pytest.mark.parametrize("change", [
    {"balance": 10**9}, {"available": 10**9}, {"credits_posted": 10**9},
    {"debits_pending": 0}, {"owner": OTHER}, {"version": 99},
], ids=lambda change: next(iter(change)))
def test_owner_cannot_patch_own_account_balance(client, change):
    # given alice's account, when she patches a counter of it, then it is refused and unchanged
    assert allowed(client.update(ACCOUNT, change, OWNER)) is False
    assert client.peek(ACCOUNT) == WORLD[ACCOUNT]


def test_owner_cannot_overwrite_whole_own_account(client):
    forged = {**WORLD[ACCOUNT], "credits_posted": 10**9, "balance": 10**9, "available": 10**9}
    assert allowed(client.replace(ACCOUNT, forged, OWNER)) is False
    assert client.peek(ACCOUNT) == WORLD[ACCOUNT]


@pytest.mark.parametrize(("field", "value"), [
    ("role", "admin"), ("role", "superadmin"), ("status", "active"),
])
def test_owner_cannot_change_own_role_or_status(client, field, value):
    # given alice is a suspended user, when she patches her own role or status, it is refused
    suspended = user(OWNER, status="suspended")
    client.seed({f"users/{OWNER}": suspended})
    assert allowed(client.update(f"users/{OWNER}", {field: value}, OWNER)) is False
    assert client.peek(f"users/{OWNER}") == suspended


def test_new_user_cannot_create_own_user_document(client):
    # given a signed-in uid with no users document, when it creates one as superadmin, refused
    doc = user("newcomer", role="superadmin")
    assert allowed(client.create("users/newcomer", doc, "newcomer")) is False
    assert client.peek("users/newcomer") is None


def test_owner_cannot_create_journal_entry(client):
    entry = {**WORLD["journal/j-alice-1"], "transfer_id": "t-forged", "amount": 10**6}
    assert allowed(client.create("journal/j-forged", entry, OWNER)) is False
    assert client.peek("journal/j-forged") is None


def test_owner_cannot_edit_own_public_profile_directly(client):
    # profiles are public to read, but edits go through the API (moderation, length limits)
    assert allowed(client.update(f"profiles/{OWNER}", {"bio": "edited"}, OWNER)) is False
    assert client.peek(f"profiles/{OWNER}") == WORLD[f"profiles/{OWNER}"]


# -- list queries must constrain the owner -----------------------------------------------------

OWNED = ("accounts", "journal", "holds", "balance_snapshots")


@pytest.mark.parametrize("collection", OWNED)
def test_owner_list_without_owner_filter_is_denied(client, collection):
    # rules do not filter results: a query that could return someone else's document fails whole
    assert allowed(client.query(collection, OWNER)) is False


@pytest.mark.parametrize("collection", OWNED)
def test_admin_list_without_owner_filter_is_allowed(client, collection):
    response = client.query(collection, ADMIN)
    assert allowed(response) is True
    assert TARGETS[collection].path in query_paths(response, client.project)


@pytest.mark.parametrize("collection", OWNED)
def test_other_user_querying_own_documents_sees_none_of_the_owners(client, collection):
    response = client.query(collection, OTHER, Where("owner", OTHER))
    assert allowed(response) is True
    assert query_paths(response, client.project) == []


def test_owner_history_query_with_extra_filters_and_order_is_allowed(client):
    # the shape the API and frontend use: owner + asset (+ type), newest first
    response = client.query("journal", OWNER, Where("owner", OWNER), Where("asset", "CHIPS"),
                            order_by="created_at")
    assert allowed(response) is True
    assert query_paths(response, client.project) == ["journal/j-alice-1"]


def test_owner_query_with_in_filter_including_another_user_is_denied(client):
    assert allowed(client.query("journal", OWNER, Where("owner", [OWNER, OTHER], "IN"))) is False


def test_collection_group_query_on_journal_is_denied(client):
    # only the top-level collections are matched; no rule covers {path=**}/journal
    response = client.query("journal", OWNER, Where("owner", OWNER), all_descendants=True)
    assert allowed(response) is False


# -- system accounts ---------------------------------------------------------------------------

SYSTEM_ACCOUNT = f"accounts/{SYSTEM_UID}:CHIPS"


@pytest.mark.parametrize("uid", [None, OWNER, SYSTEM_UID], ids=["anonymous", "user", "sys-uid"])
def test_system_account_is_not_readable_by_clients(client, uid):
    # including a uid spelled like the system owner: system accounts are admin-only
    assert allowed(client.get(SYSTEM_ACCOUNT, uid)) is False
    assert allowed(client.query("accounts", uid, Where("owner", SYSTEM_UID))) is False


def test_admin_reads_system_accounts(client):
    assert allowed(client.get(SYSTEM_ACCOUNT, ADMIN)) is True
    response = client.query("accounts", ADMIN, Where("owner", SYSTEM_UID))
    assert query_paths(response, client.project) == [SYSTEM_ACCOUNT]


# -- who counts as admin -----------------------------------------------------------------------

ADMIN_ONLY = ("transfers", "audit_log", "reconciliation_reports", "stats")


@pytest.mark.parametrize("collection", ADMIN_ONLY)
@pytest.mark.parametrize(("uid", "expected"), [
    (SUPERADMIN, True), (MODERATOR, False), (SUSPENDED_ADMIN, False),
], ids=["superadmin", "moderator", "suspended-admin"])
def test_admin_reads_need_an_active_admin_or_superadmin_user_document(client, collection, uid,
                                                                      expected):
    path = TARGETS[collection].path
    assert allowed(client.get(path, uid)) is expected
    assert allowed(client.query(collection, uid)) is expected


def test_admin_claim_in_token_without_admin_user_document_reads_nothing(client):
    # the users document is authoritative for roles; token claims only mirror it
    claims = {"role": "admin", "admin": True}
    assert allowed(client.get("audit_log/a-1", OTHER, claims)) is False
    assert allowed(client.get(f"users/{OWNER}", OTHER, claims)) is False


@pytest.mark.parametrize("uid", [ADMIN, SUPERADMIN])
def test_admins_cannot_write_role_or_money_from_a_client(client, uid):
    assert allowed(client.update(f"users/{OWNER}", {"role": "admin"}, uid)) is False
    assert allowed(client.update(ACCOUNT, {"balance": 10**9}, uid)) is False
    assert client.peek(f"users/{OWNER}") == WORLD[f"users/{OWNER}"]
    assert client.peek(ACCOUNT) == WORLD[ACCOUNT]


# -- paths no rule matches ---------------------------------------------------------------------

# Subcollections of readable documents are closed too: a match never covers deeper paths.
# (No account subcollection here: the emulator cannot runQuery under a parent id with ':'.)
UNMATCHED = ("secrets/s-1", "journal/j-alice-1/notes/n-1", f"users/{OWNER}/notes/n-1",
             f"profiles/{OWNER}/posts/p-1")


@pytest.mark.parametrize("path", UNMATCHED)
@pytest.mark.parametrize("caller", CALLERS)
def test_unmatched_paths_are_closed_to_everyone(client, path, caller):
    uid = CALLERS[caller]
    client.seed({path: {"owner": OWNER}})
    assert allowed(client.get(path, uid)) is False
    *parent, collection, _ = path.split("/")
    query = client.query(collection, uid, Where("owner", OWNER), parent="/".join(parent))
    assert allowed(query) is False
    assert allowed(client.update(path, {"owner": OTHER}, uid)) is False
    assert allowed(client.delete(path, uid)) is False
    assert allowed(client.create(path + "-new", {"owner": OWNER}, uid)) is False
