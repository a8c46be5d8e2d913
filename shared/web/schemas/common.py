"""Shared field types and bases for requests and responses.

Requests are strict (a JSON 5.0 or "5" is not the integer 5; unknown fields are refused), amounts
are positive integers below 2**53, and every list response carries `next_cursor`.

Every model derives from Body, Query or View, which set `defer_build`: pydantic then builds a
model's validator and serializer on its first use instead of when the class is created. A schema
module holds the models of many endpoints and a cold start serves one, so building them all at
import was most of what shared.web cost a cold start (bench/cold_start.py).
For the same reason the schema modules, unlike the rest of the code, do not use
`from __future__ import annotations`: pydantic would have to evaluate every annotation string at
class creation, about a third of what defining a model still costs. So a model must be defined
before the models that name it (and refers to itself as `Self`).
"""

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.domain.money import MAX_AMOUNT
from shared.domain.pages import DEFAULT_LIMIT, MAX_LIMIT

Amount = Annotated[int, Field(gt=0, le=MAX_AMOUNT, description="integer, smallest unit of the asset")]
SignedAmount = Annotated[int, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]
AssetCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,15}$")]
Uid = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[^:/]+$")]
# Here rather than in markets.py: the social schemas name markets too, and importing markets.py
# for this would define every market model in their cold starts.
MarketId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=400)]
# Names a document: a package, a Stripe event, the request id that makes a fee charge or a
# reward single-use.
DocId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^/]+$")]

T = TypeVar("T")


class Body(BaseModel):
    """A JSON request body: strict types, no unknown fields."""

    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class Query(BaseModel):
    """A query string: values arrive as text, so numbers are parsed; no unknown parameters."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class View(BaseModel):
    """What an endpoint answers (the envelope's `data`), or a part of it."""

    model_config = ConfigDict(defer_build=True)


class PageQuery(Query):
    cursor: Cursor | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class Page(View, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class Empty(Body):
    pass
