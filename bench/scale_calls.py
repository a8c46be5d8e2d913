"""The call bench.scale makes to each function, given what was seeded (bench/scale_seed.World).

Each HTTP function is called as its user would call it: a public read anonymously, a user's
call as demo-alice (whose history grows with the data), an admin's as demo-admin, with the
seeded market, book, token and users. A function that needs a state the seed does not make
(a Stripe event, a signed wallet proof, a service identity) is listed in NOT_CALLED with the
reason, and bench.scale prints it as such rather than counting a refusal.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable

from bench.count_setups import ADMIN, ALICE, BOB, BOOK, Call, generic_call, job_call
from bench.scale_seed import World

Args = tuple[str | None, dict | None, dict | None]  # caller, body, query

NOT_CALLED = {
    "stripe_webhook": "needs a Stripe event (bench.webhook measures it)",
    "wallet_sign_in": "needs a signed wallet proof", "wallet_link": "needs a signed proof",
    "service_charge_fee": "a service identity's call", "pay_reward": "a service identity's call",
    "admin_replay_stripe_event": "needs a failed Stripe event",
    "admin_stripe_sync": "calls Stripe", "create_purchase": "calls Stripe",
    "resolve_market": "would settle the seeded market", "cancel_market": "would settle it",
    "execute_swap_offer": "needs an offer of another user",
    "cancel_swap_offer": "needs an open offer", "cancel_order": "needs an open order",
    "admin_update_package": "needs the package's version", "admin_clear_flag": "needs a flag",
    "flag_forecast": "moderation", "clear_forecast_flag": "needs a flag",
    "wallet_unlink": "needs a linked wallet",
    "delete_my_account": "would erase the bench's user",
    "admin_delete_user": "would erase a seeded user",
    "apply_as_creator": "one application per user: each call needs a new user",
    "admin_review_creator_application": "needs a pending application",
}


def _k() -> str:
    return uuid.uuid4().hex[:10]


def _soon() -> str:
    return (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()


def _args(w: World) -> dict[str, Callable[[], Args]]:
    creator = w.creators[0]
    return {
        "health": lambda: (None, None, None), "openapi": lambda: (None, None, None),
        "list_assets": lambda: (None, None, None),
        "update_me": lambda: (ALICE, {"bio": f"scale {_k()}"}, None),
        "list_transactions": lambda: (ALICE, None, None),
        "create_transfer": lambda: (ALICE, {"to": BOB, "asset": "CHIP", "amount": 1}, None),
        "admin_create_asset": lambda: (ADMIN, {"code": f"X{_k().upper()[:8]}", "name": "x",
                                                "decimals": 0, "kind": "creator"}, None),
        "admin_adjust": lambda: (ADMIN, {"uid": BOB, "asset": "CHIP", "amount": 1,
                                         "reason": "scale"}, None),
        "admin_set_role": lambda: (ADMIN, {"uid": w.users[1], "role": "user",
                                           "reason": "scale"}, None),
        "admin_set_status": lambda: (ADMIN, {"uid": w.users[2], "status": "active",
                                             "reason": "scale"}, None),
        "admin_create_package": lambda: (ADMIN, {"name": "x", "tokens": 1, "price": 100}, None),
        "create_market": lambda: (ADMIN, {
            "slug": f"x-{_k()}", "title": "Another one?", "category": "crypto",
            "outcomes": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}],
            "closes_at": _soon(), "max_per_user": 1_000}, None),
        "get_market": lambda: (None, None, {"market_id": w.market_id}),
        "admin_market_history": lambda: (ADMIN, None, {"market_id": w.market_id}),
        "commit_forecast": lambda: (ALICE, {"market_id": w.market_id, "outcome": "yes",
                                            "amount": 1}, None),
        "estimate_forecast": lambda: (None, None, {"market_id": w.market_id, "outcome": "yes",
                                                   "amount": 10}),
        "suspend_market": lambda: (ADMIN, {"market_id": w.market_id, "reason": "scale"}, None),
        "reopen_market": lambda: (ADMIN, {"market_id": w.market_id, "reason": "scale"}, None),
        "get_reputation": lambda: (None, None, {"uid": ALICE}),
        "list_badges": lambda: (None, None, {"uid": ALICE}),
        "follow_category": lambda: (ALICE, {"category": "crypto"}, None),
        "unfollow_category": lambda: (ALICE, {"category": "sports"}, None),
        "mark_notifications_read": lambda: (ALICE, {"all": True}, None),
        "update_notification_settings": lambda: (ALICE, {"muted": ["order_filled"]}, None),
        "admin_create_book": lambda: (ADMIN, {"base": w.bookless}, None),
        "place_order": lambda: (ALICE, {"book": BOOK, "side": "sell", "quantity": 1,
                                        "price": 1_000}, None),
        "cancel_all_orders": lambda: (BOB, {"book": BOOK}, None),
        "get_depth": lambda: (None, None, {"book": BOOK}),
        "list_trades": lambda: (None, None, {"book": BOOK}),
        "get_candles": lambda: (None, None, {"book": BOOK}),
        "estimate_order": lambda: (None, None, {"book": BOOK, "side": "buy", "quantity": 5}),
        "admin_list_creator": lambda: (ADMIN, {"uid": w.users[3], "symbol": f"Y{_k().upper()[:8]}",
                                               "name": "y", "initial_supply": 10}, None),
        "get_creator": lambda: (None, None, {"uid": creator}),
        "list_holders": lambda: (None, None, {"symbol": "LUNA"}),
        "follow_creator": lambda: (ALICE, {"creator": creator}, None),
        "post_creator_news": lambda: (ADMIN, {"creator": creator, "title": "news"}, None),
        "wallet_challenge": lambda: (None, {"chain": "solana",
                                            "address": "11111111111111111111111111111111"}, None),
        "wallet_link_challenge": lambda: (ALICE, {
            "chain": "solana", "address": "11111111111111111111111111111111"}, None),
        "admin_set_service_price": lambda: (ADMIN, {
            "service_type": "search", "asset": "CHIP", "amount": 1, "reason": "scale",
            "valid_from": datetime.now(timezone.utc).isoformat()}, None),
        "admin_fund_rewards": lambda: (ADMIN, {"asset": "CHIP", "amount": 10_240,
                                               "reason": "scale funding"}, None),
        "admin_rewards_pool": lambda: (ADMIN, None, {"asset": "CHIP"}),
        "admin_set_price": lambda: (ADMIN, {"asset": "LUNA", "usd": 100_000_000,
                                            "btc": 1_000_000}, None),
        "get_price_history": lambda: (None, None, {"asset": "LUNA"}),
        "get_conversion_rate": lambda: (None, None, {"base": "LUNA", "quote": "CHIP"}),
        "create_swap_offer": lambda: (ALICE, {"give_asset": "CHIP", "give_amount": 100,
                                              "want_asset": "LUNA", "want_amount": 1}, None),
        "get_swap_volume": lambda: (None, None, {"a": "CHIP", "b": "LUNA"}),
        "admin_set_book_status": lambda: (ADMIN, {"book": BOOK, "status": "open",
                                                  "reason": "scale: no change"}, None),
        "update_creator_profile": lambda: (creator, {"bio": f"scale {_k()}"}, None),
        "check_symbol": lambda: (None, None, {"symbol": f"Z{_k().upper()[:6]}"}),
        "search_creators": lambda: (None, None, {"q": "S", "limit": 2}),  # seeded symbols: S...
        "admin_export_user": lambda: (ADMIN, None, {"uid": ALICE, "reason": "scale"}),
        # every seeded market is "Will bench.scale stay flat?": a full page of 2 at both sizes
        "search_markets": lambda: (None, None, {"q": "flat", "limit": 2}),
    }


def http_call(function: str, w: World, auth: str | None) -> Call | None:
    """The call to count, or None for a function in NOT_CALLED."""
    if function in NOT_CALLED:
        return None
    default_caller = None if auth is None else (ADMIN if auth in ("admin", "moderator",
                                                                   "superadmin") else ALICE)
    caller, body, query = _args(w).get(function, lambda: (default_caller, None, None))()
    call = generic_call(function, caller, body, query)
    # generic_call puts demo-alice in for no caller; a public read is anonymous
    return call._replace(uid=caller)


def job(function: str) -> Call:
    return job_call(function)
