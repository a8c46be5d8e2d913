"""Packages, purchases and purchase history, and their admin side: packages, monitoring."""
from __future__ import annotations

from shared.domain.users import Role
from shared.services.purchases import checkout
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.common import PageQuery
from shared.web.schemas.purchases.checkout import (AdminPurchaseQuery, CreatePackageRequest,
                                          CreatePurchaseRequest, PackageList, PackageView,
                                          PurchaseCreated, PurchasePage, UpdatePackageRequest)


@endpoint("list_packages", auth=None, query=PageQuery, response=PackageList,
          summary="Token packages on sale, in display order (sort order, price, id), a page at a time")
def list_packages(ctx: Context, q: PageQuery) -> dict:
    items, cursor = checkout.list_packages(q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("create_purchase", method="POST", body=CreatePurchaseRequest, response=PurchaseCreated,
          status=201, summary="Start buying a package: returns the PaymentIntent's client secret",
          errors=("unknown_package", "package_inactive", "purchase_hourly_limit",
                  "purchase_amount_limit", "account_frozen", "idempotency_conflict"))
def create_purchase(ctx: Context, body: CreatePurchaseRequest) -> dict:
    return checkout.create_purchase(ctx.operation(body.model_dump()), ctx.user, body.package_id)


@endpoint("list_purchases", query=PageQuery, response=PurchasePage,
          summary="Your purchases, newest first")
def list_purchases(ctx: Context, q: PageQuery) -> dict:
    items, cursor = checkout.history(ctx.uid, q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("admin_list_packages", auth=Role.ADMIN, query=PageQuery, response=PackageList,
          summary="Every package, active or not, in display order, a page at a time")
def admin_list_packages(ctx: Context, q: PageQuery) -> dict:
    items, cursor = checkout.list_packages(q.cursor, q.limit, include_inactive=True)
    return {"items": items, "next_cursor": cursor}


@endpoint("admin_create_package", method="POST", auth=Role.ADMIN, body=CreatePackageRequest,
          response=PackageView, status=201, summary="Create a token package",
          errors=("invalid_package",))
def admin_create_package(ctx: Context, body: CreatePackageRequest) -> dict:
    return checkout.create_package(ctx.operation(body.model_dump()), ctx.user, body.model_dump())


@endpoint("admin_update_package", method="POST", auth=Role.ADMIN, body=UpdatePackageRequest,
          response=PackageView, summary="Edit or deactivate a package, with the version you read",
          errors=("unknown_package", "version_conflict", "invalid_package"))
def admin_update_package(ctx: Context, body: UpdatePackageRequest) -> dict:
    changes = body.model_dump(exclude={"id", "version"}, exclude_none=True)
    return checkout.update_package(ctx.operation(body.model_dump()), ctx.user, body.id,
                                    body.version, changes)


@endpoint("admin_list_purchases", auth=Role.ADMIN, query=AdminPurchaseQuery,
          response=PurchasePage, summary="Purchases by status, user and date, newest first")
def admin_list_purchases(ctx: Context, q: AdminPurchaseQuery) -> dict:
    items, cursor = checkout.monitor(status=q.status.value if q.status else None, uid=q.uid,
                                      since=q.since, until=q.until, cursor=q.cursor, limit=q.limit)
    return {"items": items, "next_cursor": cursor}
