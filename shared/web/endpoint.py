"""Thin HTTP functions: `@endpoint` turns `fn(ctx, request_model) -> data` into a Cloud Function.

Every endpoint, in this order: answers CORS preflight; refuses a wrong method (405), an
oversized body (413) or a body that is not `application/json` in UTF-8 (415; a request without
a body needs no Content-Type); authenticates and loads the caller's user document (creating it
on first call) and checks the role; requires an Idempotency-Key on mutating calls; parses the
JSON body (strictly: shared/web/bodies.py) or query string with the endpoint's pydantic model
(or, for `raw_body` endpoints such as Stripe's webhook, hands `fn` the exact bytes received,
unparsed, so a signature can be checked on them); calls `fn`; validates the answer against the
response model; wraps it in the envelope. Expected failures answer their 4xx/503; anything else
is logged with its traceback and answers a bare 500. Parsing happens before any state is touched,
so bad input changes nothing.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any, Callable, NamedTuple

from flask import Request, Response
from pydantic import BaseModel, ValidationError

from shared.config import settings
from shared.domain.errors import (MethodNotAllowed, MintbookError, PayloadTooLarge, RateLimited,
                                  Unavailable)
from shared.domain.idempotency import Operation, require_key
from shared.domain.rate_limits import LIMITS, PUBLIC, Limit
from shared.domain.users import Role, User

from shared.web import bodies, logs
from shared.web.client_ip import client_ip
from shared.web.envelope import add_cors, respond
from shared.web.errors import describe, describe_validation, status_for

log = logging.getLogger("mintbook.http")


class Spec(NamedTuple):
    name: str
    method: str
    summary: str
    auth: Role | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[str, ...]
    rate_limit: str | None
    idempotent: bool
    raw_body: bool
    max_body_bytes: int | None

    @property
    def mutating(self) -> bool:
        return self.method != "GET"

    @property
    def needs_key(self) -> bool:
        return self.mutating and self.idempotent


class Context(NamedTuple):
    spec: Spec
    request: Request
    request_id: str
    user: User | None
    idempotency_key: str | None

    @property
    def uid(self) -> str:
        assert self.user is not None, "endpoint declared auth=None but needs a user"
        return self.user.uid

    @property
    def ip(self) -> str:
        return _client_ip(self.request)

    def operation(self, payload: Any) -> Operation:
        """The idempotent operation of this call: (caller, endpoint, key) plus a fingerprint."""
        caller = self.user.uid if self.user else "anonymous"
        return Operation.of(caller, self.spec.name, self.idempotency_key or "", payload)


def endpoint(name: str, *, method: str = "GET", auth: Role | None = Role.USER,
             body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
             response: type[BaseModel] | None = None, summary: str = "", status: int = 200,
             errors: tuple[str, ...] = (), rate_limit: str | None = "general",
             idempotent: bool = True, raw_body: bool = False,
             max_body_bytes: int | None = None) -> Callable:
    """`rate_limit` names a bucket of shared.domain.rate_limits.LIMITS, counted per user when
    signed in and per client IP otherwise; a function anyone may call counts in "public" unless
    it names another bucket. None turns it off: only for calls that touch no Firestore (health,
    the OpenAPI document) or come from a party that signs them and retries on 429 (Stripe).
    `idempotent=False` is for the few mutating calls made single-use by something else (a
    sign-in nonce, a signed event id): they take no Idempotency-Key. `raw_body` passes `fn` the
    body's bytes instead of a parsed model; `max_body_bytes` overrides the body limit."""
    spec = Spec(name, method, summary, auth, body, query, response, status, errors,
                PUBLIC if auth is None and rate_limit == "general" else rate_limit, idempotent,
                raw_body, max_body_bytes)

    def wrap(fn: Callable[[Context, Any], Any]) -> Callable[[Request], Response]:
        def handler(request: Request) -> Response:
            return _handle(spec, fn, request)

        handler.spec = spec  # type: ignore[attr-defined]
        handler.__name__ = name
        handler.__doc__ = fn.__doc__
        return handler

    return wrap


def _handle(spec: Spec, fn: Callable, request: Request) -> Response:
    logs.configure()
    rid = request.headers.get("X-Request-Id") or uuid.uuid4().hex
    token = logs.request_id.set(rid)
    started = time.perf_counter()
    try:
        response = _answer(spec, fn, request, rid)
    finally:
        logs.request_id.reset(token)
    response.headers["X-Request-Id"] = rid
    log.info("%s %s -> %s", request.method, spec.name, response.status_code,
             extra={"function": spec.name, "status": response.status_code, "request_id": rid,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 1)})
    return add_cors(request, response, spec.method)


