"""Drive every operation of the served OpenAPI document with schemathesis and collect the outcome.

Each operation gets its own caller (`st-<role>-<operation>`), so per-user rate limits never
starve one operation for another; anonymous calls carry an X-Forwarded-For address of their own
per call (the dev server counts anonymous callers by that last hop). Mutating calls get a fresh
Idempotency-Key each time. Nothing raises inside the hypothesis loop: failures are collected
with a curl line to reproduce them, so one run reports every broken operation at once.
"""
from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from dev.tokens import unsigned_id_token

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance,
          content_type_conformance]
_ips = itertools.count(1)


def role_of(operation: Any) -> str | None:
    """The role the operation's description names ("... with role admin or above"), or None."""
    text = operation.definition.raw.get("description", "")
    return text.split("role ", 1)[1].split(" ", 1)[0] if "role " in text else None


def identity_role(role: str | None) -> str | None:
    """The role the operation's caller is given: the service role is not a rank (only itself
    passes some checks), every other staff role is exercised by an admin."""
    return role if role in (None, "user", "service") else "admin"


def caller_for(operation_id: str, role: str | None) -> str | None:
    return None if role is None else f"st-{identity_role(role)}-{operation_id}"


@dataclass
class Outcome:
    statuses: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)

    def record(self, name: str, status: int) -> None:
        self.statuses[name].append(status)

    def without_2xx(self, names: Iterable[str]) -> list[str]:
        return sorted(n for n in names if not any(200 <= s < 300 for s in self.statuses[n]))


@dataclass
class Fuzzer:
    base_url: str
    project: str
    outcome: Outcome = field(default_factory=Outcome)
    http: requests.Session = field(default_factory=requests.Session)

    def headers(self, operation: Any, uid: str | None, extra: dict | None = None) -> dict:
        sent = {"X-Forwarded-For": f"10.77.{next(_ips) // 250 % 250}.{next(_ips) % 250 + 1}"}
        if uid is not None:
            sent["Authorization"] = f"Bearer {unsigned_id_token(uid, self.project)}"
        if operation.method.upper() != "GET":
            sent["Idempotency-Key"] = uuid.uuid4().hex
        sent.update(extra or {})
        return sent

    def send(self, case: Any, uid: str | None, extra: dict | None = None) -> requests.Response:
        """One call and its checks; the status is recorded, a failed check is collected."""
        name = case.operation.definition.raw.get("operationId", case.operation.label)
        headers = self.headers(case.operation, uid, extra)
        if case.headers:  # a generated Idempotency-Key is replaced by a fresh one
            case.headers = {k: v for k, v in case.headers.items() if k.lower() != "idempotency-key"}
        response = case.call(base_url=self.base_url, session=self.http, headers=headers, timeout=60)
        self.outcome.record(name, response.status_code)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as failures:  # collected, not raised: one run reports them all
            self.outcome.failures.append(f"{name} -> {response.status_code}: {failures}")
        return response

    def fuzz(self, operation: Any, uid: str | None, examples: int) -> None:
        modes = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE)]
        try:
            modes.append(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        except Exception:  # noqa: BLE001 - an operation with nothing to negate
            pass

        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=st.one_of(*modes))
        def run(case: Any) -> None:
            self.send(case, uid)

        try:
            run()
        except Exception as err:  # noqa: BLE001 - generation itself failed: report it
            self.outcome.failures.append(f"{operation.label}: generation failed: {err!r}")

    def call_valid(self, operation: Any, uid: str | None, *, body: Any = None,
                   query: dict | None = None, headers: dict | None = None) -> requests.Response:
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs["body"] = body
            kwargs["media_type"] = "application/json"
        if query is not None:
            kwargs["query"] = query
        return self.send(operation.Case(**kwargs), uid, headers)


def load(base_url: str) -> Any:
    return schemathesis.openapi.from_url(f"{base_url}/openapi.json")


def operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def name_of(operation: Any) -> str:
    return operation.definition.raw["operationId"]

