"""Every Cloud Function Mintbook deploys, in one list.

main.py resolves entry points from it, the dev server mounts it, and deploy reads it. Kinds:
- http:  an HTTPS function; `target` is a handler built with shared.web.endpoint.
- event: a Firestore-triggered CloudEvent function on `document` (a path pattern).
- job:   an HTTP function Cloud Scheduler calls on `schedule` (cron, UTC); private (IAM only).
- task:  an HTTP function Cloud Tasks calls; private (IAM only).
"""
from __future__ import annotations

from typing import Literal, NamedTuple

Kind = Literal["http", "event", "job", "task"]
WRITTEN = "google.cloud.firestore.document.v1.written"
CREATED = "google.cloud.firestore.document.v1.created"


class Function(NamedTuple):
    name: str
    target: str  # "module:attribute", importable with functions/ on sys.path
    kind: Kind = "http"
    document: str | None = None
    event_type: str | None = None
    schedule: str | None = None
    memory: str = "256Mi"
    min_instances: int = 0
    concurrency: int = 1   # requests one instance serves at once; above 1 it needs a whole vCPU
    cpu: str = ""          # vCPUs per instance; empty: what `memory` implies


# The exchange's order path serves many requests per instance: each one mostly waits on
# Firestore and on its book's paced batches, and the in-process sequencer coalesces the
# wake-ups of one instance's requests into one loop (README, "Deployment").
TRADING = {"concurrency": 16, "cpu": "1", "memory": "512Mi"}


def _http(name: str, module: str, min_instances: int = 0, **sizing: object) -> Function:
    return Function(name, f"api.{module}:{name}", min_instances=min_instances, **sizing)


def _event(name: str, module: str, document: str, event_type: str = WRITTEN) -> Function:
    return Function(name, f"events.{module}:{name}", kind="event", document=document,
                    event_type=event_type)


def _job(name: str, module: str, schedule: str, memory: str = "512Mi") -> Function:
    return Function(name, f"jobs.{module}:{name}", kind="job", schedule=schedule, memory=memory)


def _task(name: str, module: str, **sizing: object) -> Function:
    return Function(name, f"jobs.{module}:{name}", kind="task", **({"memory": "512Mi"} | sizing))


# One section per product area; each area edits only its own tuple.
FOUNDATION: tuple[Function, ...] = (
    _http("health", "system"),
    _http("ready", "system"),
    _http("openapi", "system"),
    _http("list_assets", "assets"),
    _http("get_me", "users", min_instances=1),
    _http("update_me", "users"),
    _http("export_my_data", "privacy"),
    _http("delete_my_account", "privacy"),
    _http("admin_export_user", "privacy"),
    _http("admin_delete_user", "privacy"),
    _http("get_balances", "balances", min_instances=1),
    _http("list_transactions", "balances"),
    _http("get_balance_history", "balances"),
    _http("create_transfer", "transfers", min_instances=1),
    _http("admin_create_asset", "admin"),
    _http("admin_adjust", "admin"),
    _http("admin_set_role", "admin"),
    _http("admin_set_status", "admin"),
    _http("admin_ledger_stats", "admin"),
    _http("admin_audit_log", "admin"),
    _http("admin_reconcile", "admin"),
    _event("on_user_written", "users", "users/{uid}"),
    _job("job_reconcile", "reconcile", "* * * * *"),
    _job("job_consolidate", "reconcile", "* * * * *"),
    _job("job_snapshot_balances", "snapshots", "5 0 * * *"),
    _http("admin_list_flags", "flags"),
    _http("admin_clear_flag", "flags"),
    _job("job_flag_suspicious", "flags", "*/15 * * * *"),
)

