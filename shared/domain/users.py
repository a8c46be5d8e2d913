"""Users, roles and statuses, and who may change whom.

Invariants:
- The user document is authoritative for role and status (custom claims only mirror it).
- Only active users move tokens; suspended and banned users can still sign in and read.
- A deleted user is a tombstone: no call is answered for it, and nobody changes it again.
- An actor changes only users ranked strictly below them, and never grants a rank above their own
  (an admin makes moderators; only a superadmin makes admins). Nobody changes their own role.
"""
from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from shared.domain.errors import AccountFrozen, Forbidden


class Role(StrEnum):
    USER = "user"
    SERVICE = "service"
    MODERATOR = "moderator"
    ADMIN = "admin"
    SUPERADMIN = "superadmin"


class Status(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    BANNED = "banned"
    DELETED = "deleted"  # a tombstone: personal data erased, the uid kept as a pseudonym


RANK = {Role.USER: 0, Role.SERVICE: 0, Role.MODERATOR: 1, Role.ADMIN: 2, Role.SUPERADMIN: 3}


class User(NamedTuple):
    uid: str
    role: Role = Role.USER
    status: Status = Status.ACTIVE
    display_name: str = ""
    bio: str = ""
    avatar_url: str = ""
    version: int = 0

    def at_least(self, role: Role) -> bool:
        return RANK[self.role] >= RANK[role]

    def require_role(self, role: Role) -> None:
        """`role` or above; the service role is not a rank, so it needs exactly itself (or an
        admin, who may do anything a backend service does)."""
        allowed = (self.role is Role.SERVICE or self.at_least(Role.ADMIN)) if role is Role.SERVICE \
            else self.at_least(role)
        if not allowed:
            raise Forbidden(f"this needs the {role.value} role", code="role_required")

    def require_present(self) -> None:
        if self.status is Status.DELETED:
            raise Forbidden("this account was deleted", code="account_deleted")

    def require_active(self) -> None:
        if self.status is not Status.ACTIVE:
            raise AccountFrozen(f"the account is {self.status.value}")


def check_can_manage(actor: User, target: User, new_role: Role | None = None) -> None:
    """Raise Forbidden unless `actor` may change `target` (and grant `new_role`)."""
    if actor.uid == target.uid:
        raise Forbidden("you cannot change your own role or status", code="cannot_change_self")
    target.require_present()
    if RANK[target.role] >= RANK[actor.role]:
        raise Forbidden("you can only manage users below your own rank", code="rank_too_low")
    if new_role is not None and RANK[new_role] >= RANK[actor.role]:
        raise Forbidden("you cannot grant a rank equal to or above your own", code="rank_too_low")
