"""Admin endpoints: assets, adjustments, roles and status, ledger stats, audit log, reconcile."""
from __future__ import annotations

from shared.domain.assets import Asset
from shared.domain.users import Role
from shared.services import admin, assets, reconciliation, transfers, users
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.common import Empty, PageQuery
from shared.web.schemas.assets import AssetView, CreateAssetRequest
from shared.web.schemas.admin import (AdjustRequest, AdjustResult, AuditPage, AuditQuery,
                                      LedgerStats, ReconciliationReport, SetRoleRequest,
                                      SetStatusRequest)
from shared.web.schemas.users import ProfileView


@endpoint("admin_create_asset", method="POST", auth=Role.ADMIN, body=CreateAssetRequest,
          response=AssetView, status=201, summary="Create an asset (a new ledger)",
          errors=("asset_exists",))
def admin_create_asset(ctx: Context, body: CreateAssetRequest) -> dict:
    asset = Asset(**body.model_dump())
    return assets.create_asset(ctx.operation(body.model_dump(mode="json")), ctx.user, asset)


@endpoint("admin_adjust", method="POST", auth=Role.ADMIN, body=AdjustRequest, response=AdjustResult,
          summary="Credit or debit a user against issuance, with a reason",
          errors=("insufficient_funds", "unknown_user", "unknown_asset", "supply_cap_exceeded"))
def admin_adjust(ctx: Context, body: AdjustRequest) -> dict:
    return transfers.adjust(ctx.operation(body.model_dump()), ctx.user, body.uid, body.asset,
                            body.amount, body.reason)


@endpoint("admin_set_role", method="POST", auth=Role.ADMIN, body=SetRoleRequest,
          response=ProfileView, summary="Set a user's role (audited)",
          errors=("rank_too_low", "cannot_change_self", "unknown_user", "version_conflict"))
def admin_set_role(ctx: Context, body: SetRoleRequest) -> dict:
    return users.change_user(ctx.operation(body.model_dump(mode="json")), ctx.user, body.uid,
                             role=body.role, reason=body.reason, expected_version=body.version)


@endpoint("admin_set_status", method="POST", auth=Role.ADMIN, body=SetStatusRequest,
          response=ProfileView, summary="Suspend, ban or reactivate a user (audited)",
          errors=("rank_too_low", "cannot_change_self", "unknown_user", "version_conflict"))
def admin_set_status(ctx: Context, body: SetStatusRequest) -> dict:
    return users.change_user(ctx.operation(body.model_dump(mode="json")), ctx.user, body.uid,
                             status=body.status, reason=body.reason, expected_version=body.version)


@endpoint("admin_ledger_stats", auth=Role.ADMIN, query=PageQuery, response=LedgerStats,
          summary="Supply per asset (a page), account count, transfers per day",
          errors=("invalid_cursor",))
def admin_ledger_stats(ctx: Context, q: PageQuery) -> dict:
    return admin.ledger_stats(q.cursor, q.limit)


@endpoint("admin_audit_log", auth=Role.ADMIN, query=AuditQuery, response=AuditPage,
          summary="Every admin action: who, what, when and why")
def admin_audit_log(ctx: Context, q: AuditQuery) -> dict:
    items, cursor = admin.audit_log(actor=q.actor, target=q.target, cursor=q.cursor, limit=q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("admin_reconcile", method="POST", auth=Role.ADMIN, body=Empty,
          response=ReconciliationReport, summary="Run reconciliation now and return its report")
def admin_reconcile(ctx: Context, _: Empty) -> dict:
    return reconciliation.run()
