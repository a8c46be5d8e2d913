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


def _event(name: str, module: str, document: str, event_type: str = WRITTEN) -> Function:
    return Function(name, f"events.{module}:{name}", kind="event", document=document,
                    event_type=event_type)


def _job(name: str, module: str, schedule: str, memory: str = "512Mi") -> Function:
    return Function(name, f"jobs.{module}:{name}", kind="job", schedule=schedule, memory=memory)


def _task(name: str, module: str) -> Function:
    return Function(name, f"jobs.{module}:{name}", kind="task", memory="512Mi")


# One section per product area; each area edits only its own tuple.
FOUNDATION: tuple[Function, ...] = (
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
    _event("on_user_written", "users", "users/{uid}"),
    _job("job_reconcile", "reconcile", "*/15 * * * *"),
    _job("job_snapshot_balances", "snapshots", "5 0 * * *"),
)

PURCHASES: tuple[Function, ...] = ()

MARKETS: tuple[Function, ...] = ()

EXCHANGE: tuple[Function, ...] = ()

WALLETS_SWAPS_FEES: tuple[Function, ...] = ()

FUNCTIONS: tuple[Function, ...] = FOUNDATION + PURCHASES + MARKETS + EXCHANGE + WALLETS_SWAPS_FEES

BY_NAME: dict[str, Function] = {f.name: f for f in FUNCTIONS}