PURCHASES: tuple[Function, ...] = (
    _http("list_packages", "purchases"),
    _http("create_purchase", "purchases"),
    _http("list_purchases", "purchases"),
    _http("admin_list_packages", "purchases"),
    _http("admin_create_package", "purchases"),
    _http("admin_update_package", "purchases"),
    _http("admin_list_purchases", "purchases"),
    _http("admin_purchase_stats", "purchases_ops"),
    _http("admin_list_stripe_failures", "purchases_ops"),
    _http("admin_replay_stripe_event", "purchases_ops"),
    _http("admin_stripe_sync", "purchases_ops"),
    _http("stripe_webhook", "stripe_webhook", min_instances=1),
    _job("job_stripe_sync", "purchases", "*/10 * * * *"),
    _job("job_expire_purchases", "purchases", "*/15 * * * *"),
    _job("job_fold_purchase_stats", "purchases", "* * * * *"),
)

MARKETS: tuple[Function, ...] = (
    _http("create_market", "markets"),
    _http("list_markets", "markets"),
    _http("get_market", "markets"),
    _http("commit_forecast", "markets", min_instances=1),
    _http("estimate_forecast", "markets"),
    _http("list_my_forecasts", "markets"),
    _http("resolve_market", "markets_admin"),
    _http("cancel_market", "markets_admin"),
    _http("suspend_market", "markets_admin"),
    _http("reopen_market", "markets_admin"),
    _http("admin_markets_needing_resolution", "markets_admin"),
    _http("admin_market_history", "markets_admin"),
    _task("task_settle_market", "markets"),
    _task("task_market_totals", "markets"),
    _job("job_markets_sweep", "markets", "* * * * *"),
    _http("get_reputation", "markets_social"),
    _http("list_badges", "markets_social"),
    _http("get_leaderboard", "markets_social"),
    _http("follow_category", "markets_social"),
    _http("unfollow_category", "markets_social"),
    _http("list_my_follows", "markets_social"),
    _http("list_notifications", "markets_social"),
    _http("mark_notifications_read", "markets_social"),
    _http("update_notification_settings", "markets_social"),
    _http("list_activity", "markets_social"),
    _http("flag_forecast", "markets_social"),
    _http("clear_forecast_flag", "markets_social"),
    _http("admin_list_flagged_forecasts", "markets_social"),
    _event("on_forecast_created", "markets_social", "forecasts/{forecastId}", CREATED),
    _event("on_market_written", "markets_social", "markets/{marketId}"),
    _job("job_leaderboards", "markets_social", "*/10 * * * *"),
    _job("job_markets_closing_soon", "markets_social", "*/10 * * * *"),
    _task("task_market_fanout", "markets_social"),
)

EXCHANGE: tuple[Function, ...] = (
    _http("admin_create_book", "exchange"),
    _http("admin_set_book_status", "exchange"),
    _http("admin_list_dead_letters", "exchange"),
    _http("list_books", "exchange"),
    _http("place_order", "exchange", min_instances=1, **TRADING),
    _http("cancel_order", "exchange", **TRADING),
    _http("cancel_all_orders", "exchange", **TRADING),
    _http("get_depth", "exchange"),
    _http("list_trades", "exchange"),
    _http("get_candles", "exchange"),
    _http("estimate_order", "exchange"),
    _http("list_my_orders", "exchange"),
    _http("list_my_fills", "exchange"),
    _http("admin_list_creator", "exchange_creators"),
    _http("list_creators", "exchange_creators"),
    _http("get_creator", "exchange_creators"),
    _http("list_holders", "exchange_creators"),
    _http("follow_creator", "exchange_creators"),
    _http("post_creator_news", "exchange_creators"),
    _http("get_feed", "exchange_creators"),
    _http("apply_as_creator", "creator_pages"),
    _http("admin_review_creator_application", "creator_pages"),
    _http("update_creator_profile", "creator_pages"),
    _http("check_symbol", "creator_pages"),
    _http("search_creators", "creator_pages"),
    _http("list_my_followed_creators", "creator_pages"),
    _task("task_creator_followers", "creators"),
    _event("on_order_written", "exchange", "orders/{orderId}"),
    _task("task_exchange_sequence", "exchange", **TRADING),
    _task("task_exchange_settle", "exchange"),
    _job("job_exchange_sweep", "exchange", "* * * * *"),
)

