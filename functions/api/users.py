"""The caller's own profile."""
from __future__ import annotations

from shared.services import users
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.users import ProfileView, UpdateProfileRequest


@endpoint("get_me", response=ProfileView, summary="The caller's profile (created on first call)")
def get_me(ctx: Context, _: None) -> dict:
    return users.profile_view(ctx.user)


@endpoint("update_me", method="PATCH", body=UpdateProfileRequest, response=ProfileView,
          summary="Change display name, bio or avatar", errors=("version_conflict",))
def update_me(ctx: Context, body: UpdateProfileRequest) -> dict:
    changes = body.model_dump(mode="json", exclude_none=True, exclude={"version"})
    return users.update_profile(ctx.operation(body.model_dump(mode="json")), ctx.uid, changes,
                                body.version)
