"""Suspicious-account flags for admins: list them with their reasons, clear one (audited).
A flag never restricts the account; suspending it is admin_set_status."""
from __future__ import annotations

from shared.domain.users import Role
from shared.services import flags
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.flags import ClearFlagRequest, FlagPage, FlagsQuery, FlagView


@endpoint("admin_list_flags", auth=Role.ADMIN, query=FlagsQuery, response=FlagPage,
          summary="Flagged accounts and why, by uid; filter by status (open or cleared)",
          errors=("invalid_cursor",))
def admin_list_flags(ctx: Context, q: FlagsQuery) -> dict:
    return flags.list_flags(q.status, q.cursor, q.limit)


@endpoint("admin_clear_flag", method="POST", auth=Role.ADMIN, body=ClearFlagRequest,
          response=FlagView, summary="Clear a flag with a reason (audited); the reasons stay",
          errors=("unknown_flag", "version_conflict"))
def admin_clear_flag(ctx: Context, body: ClearFlagRequest) -> dict:
    return flags.clear(ctx.operation(body.model_dump(mode="json")), ctx.user, body.uid,
                       body.reason, body.version)
