"""The admin side of purchases' Stripe payments: stats, failed deliveries and their replay,
sync with Stripe."""
from __future__ import annotations

from shared.domain.users import Role
from shared.services.purchases import stats, sync
from shared.services.purchases import webhook
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.common import Empty
from shared.web.schemas.purchases.operations import (EventResult, FailurePage, FailureQuery,
                                              PurchaseStats, ReplayRequest, SyncResult)


@endpoint("admin_purchase_stats", auth=Role.ADMIN, response=PurchaseStats,
          summary="Tokens sold, revenue and refunds per currency, outstanding receivables, "
          "from a read model (complete says whether every change was counted)")
def admin_purchase_stats(ctx: Context, _: None) -> dict:
    return stats.stats()


@endpoint("admin_list_stripe_failures", auth=Role.ADMIN, query=FailureQuery,
          response=FailurePage, summary="Stripe deliveries that failed, newest first")
def admin_list_stripe_failures(ctx: Context, q: FailureQuery) -> dict:
    items, cursor = sync.failures(q.include_resolved, q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("admin_replay_stripe_event", method="POST", auth=Role.ADMIN, body=ReplayRequest,
          response=EventResult, summary="Process a failed Stripe delivery again",
          errors=("unknown_failed_delivery", "amount_mismatch", "currency_mismatch"))
def admin_replay_stripe_event(ctx: Context, body: ReplayRequest) -> dict:
    return webhook.replay(body.event_id)


@endpoint("admin_stripe_sync", method="POST", auth=Role.ADMIN, body=Empty, response=SyncResult,
          summary="Ask Stripe now and apply whatever webhooks missed")
def admin_stripe_sync(ctx: Context, _: Empty) -> dict:
    return sync.sync()
