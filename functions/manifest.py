"""Every Cloud Function Mintbook deploys, in one list.

main.py resolves entry points from it, the dev server mounts it, and deploy reads it. Kinds:
- http:  an HTTPS function; `target` is a handler built with shared.web.endpoint.
- event: a Firestore-triggered CloudEvent function on `document` (a path pattern).
- job:   an HTTP function Cloud Scheduler calls on `schedule` (cron, UTC); private (IAM only).
- task:  an HTTP function Cloud Tasks calls; private (IAM only).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["http", "event", "job", "task"]
WRITTEN = "google.cloud.firestore.document.v1.written"
CREATED = "google.cloud.firestore.document.v1.created"


@dataclass(frozen=True)
class Function:
    name: str
    target: str  # "module:attribute", importable with functions/ on sys.path
    kind: Kind = "http"
    document: str | None = None
    event_type: str | None = None
    schedule: str | None = None
    memory: str = "256Mi"
    min_instances: int = 0


def _http(name: str, module: str, min_instances: int = 0) -> Function:
    return Function(name, f"api.{module}:{name}", min_instances=min_instances)


FUNCTIONS: tuple[Function, ...] = (
    _http("health", "system"),
    _http("openapi", "system"),
    _http("list_assets", "assets"),
    _http("get_me", "users", min_instances=1),
    _http("update_me", "users"),
    _http("get_balances", "balances", min_instances=1),
    _http("list_transactions", "balances"),
    _http("get_balance_history", "balances"),
    _http("create_transfer", "transfers", min_instances=1),
    _http("admin_create_asset", "admin"),
    _http("admin_adjust", "admin"),
    _http("admin_set_role", "admin"),
    _http("admin_set_status", "admin"),
    _http("admin_ledger_stats", "admin"),
    _http("admin_audit_log", "admin"),
    _http("admin_reconcile", "admin"),
    Function("on_user_written", "events.users:on_user_written", kind="event",
             document="users/{uid}", event_type=WRITTEN),
    Function("job_reconcile", "jobs.reconcile:job_reconcile", kind="job",
             schedule="*/15 * * * *", memory="512Mi"),
    Function("job_snapshot_balances", "jobs.snapshots:job_snapshot_balances", kind="job",
             schedule="5 0 * * *", memory="512Mi"),
)

BY_NAME: dict[str, Function] = {f.name: f for f in FUNCTIONS}
