"""Shared field types and bases for requests and responses.

Requests are strict (a JSON 5.0 or "5" is not the integer 5; unknown fields are refused), amounts
are positive integers below 2**53, and every list response carries `next_cursor`.
"""
from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.domain.money import MAX_AMOUNT
from shared.web.pagination import DEFAULT_LIMIT, MAX_LIMIT

Amount = Annotated[int, Field(gt=0, le=MAX_AMOUNT, description="integer, smallest unit of the asset")]
SignedAmount = Annotated[int, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]
AssetCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")]
Uid = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[^:/]+$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=400)]

T = TypeVar("T")


class Body(BaseModel):
    """A JSON request body: strict types, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """A query string: values arrive as text, so numbers are parsed; no unknown parameters."""

    model_config = ConfigDict(extra="forbid")


class PageQuery(Query):
    cursor: Cursor | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class Empty(Body):
    pass
