"""Requests and responses of a user's own profile."""

from pydantic import Field, HttpUrl

from shared.domain.users import Role, Status

from shared.web.schemas.common import Body, View


class ProfileView(View):
    uid: str
    display_name: str
    bio: str
    avatar_url: str
    role: Role
    status: Status
    version: int


class UpdateProfileRequest(Body):
    display_name: str | None = Field(None, min_length=1, max_length=60)
    bio: str | None = Field(None, max_length=500)
    avatar_url: HttpUrl | None = None
    version: int | None = Field(None, ge=0, description="the version you read; 409 if it moved")
