"""One hierarchy of domain errors, each with a stable snake_case code.

Codes are part of the public API: clients branch on them, so they never change meaning. The HTTP
status of each family lives in shared/web/errors.py and nowhere else.
"""
from __future__ import annotations


class MintbookError(Exception):
    """Base of every expected failure. `code` is stable; `field` names the offending input."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}
        if code is not None:
            self.code = code


class InvalidInput(MintbookError):
    """The request is malformed or a value is out of range (400)."""

    code = "invalid_input"


class Unauthenticated(MintbookError):
    """No valid credential (401)."""

    code = "unauthenticated"


class Forbidden(MintbookError):
    """Authenticated, but not allowed (403)."""

    code = "forbidden"


class NotFound(MintbookError):
    """The thing named does not exist, or the caller may not know it exists (404)."""

    code = "not_found"


class Conflict(MintbookError):
    """The request contradicts stored state: idempotency conflicts, stale versions (409)."""

    code = "conflict"


class Rejected(MintbookError):
    """Well-formed, but the ledger or a business rule refuses it (422)."""

    code = "rejected"


class RateLimited(MintbookError):
    """Too many calls in a window (429)."""

    code = "rate_limited"


class Unavailable(MintbookError):
    """Could not commit now; nothing was written. Safe to retry (503)."""

    code = "unavailable"

    def __init__(self, message: str = "try again shortly", *, retry_after_s: int = 1,
                 code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after_s = retry_after_s


class Failed(MintbookError):
    """Nothing a caller did: the function cannot run as configured (`not_configured`), or its
    work failed for an unexpected reason and was recorded for a retry (`processing_failed`)."""

    code = "processing_failed"


# Ledger result codes, in TigerBeetle's spirit; the precedence is the order checks run in ledger.py.
class InsufficientFunds(Rejected):
    code = "insufficient_funds"


class IdempotencyConflict(Conflict):
    code = "idempotency_conflict"


class VersionConflict(Conflict):
    code = "version_conflict"


class AccountFrozen(Forbidden):
    """The owner is suspended or banned and may not move tokens."""

    code = "account_frozen"


class MethodNotAllowed(InvalidInput):
    code = "method_not_allowed"


class PayloadTooLarge(InvalidInput):
    code = "payload_too_large"


class UnsupportedMediaType(InvalidInput):
    """A body that is not `application/json` in UTF-8 (415)."""

    code = "unsupported_media_type"