def _answer(spec: Spec, fn: Callable, request: Request, rid: str) -> Response:
    if request.method == "OPTIONS":
        return Response(status=204)
    try:
        ctx, data = _prepare(spec, request, rid)
        result = fn(ctx, data)
        payload = _render(spec, result)
        return respond(spec.status, data=payload)
    except MintbookError as err:
        status = status_for(err)
        if status >= 500 and not isinstance(err, Unavailable):
            log.error("%s failed: %s", spec.name, err.code, exc_info=err)
        headers = {"Retry-After": str(_retry_after(err))} if _retry_after(err) else {}
        return respond(status, errors=[describe(err)], headers=headers)
    except _BadInput as bad:
        return respond(400, errors=bad.errors)
    except Exception:
        log.exception("unhandled error in %s", spec.name)
        return respond(500, errors=[{"code": "internal", "field": None,
                                     "message": f"internal error; request id {rid}"}])


def _retry_after(err: MintbookError) -> int | None:
    if isinstance(err, Unavailable):
        return err.retry_after_s
    return err.details.get("retry_after_s") if isinstance(err, RateLimited) else None


class _BadInput(Exception):
    def __init__(self, errors: list[dict]) -> None:
        super().__init__("bad input")
        self.errors = errors


def _prepare(spec: Spec, request: Request, rid: str) -> tuple[Context, Any]:
    if request.method != spec.method:
        raise MethodNotAllowed(f"{spec.name} accepts {spec.method}", field="method")
    limit = spec.max_body_bytes or settings().max_body_bytes
    if (request.content_length or 0) > limit:
        raise PayloadTooLarge(f"bodies are limited to {limit} bytes", field="body")
    if bodies.has_body(request):
        bodies.require_json(request)
    user = None
    if spec.auth is not None:
        from shared.services.users import authenticate

        user = authenticate(request.headers.get("Authorization"), _client_ip(request))
        user.require_role(spec.auth)
    if spec.rate_limit is not None and not _exempt(user, request):
        from shared.store.rate_limits import hit

        hit(spec.rate_limit, user.uid if user else f"ip:{_client_ip(request)}",
            _limit(spec.rate_limit), pre_limit=user is None)
    key = request.headers.get("Idempotency-Key")
    if spec.needs_key:
        require_key(key)
    data = _raw(request, limit) if spec.raw_body else _parse(spec, request, limit)
    return Context(spec, request, rid, user, key), data


def _exempt(user: User | None, request: Request) -> bool:
    """A service identity (the app's own backend, or its server rendering pages for many users
    from one address) acts for many users at once: one counter for it would be a document every
    one of its calls writes, and a cap on the whole app. On a public function the token is
    optional and only looked at for this."""
    if user is not None:
        return user.role is Role.SERVICE
    authorization = request.headers.get("Authorization")
    if not authorization:
        return False
    from shared.services.users import is_service

    return is_service(authorization)


def _client_ip(request: Request) -> str:
    return client_ip(request.headers.get("X-Forwarded-For", ""), request.remote_addr,
                     settings().trusted_proxy_hops)


def _limit(bucket: str) -> Limit:
    """The bucket's size: LIMITS, the public one from configuration, and any bucket overridden
    by MINTBOOK_RATE_LIMITS ("general=100000": what bench.scale's seeding needs)."""
    calls = dict(settings().calls_per_window).get(bucket)
    if calls is None and bucket == PUBLIC:
        calls = settings().public_calls_per_minute
    return LIMITS[bucket] if calls is None else Limit(calls, LIMITS[bucket].seconds)


def _parse(spec: Spec, request: Request, limit: int) -> Any:
    try:
        if spec.body is not None:
            # JSON-mode validation: strict about numbers, yet enums and URLs arrive as strings.
            body = bodies.parse_object(_raw(request, limit))
            return spec.body.model_validate_json(json.dumps(body))
        if spec.query is not None:
            return spec.query.model_validate(request.args.to_dict(flat=True))
    except ValidationError as err:
        raise _BadInput(describe_validation(err, "body" if spec.body else "query")) from None
    return None


def _raw(request: Request, limit: int) -> bytes:
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise PayloadTooLarge(f"bodies are limited to {limit} bytes", field="body")
    return raw


def _render(spec: Spec, result: Any) -> Any:
    if spec.response is None or result is None:
        return result
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    return spec.response.model_validate(result).model_dump(mode="json")
