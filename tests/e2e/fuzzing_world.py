"""The things a valid call of each operation needs (a market, a book, a package, a swap offer...),
seeded through the API, and one valid call per operation that generated input cannot reach.

`valid_calls(world)` maps an operation id to a function `(fuzzer, operation, uid)` that makes
its state-dependent setup as that caller and then sends the valid call through the fuzzer (so
the answer is checked against the schema like any generated one). Operations absent from it
reach a 2xx from generated input alone (lists, reads, the caller's own profile).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import base58
from nacl.signing import SigningKey

from tests.emulator.purchases_helpers import event, sign

SUPERADMIN = "demo-admin"  # bootstrapped; it makes the other admins
ADMIN = "st-seeder"        # seeds the world, so demo-admin's own rate limit stays free
MARKET_CLOSE_S = 20  # the market resolved at the end closes this long after seeding


def key() -> str:
    return uuid.uuid4().hex


def ok(response) -> Any:
    body = response.json()
    assert response.status_code < 300 and body["success"], (response.request.url, body)
    return body["data"]


@dataclass
class World:
    book: str
    symbol: str
    creator: str
    package: dict
    market: dict
    closing_market: dict
    forecaster: str

    def market_body(self, slug: str, closes_in_s: float = 3600) -> dict:
        return market_body(slug, closes_in_s)


def market_body(slug: str, closes_in_s: float = 3600) -> dict:
    closes = datetime.now(timezone.utc) + timedelta(seconds=closes_in_s)
    return {"slug": slug, "title": f"Will {slug} happen?", "category": "crypto",
            "outcomes": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}],
            "closes_at": closes.isoformat(), "max_per_user": 5_000}


def post(api, name: str, uid: str | None, body: dict, **kw) -> Any:
    return ok(api.call("POST", name, uid, json=body, idempotency_key=key(), **kw))


def make_admin(api, uid: str, role: str = "admin") -> None:
    api.call("GET", "get_me", uid)
    post(api, "admin_set_role", SUPERADMIN, {"uid": uid, "role": role,
                                             "reason": "fuzzing identity"})


def seed(api) -> World:
    """A creator token with its book and prices, a package, an open market with a forecast, and a
    market closing soon (resolved at the end); a funded rewards pool and a service price."""
    make_admin(api, ADMIN)
    creator, symbol = "st-creator", "STAR"
    api.call("GET", "get_me", creator)
    listed = post(api, "admin_list_creator", ADMIN, {"uid": creator, "symbol": symbol,
                                                     "name": "Star token", "initial_supply": 100_000})
    for asset, usd in (("CHIP", 5_000_000), (symbol, 100_000_000)):
        post(api, "admin_set_price", ADMIN, {"asset": asset, "usd": usd, "btc": 1_000})
    package = post(api, "admin_create_package", ADMIN, {"name": "fuzz pack", "tokens": 500,
                                                         "price": 500})
    market = post(api, "create_market", ADMIN, market_body("st-open"))
    closing = post(api, "create_market", ADMIN, market_body("st-closing", MARKET_CLOSE_S))
    forecaster = "st-forecaster"
    api.call("GET", "get_me", forecaster)
    post(api, "commit_forecast", forecaster, {"market_id": market["id"], "outcome": "yes",
                                              "amount": 300})
    post(api, "commit_forecast", forecaster, {"market_id": closing["id"], "outcome": "no",
                                              "amount": 200})
    post(api, "admin_fund_rewards", ADMIN, {"asset": "CHIP", "amount": 100_000,
                                            "reason": "fuzzing pool"})
    post(api, "admin_set_service_price", ADMIN, {
        "service_type": "ai_chat", "asset": "CHIP", "amount": 25, "reason": "fuzzing price",
        "valid_from": (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()})
    return World(listed["book"], symbol, creator, package, market, closing, forecaster)


def solana_key() -> tuple[SigningKey, str]:
    k = SigningKey.generate()
    return k, base58.b58encode(bytes(k.verify_key)).decode()


def solana_proof(k: SigningKey, address: str, challenge: dict) -> dict:
    signature = base58.b58encode(k.sign(challenge["message"].encode()).signature).decode()
    return {"chain": "solana", "address": address, "nonce": challenge["nonce"],
            "signature": signature}


Valid = Callable[[Any, Any, Any], Any]


def valid_calls(api, world: World) -> dict[str, Valid]:  # noqa: C901 - one small entry per operation
    """operation id -> (fuzzer, operation, uid) -> the response of a call that should succeed."""
    target = "st-target"
    api.call("GET", "get_me", target)

    def admin_adjust(f, op, uid):
        return f.call_valid(op, uid, body={"uid": target, "asset": "CHIP", "amount": 100,
                                           "reason": "fuzzing credit"})

    def admin_create_book(f, op, uid):
        post(api, "admin_create_asset", ADMIN, {"code": "BOOKX", "name": "Book X", "decimals": 0})
        return f.call_valid(op, uid, body={"base": "BOOKX"})

    def admin_list_creator(f, op, uid):
        api.call("GET", "get_me", "st-creator-2")
        return f.call_valid(op, uid, body={"uid": "st-creator-2", "symbol": "NOVA",
                                           "name": "Nova", "initial_supply": 1_000})

    def admin_replay_stripe_event(f, op, uid):
        from shared.store.purchases import record_failure

        evt = event("customer.created", {"id": "cus_fuzz", "object": "customer"})
        record_failure(evt["id"], evt["type"], sign(evt)[0].decode(), "processing_failed", "fuzz")
        return f.call_valid(op, uid, body={"event_id": evt["id"]})

    def admin_set_role(f, op, uid):
        api.call("GET", "get_me", "st-role-target")
        return f.call_valid(op, uid, body={"uid": "st-role-target", "role": "moderator",
                                           "reason": "fuzzing role"})

    def admin_set_status(f, op, uid):
        api.call("GET", "get_me", "st-status-target")
        return f.call_valid(op, uid, body={"uid": "st-status-target", "status": "suspended",
                                           "reason": "fuzzing status"})

    def admin_delete_user(f, op, uid):
        api.call("GET", "get_me", "st-erase-target")
        return f.call_valid(op, uid, body={"uid": "st-erase-target", "confirm_forfeit": True,
                                           "reason": "fuzzing erasure"})

    def admin_review_creator_application(f, op, uid):
        api.call("GET", "get_me", "st-applicant")
        api.call("POST", "apply_as_creator", "st-applicant", idempotency_key=key(), json={
            "symbol": "APPL", "name": "Applicant", "initial_supply": 1_000})
        return f.call_valid(op, uid, body={"uid": "st-applicant", "approve": True,
                                           "reason": "fuzzing review"})

    def update_creator_profile(f, op, uid):
        api.call("GET", "get_me", uid)
        post(api, "admin_list_creator", ADMIN, {"uid": uid, "symbol": "EDIT", "name": "Editor",
                                                "initial_supply": 1_000})
        return f.call_valid(op, uid, body={"bio": "fuzzing bio", "skills": ["testing"]})

    def admin_update_package(f, op, uid):
        pkg = post(api, "admin_create_package", ADMIN, {"name": "to edit", "tokens": 10,
                                                        "price": 100})
        return f.call_valid(op, uid, body={"id": pkg["id"], "version": pkg["version"],
                                           "name": "edited"})

    def place(uid: str, price: int = 5) -> dict:
        return post(api, "place_order", uid, {"book": world.book, "side": "buy", "quantity": 1,
                                              "price": price})

    def cancel_all_orders(f, op, uid):
        place(uid)
        return f.call_valid(op, uid, body={"book": world.book})

    def cancel_order(f, op, uid):
        return f.call_valid(op, uid, body={"order_id": place(uid)["id"]})

    def moderated(action: str, prepare: tuple[str, ...] = ()) -> Valid:
        def call(f, op, uid):
            market = post(api, "create_market", ADMIN, market_body(f"st-{action}"))
            for step in prepare:
                post(api, step, ADMIN, {"market_id": market["id"], "reason": "fuzzing"})
            return f.call_valid(op, uid, body={"market_id": market["id"], "reason": "fuzzing"})
        return call

    def clear_forecast_flag(f, op, uid):
        flagged = {"market_id": market_id, "uid": world.forecaster, "reason": "fuzzing flag"}
        post(api, "flag_forecast", ADMIN, flagged)  # only a flagged forecast can be cleared
        return f.call_valid(op, uid, body={**flagged, "reason": "fuzzing clear"})

    def stock(uid: str) -> None:
        api.call("GET", "get_me", uid)
        post(api, "create_transfer", world.creator, {"to": uid, "asset": world.symbol,
                                                     "amount": 1_000})

    def swap_offer(uid: str) -> dict:
        rate = ok(api.call("GET", "get_conversion_rate",
                           params={"base": world.symbol, "quote": "CHIP"}))
        give = rate["denominator"]
        return post(api, "create_swap_offer", uid, {"give_asset": world.symbol, "give_amount": give,
                                                    "want_asset": "CHIP",
                                                    "want_amount": rate["numerator"]})

    def cancel_swap_offer(f, op, uid):
        stock(uid)
        return f.call_valid(op, uid, body={"offer_id": swap_offer(uid)["id"]})

    def create_swap_offer(f, op, uid):
        stock(uid)
        rate = ok(api.call("GET", "get_conversion_rate",
                           params={"base": world.symbol, "quote": "CHIP"}))
        return f.call_valid(op, uid, body={
            "give_asset": world.symbol, "give_amount": rate["denominator"], "want_asset": "CHIP",
            "want_amount": rate["numerator"]})

    def execute_swap_offer(f, op, uid):
        api.call("GET", "get_me", uid)
        return f.call_valid(op, uid, body={"offer_id": swap_offer(world.creator)["id"]})

    def wallet_link(f, op, uid):
        k, address = solana_key()
        c = post(api, "wallet_link_challenge", uid, {"chain": "solana", "address": address})
        return f.call_valid(op, uid, body=solana_proof(k, address, c))

    def wallet_sign_in(f, op, uid):
        k, address = solana_key()
        ip = {"X-Forwarded-For": "192.0.2.77"}
        c = post(api, "wallet_challenge", None, {"chain": "solana", "address": address},
                 headers=ip)
        return f.call_valid(op, uid, body=solana_proof(k, address, c), headers=ip)

    def wallet_unlink(f, op, uid):
        k, address = solana_key()
        c = post(api, "wallet_link_challenge", uid, {"chain": "solana", "address": address})
        post(api, "wallet_link", uid, solana_proof(k, address, c))
        return f.call_valid(op, uid, body={"address": address})

    def post_creator_news(f, op, uid):
        api.call("GET", "get_me", uid)
        post(api, "admin_list_creator", ADMIN, {"uid": uid, "symbol": "NEWS", "name": "News",
                                                "initial_supply": 10})
        return f.call_valid(op, uid, body={"title": "hello holders"})

    def stripe_webhook(f, op, uid):
        body, headers = sign(event("customer.created", {"id": "cus_fuzz", "object": "customer"}))
        response = f.http.post(f"{f.base_url}/stripe_webhook", data=body, headers=headers,
                               timeout=60)
        f.outcome.record("stripe_webhook", response.status_code)
        return response

    def admin_clear_flag(f, op, uid):
        from shared.domain.flags import Reason
        from shared.services.flags import _add

        _add(target, [Reason(target, "signup_burst", "ip:192.0.2.1", "fuzzing flag")])
        return f.call_valid(op, uid, body={"uid": target, "reason": "fuzzing clear"})

    def body(payload: dict | Callable[[], dict]) -> Valid:
        return lambda f, op, uid: f.call_valid(
            op, uid, body=payload() if callable(payload) else payload)

    def query(params: dict) -> Valid:
        return lambda f, op, uid: f.call_valid(op, uid, query=params)

    market_id, book = world.market["id"], world.book
    return {
        "admin_adjust": admin_adjust,
        "admin_clear_flag": admin_clear_flag,
        "admin_delete_user": admin_delete_user,
        "admin_export_user": query({"uid": target, "reason": "fuzzing export"}),
        "admin_review_creator_application": admin_review_creator_application,
        "apply_as_creator": body({"symbol": "WANT", "name": "Wanted", "initial_supply": 10}),
        "update_creator_profile": update_creator_profile,
        "search_markets": query({"q": world.market["title"].split()[0]}),
        "update_notification_settings": body({"muted": ["order_filled"]}),
        "delete_my_account": body({"confirm_forfeit": True}),
        "admin_create_book": admin_create_book,
        # `open` on an open book: audited, changes nothing the other calls rely on
        "admin_set_book_status": body({"book": book, "status": "open",
                                       "reason": "fuzzing: the book stays open"}),
        "admin_list_creator": admin_list_creator,
        "admin_replay_stripe_event": admin_replay_stripe_event,
        "admin_set_role": admin_set_role,
        "admin_set_status": admin_set_status,
        "admin_update_package": admin_update_package,
        "cancel_all_orders": cancel_all_orders,
        "cancel_order": cancel_order,
        "cancel_market": moderated("cancel"),
        "suspend_market": moderated("suspend"),
        "reopen_market": moderated("reopen", ("suspend_market",)),
        "cancel_swap_offer": cancel_swap_offer,
        "create_swap_offer": create_swap_offer,
        "execute_swap_offer": execute_swap_offer,
        "commit_forecast": body({"market_id": market_id, "outcome": "no", "amount": 100}),
        "create_market": body(lambda: market_body(f"st-{key()[:8]}")),
        "create_purchase": body({"package_id": world.package["id"]}),
        "create_transfer": body({"to": target, "asset": "CHIP", "amount": 100}),
        "estimate_forecast": query({"market_id": market_id, "outcome": "yes", "amount": 100}),
        "estimate_order": query({"book": book, "side": "buy", "quantity": 1, "price": 5}),
        "flag_forecast": body({"market_id": market_id, "uid": world.forecaster,
                               "reason": "fuzzing flag"}),
        "follow_creator": body({"creator": world.creator}),
        "get_candles": query({"book": book}),
        "get_creator": query({"uid": world.creator}),
        "get_depth": query({"book": book}),
        "get_market": query({"market_id": market_id}),
        "admin_market_history": query({"market_id": market_id}),
        "clear_forecast_flag": clear_forecast_flag,
        "list_trades": query({"book": book}),
        "list_holders": query({"symbol": world.symbol}),
        "get_conversion_rate": query({"base": world.symbol, "quote": "CHIP"}),
        "get_price_history": query({"asset": "CHIP"}),
        "get_swap_volume": query({"a": world.symbol, "b": "CHIP"}),
        "get_reputation": query({"uid": world.forecaster}),
        "list_badges": query({"uid": world.forecaster}),
        "admin_rewards_pool": query({"asset": "CHIP"}),
        "pay_reward": body(lambda: {"reward_id": key(), "uid": target, "asset": "CHIP",
                                    "amount": 10, "reason": "fuzzing reward"}),
        "service_charge_fee": body(lambda: {"uid": target, "service_type": "ai_chat",
                                            "request_id": key()}),
        "place_order": body({"book": book, "side": "buy", "quantity": 1, "price": 5}),
        "post_creator_news": post_creator_news,
        "stripe_webhook": stripe_webhook,
        "wallet_challenge": lambda f, op, uid: f.call_valid(
            op, uid, body={"chain": "solana", "address": solana_key()[1]}),
        "wallet_link_challenge": lambda f, op, uid: f.call_valid(
            op, uid, body={"chain": "solana", "address": solana_key()[1]}),
        "wallet_link": wallet_link,
        "wallet_sign_in": wallet_sign_in,
        "wallet_unlink": wallet_unlink,
    }


def resolve_closing_market(f, op, uid, world: World) -> Any:
    """resolve_market needs a market past its close: the one seeded to close soon."""
    return f.call_valid(op, uid, body={"market_id": world.closing_market["id"], "outcome": "no",
                                       "evidence_urls": ["https://example.com/result"],
                                       "note": "fuzzing resolution"})