WALLETS_SWAPS_FEES: tuple[Function, ...] = (
    _http("wallet_challenge", "wallets"),
    _http("wallet_sign_in", "wallets"),
    _http("wallet_link_challenge", "wallets"),
    _http("wallet_link", "wallets"),
    _http("wallet_unlink", "wallets"),
    _http("list_wallets", "wallets"),
    _job("job_expire_wallet_nonces", "wallets", "*/15 * * * *"),
    _http("admin_set_service_price", "fees"),
    _http("list_service_prices", "fees"),
    _http("service_charge_fee", "fees"),
    _http("admin_fund_rewards", "rewards"),
    _http("admin_rewards_pool", "rewards"),
    _http("pay_reward", "rewards"),
    _http("admin_set_price", "prices"),
    _http("list_prices", "prices"),
    _http("get_price_history", "prices"),
    _http("get_conversion_rate", "prices"),
    _job("job_price_feed", "prices", "0 * * * *"),
    _http("create_swap_offer", "swaps"),
    _http("execute_swap_offer", "swaps"),
    _http("cancel_swap_offer", "swaps"),
    _http("list_swap_offers", "swaps"),
    _http("get_swap_volume", "swaps"),
    _http("get_portfolio", "portfolio"),
    _http("get_portfolio_history", "portfolio"),
)

DISCOVERY: tuple[Function, ...] = (
    _http("search_markets", "discovery"),
    _http("list_categories", "discovery"),
    _http("get_trending", "discovery"),
    _http("get_platform_stats", "discovery"),
    _job("job_discovery", "discovery", "*/5 * * * *"),
)

FUNCTIONS: tuple[Function, ...] = (FOUNDATION + PURCHASES + MARKETS + EXCHANGE + WALLETS_SWAPS_FEES
                                   + DISCOVERY)

BY_NAME: dict[str, Function] = {f.name: f for f in FUNCTIONS}

