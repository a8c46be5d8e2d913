"""Data rights: a user's export and deletion of their own account, and an admin's on request."""
from __future__ import annotations

from shared.domain.users import Role
from shared.services import privacy
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.privacy import (AdminDeleteUserRequest, AdminExportQuery, DataExport,
                                        DeleteAccountRequest, DeletedAccount, ExportQuery)

DELETE_ERRORS = ("amount_owed", "tokens_committed", "balance_remains")


@endpoint("export_my_data", query=ExportQuery, response=DataExport,
          summary="Everything the caller owns, as JSON, a page at a time",
          errors=("invalid_cursor",))
def export_my_data(ctx: Context, query: ExportQuery) -> dict:
    return privacy.export(ctx.user, query.cursor, query.limit)


@endpoint("delete_my_account", method="POST", body=DeleteAccountRequest, response=DeletedAccount,
          summary="Erase the caller's personal data; the uid stays on ledger records",
          errors=DELETE_ERRORS)
def delete_my_account(ctx: Context, body: DeleteAccountRequest) -> dict:
    return privacy.delete_account(ctx.operation(body.model_dump()), ctx.user, ctx.uid,
                                  confirm_forfeit=body.confirm_forfeit, reason="the user's request")


@endpoint("admin_export_user", auth=Role.ADMIN, query=AdminExportQuery, response=DataExport,
          summary="A user's export, on request (audited)", errors=("invalid_cursor", "unknown_user"))
def admin_export_user(ctx: Context, query: AdminExportQuery) -> dict:
    return privacy.export_audited(ctx.user, query.uid, query.cursor, query.limit, query.reason)


@endpoint("admin_delete_user", method="POST", auth=Role.ADMIN, body=AdminDeleteUserRequest,
          response=DeletedAccount, summary="Erase a user's personal data, on request (audited)",
          errors=(*DELETE_ERRORS, "unknown_user", "rank_too_low", "cannot_change_self"))
def admin_delete_user(ctx: Context, body: AdminDeleteUserRequest) -> dict:
    return privacy.delete_account(ctx.operation(body.model_dump()), ctx.user, body.uid,
                                  confirm_forfeit=body.confirm_forfeit, reason=body.reason,
                                  by_admin=True)
