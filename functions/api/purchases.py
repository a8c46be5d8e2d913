"""Packages, purchases, purchase history, and the admin side: packages, monitoring, stats,
failed Stripe deliveries, sync."""
from __future__ import annotations

from shared.domain.users import Role
from shared.services import purchases, purchases_sync, stripe_webhook
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.common import Empty, PageQuery
from shared.web.schemas.purchases import (AdminPurchaseQuery, CreatePackageRequest,
                                          CreatePurchaseRequest, EventResult, FailurePage,
                                          FailureQuery, PackageList, PackageView,
                                          PurchaseCreated, PurchasePage, PurchaseStats,
                                          ReplayRequest, SyncResult, UpdatePackageRequest)


@endpoint("list_packages", auth=None, response=PackageList,
          summary="Token packages on sale, in display order")
def list_packages(ctx: Context, _: None) -> dict:
    return {"items": purchases.list_packages()}


@endpoint("create_purchase", method="POST", body=CreatePurchaseRequest, response=PurchaseCreated,
          status=201, summary="Start buying a package: returns the PaymentIntent's client secret",
          errors=("unknown_package", "package_inactive", "purchase_hourly_limit",
                  "purchase_amount_limit", "account_frozen", "idempotency_conflict"))
def create_purchase(ctx: Context, body: CreatePurchaseRequest) -> dict:
    return purchases.create_purchase(ctx.operation(body.model_dump()), ctx.user, body.package_id)


@endpoint("list_purchases", query=PageQuery, response=PurchasePage,
          summary="Your purchases, newest first")
def list_purchases(ctx: Context, q: PageQuery) -> dict:
    items, cursor = purchases.history(ctx.uid, q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("admin_list_packages", auth=Role.ADMIN, response=PackageList,
          summary="Every package, active or not")
def admin_list_packages(ctx: Context, _: None) -> dict:
    return {"items": purchases.list_packages(include_inactive=True)}


@endpoint("admin_create_package", method="POST", auth=Role.ADMIN, body=CreatePackageRequest,
          response=PackageView, status=201, summary="Create a token package",
          errors=("invalid_package",))
def admin_create_package(ctx: Context, body: CreatePackageRequest) -> dict:
    return purchases.create_package(ctx.operation(body.model_dump()), ctx.user, body.model_dump())


@endpoint("admin_update_package", method="POST", auth=Role.ADMIN, body=UpdatePackageRequest,
          response=PackageView, summary="Edit or deactivate a package, with the version you read",
          errors=("unknown_package", "version_conflict", "invalid_package"))
def admin_update_package(ctx: Context, body: UpdatePackageRequest) -> dict:
    changes = body.model_dump(exclude={"id", "version"}, exclude_none=True)
    return purchases.update_package(ctx.operation(body.model_dump()), ctx.user, body.id,
                                    body.version, changes)


@endpoint("admin_list_purchases", auth=Role.ADMIN, query=AdminPurchaseQuery,
          response=PurchasePage, summary="Purchases by status, user and date, newest first")
def admin_list_purchases(ctx: Context, q: AdminPurchaseQuery) -> dict:
    items, cursor = purchases.monitor(status=q.status.value if q.status else None, uid=q.uid,
                                      since=q.since, until=q.until, cursor=q.cursor, limit=q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("admin_purchase_stats", auth=Role.ADMIN, response=PurchaseStats,
          summary="Tokens sold, revenue and refunds per currency, outstanding receivables")
def admin_purchase_stats(ctx: Context, _: None) -> dict:
    return purchases_sync.stats()


@endpoint("admin_list_stripe_failures", auth=Role.ADMIN, query=FailureQuery,
          response=FailurePage, summary="Stripe deliveries that failed, newest first")
def admin_list_stripe_failures(ctx: Context, q: FailureQuery) -> dict:
    items, cursor = purchases_sync.failures(q.include_resolved, q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("admin_replay_stripe_event", method="POST", auth=Role.ADMIN, body=ReplayRequest,
          response=EventResult, summary="Process a failed Stripe delivery again",
          errors=("unknown_failed_delivery", "amount_mismatch", "currency_mismatch"))
def admin_replay_stripe_event(ctx: Context, body: ReplayRequest) -> dict:
    return stripe_webhook.replay(body.event_id)


@endpoint("admin_stripe_sync", method="POST", auth=Role.ADMIN, body=Empty, response=SyncResult,
          summary="Ask Stripe now and apply whatever webhooks missed")
def admin_stripe_sync(ctx: Context, _: Empty) -> dict:
    return purchases_sync.sync()