# Reads one call (a job: one run; a task or event: one delivery) may make, as bench/budgets.py
# evaluates it: `limit` is the page size asked for; any other name is a data size the function
# may grow with (`changed`: documents changed since the job's checkpoint). `python -m
# bench.scale` counts every function against it at two sizes of the data. A budget the code
# does not meet yet is still the target: bench.scale reports the function "over".
READS: dict[str, str] = {
    # foundation
    "health": "0", "openapi": "0", "list_assets": "limit + 2", "get_me": "1",
    "update_me": "3", "get_balances": "limit + 4", "list_transactions": "limit + 2",
    "get_balance_history": "limit + 2", "create_transfer": "6", "admin_create_asset": "3",
    "admin_adjust": "5", "admin_set_role": "3", "admin_set_status": "3",
    # admin_ledger_stats: the caller, a page of assets (`limit`) and their two main accounts
    # each, the consolidation status, the counts job_discovery made (never a count itself)
    "admin_ledger_stats": "3 * limit + 5", "admin_audit_log": "limit + 2",
    # reconcile: one step (services/reconciliation.py): `changed` = journal entries read to fold
    # (a page a concurrent step folded first too) or in the partition's tail (a deferred
    # partition's too; the step answers `changed`), ~4 reads each (entry, transfer, other entry,
    # sums); 1,300 = 500 accounts, their sums, 32 watermarks twice, the `in` queries,
    # open holds of the partition's accounts (beyond ~200 they are what it grows with); 1,200
    # = the positions step (50 positions, at most 1,000 fills, their owners' postings).
    "admin_reconcile": "4 * changed + 2500", "on_user_written": "2",
    "job_reconcile": "4 * changed + 2500", "job_consolidate": "2 * changed + 70",
    "job_snapshot_balances": "changed + 100", "admin_list_flags": "limit + 2",
    # job_flag_suspicious: per fact read (`changed`: new refund debts, fills and sign-ups, and
    # the <= 4 earlier sign-ups of a burst that forms in the run) itself and at most one flag;
    # per trade the reverse direction; per sign-up's IP or wallet a count (a read per 1,000)
    "admin_clear_flag": "3", "job_flag_suspicious": "3 * changed + 10",
    # purchases
    "list_packages": "limit + 2", "create_purchase": "8", "list_purchases": "limit + 2",
    "admin_list_packages": "limit + 3", "admin_create_package": "2",
    "admin_update_package": "3", "admin_list_purchases": "limit + 2",
    "admin_purchase_stats": "10",  # the caller, the totals and <= 8 waiting changes
    "admin_list_stripe_failures": "limit + 2",
    "admin_replay_stripe_event": "10", "admin_stripe_sync": "limit + 10", "stripe_webhook": "10",
    "job_stripe_sync": "changed + 10", "job_expire_purchases": "limit + 2",
    # job_fold_purchase_stats (services/purchases/stats.py) reads each waiting change twice
    # (its query row, then in the folding transaction) and the totals once per page of 400
    # (at most 25 pages a run); `changed`: the changes it folded, as its answer says
    "job_fold_purchase_stats": "2 * changed + 30",
    # markets (create_market: 6 with its asset, when this instance has not cached it)
    "create_market": "6", "list_markets": "3 * limit + 2", "get_market": "3",
    "commit_forecast": "7", "estimate_forecast": "3", "list_my_forecasts": "limit + 2",
    "resolve_market": "6", "cancel_market": "6", "suspend_market": "7", "reopen_market": "7",
    "admin_markets_needing_resolution": "limit + 2", "admin_market_history": "limit + 3",
    "task_settle_market": "500",  # a step: up to ~440 entries' documents (commit_limits)
    "task_market_totals": "6",
    # a page of markets in turn (services/markets/totals.py): a market's query row, a sum per
    # outcome (<= 16) and a count; + the rotation's cursor and the unfinished settlements
    "job_markets_sweep": "18 * limit + 10",
    "get_reputation": "2", "list_badges": "limit + 2", "get_leaderboard": "102",  # the board and its rows' profiles
    "follow_category": "3", "unfollow_category": "3", "list_my_follows": "3",
    "list_notifications": "limit + 3", "mark_notifications_read": "103",
    "list_activity": "limit + 2", "flag_forecast": "4", "clear_forecast_flag": "4",
    "admin_list_flagged_forecasts": "limit + 2",
    "on_forecast_created": "2", "on_market_written": "3", "job_leaderboards": "7 * changed + 3100",
    # each market its change queries return (new to its window, or created since the last run:
    # its row, its fan-out's progress) and each forecaster told (their forecast row, their mute
    # settings, the notice created once), and each unfinished fan-out it wakes: `changed`
    # counts all three; never every open market
    "job_markets_closing_soon": "4 * changed + 10",
    # a batch of 400 recipients, and their mute settings (one get_all)
    "task_market_fanout": "40 * limit + 10",
    # job_leaderboards: the feed (32 bucket queries), the 24 current boards, each new event and
    # the <= 6 standings it adds to, and <= 100 standings per rebuilt board (<= 30 boards)
    # exchange (sequencing and book reads are issue 17's)
    "admin_create_book": "5", "list_books": "limit + 2", "place_order": "26",
    "admin_set_book_status": "6", "admin_list_dead_letters": "limit + 3",
    "cancel_order": "10", "cancel_all_orders": "limit + 6", "get_depth": "2",
    "list_trades": "limit + 2", "get_candles": "limit + 2", "estimate_order": "2",
    "list_my_orders": "limit + 2", "list_my_fills": "limit + 2", "admin_list_creator": "9",
    "list_creators": "limit + 2", "get_creator": "4", "list_holders": "limit + 2",
    # get_feed: the caller, up to 30 follows (each names its creator's book: an `in` filter
    # takes 30 values), a page of trades and a page of news merged into one page
    "follow_creator": "5", "post_creator_news": "6", "get_feed": "2 * limit + 32",
    # task_exchange_settle: each fill it groups twice (its page, its batch's transaction), the
    # book, a batch document per 400 fills and the empty page that ends it
    "task_exchange_sequence": "500", "task_exchange_settle": "2 * changed + 10",
    # + 100: up to 50 stale settlement batches resubmitted, each a query row and a re-read;
    # + 500: the scan for order postings left unapplied (normally none); `changed`: the
    # postings it applies, each about 8 reads (its query row, itself, the hold, the owner's
    # account and escrow, a counterparty's account and receivable)
    "job_exchange_sweep": "limit + 602 + 8 * changed",
    # wallets, swaps, fees
    "wallet_challenge": "2", "wallet_sign_in": "6", "wallet_link_challenge": "2",
    "wallet_link": "6", "wallet_unlink": "4", "list_wallets": "limit + 2",
    # job_expire_wallet_nonces reads what it deletes (`changed`, at most 400 challenges and 400
    # spent markers a run) and one read for each of its two queries that finds nothing
    "job_expire_wallet_nonces": "changed + 2", "admin_set_service_price": "4",
    "list_service_prices": "limit + 3", "service_charge_fee": "6",
    "admin_fund_rewards": "110", "admin_rewards_pool": "limit + 5",
    "pay_reward": "110",  # its home shard, or at most 100 shards when that one cannot pay
    "admin_set_price": "5", "list_prices": "4 * limit + 4", "get_price_history": "limit + 2",
    "get_conversion_rate": "4", "create_swap_offer": "12",
    # job_price_feed records a point per asset each hour: O(assets) by what it is (its set
    # price, twice; its creator book and that book's depth; the asset, when not cached)
    "job_price_feed": "5 * assets + 5",
    "execute_swap_offer": "12", "cancel_swap_offer": "6", "list_swap_offers": "limit + 2",
    "get_swap_volume": "32",  # a day per document: a default range of 30 days
    # get_portfolio: the user's accounts and their prices, then the positions read model (one
    # document per book traded, at most 100) and each book, its base asset and depth: never the
    # fills (11 reads for one book and one asset); a user of many books or assets exceeds it
    # get_portfolio_history: the window's snapshots, the user's accounts, and per asset held
    # the close of each day with a price point (a query of one document each, however often
    # the price was set that day): a user of many assets or a window of many priced days
    # exceeds it
    "get_portfolio": "limit + 5", "get_portfolio_history": "limit + 10",
    # operations and data rights (issue 22)
    "ready": "1",
    # a page, a query per section reached (11), the profile, and the balances (the user's
    # accounts: two per asset held; 40 reads is a user of ~13 assets)
    "export_my_data": "limit + 40", "admin_export_user": "limit + 41",
    # the accounts, wallet links and creator-listing audit entries of the user, read to erase
    "delete_my_account": "60", "admin_delete_user": "61",
    # creators' own pages (issue 21)
    "apply_as_creator": "4", "admin_review_creator_application": "15",
    "update_creator_profile": "2", "check_symbol": "2", "search_creators": "2 * limit",
    "list_my_followed_creators": "2 * limit + 2", "task_creator_followers": "3",
    # discovery (issue 21): a multi-word search scans 4 * limit candidates, then reads each
    # answered market and its totals; the rest read the job's one document. The job reads the
    # last 24 h's hourly candles and swap volume rows and the traded books' creators
    # (`changed`), the open markets and a count each (`markets`), each asset and its 2 main
    # accounts (`assets`), 7 more counts and the consolidation status; and admin_ledger_stats'
    # counts (services/admin.py refresh_counts): its document, the accounts, today's and
    # yesterday's transfers (the 5 days before too on a first run).
    "search_markets": "6 * limit + 1", "list_categories": "1", "get_trending": "1",
    "get_platform_stats": "1", "on_order_written": "1", "update_notification_settings": "1",
    "job_discovery": "2 * changed + 2 * markets + 3 * assets + 50",
}
