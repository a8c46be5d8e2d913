"""Service fees: the admin-managed price table and charging a user for a service.

Guarantees:
- The price is the one in force when the call arrives (domain/fees.price_in_force); a replay
  of the same request id answers the first charge, even if the price changed since.
- Only a service identity (role "service", the app's own backend) charges, on a user's behalf.
- A charge debits the user's account (read, so it never overdraws: insufficient_funds) and
  credits the treasury blind, in one transaction with its idempotency record. The journal entry
  carries the service type as reference and the description as memo: the user's history shows
  why they paid.
"""
from __future__ import annotations

from datetime import datetime, timezone

from google.cloud import firestore

from shared.config import settings
from shared.domain.accounts import SystemAccount, spread_account_id, user_account_id
from shared.domain.errors import Forbidden, NotFound
from shared.domain.idempotency import Operation
from shared.domain.ledger import LedgerBatch, Transfer, TransferType
from shared.domain.money import require_amount
from shared.domain.fees import (ServicePrice, default_prices, price_in_force,
                                 require_service_type)
from shared.domain.users import Role, User
from shared.store import ledger as ledger_store
from shared.store import fees as store
from shared.store.assets import get_asset
from shared.store.client import collection
from shared.store.idempotency import record, run_idempotent
from shared.store.transactions import run_transaction
from shared.store.users import record_audit, user_from, user_path

from shared.services.accounts import reads_for


def set_price(op: Operation, admin: User, price: ServicePrice, reason: str) -> dict:
    get_asset(price.asset)
    require_amount(price.amount)
    ref = collection(store.SERVICE_PRICES).document(store.service_price_id(price))

    def work(txn: firestore.Transaction) -> dict:
        txn.set(ref, store.service_price_doc(price, admin.uid))
        record_audit(txn, actor=admin.uid, action="set_service_price", target=price.service_type,
                     reason=reason, after=price_view(price))
        return price_view(price)

    return run_idempotent(op, work)


def price_table(service_type: str | None, cursor: str | None, limit: int,
                at: datetime | None = None) -> tuple[list[dict], str | None]:
    """A page of the table in its order (service type, then valid_from): up to `limit` stored
    windows and the defaults an admin has not replaced that sort among them.

    A default is no document, so no cursor can point at one: each is listed on the page whose
    range of the order holds it, from after the window the cursor resumed from up to the page's
    last window (the last page to the end). The ranges of successive pages meet, so every
    default is listed once, in its place; a page holds at most len(DEFAULT_PRICES) more items
    than `limit`."""
    at = at or datetime.now(timezone.utc)
    stored, after, next_cursor = store.service_prices_page(service_type, cursor, limit)
    low = _table_order(after) if after else None
    high = _table_order(stored[-1]) if next_cursor else None
    defaults = [d for d in _defaults(service_type)
                if (low is None or _table_order(d) > low) and (high is None or _table_order(d) <= high)]
    return ([{**price_view(p), "in_force": p.in_force(at)} for p in _merged(stored, defaults)],
            next_cursor)


def prices(service_type: str | None) -> list[ServicePrice]:
    """The stored windows plus each default an admin has not replaced (domain/fees)."""
    return _merged(store.service_prices(service_type), _defaults(service_type))


def _defaults(service_type: str | None) -> list[ServicePrice]:
    platform = settings().platform_asset
    try:
        decimals = get_asset(platform).decimals
    except NotFound:  # a project not bootstrapped yet has no platform token to price in
        return []
    return [p for p in default_prices(platform, decimals) if service_type in (None, p.service_type)]


def _merged(stored: list[ServicePrice], defaults: list[ServicePrice]) -> list[ServicePrice]:
    """Stored windows and the defaults no stored window replaces (same service and start)."""
    taken = {_table_order(p) for p in stored}
    return sorted(stored + [d for d in defaults if _table_order(d) not in taken], key=_table_order)


def _table_order(p: ServicePrice) -> tuple[str, datetime]:
    return p.service_type, p.valid_from


def charge(op: Operation, caller: User, uid: str, service_type: str, description: str) -> dict:
    if caller.role is not Role.SERVICE:
        raise Forbidden("only a service identity charges service fees", code="service_role_required")
    require_service_type(service_type)
    price = price_in_force(prices(service_type), datetime.now(timezone.utc))
    source = user_account_id(uid, price.asset)
    treasury = spread_account_id(SystemAccount.TREASURY, uid, price.asset)  # the payer's share

    def work(txn: firestore.Transaction) -> dict:
        read = ledger_store.read(txn, reads_for(debited=[source], credited=[treasury]),
                                 other_paths=[user_path(uid)], operation=op)
        if read.replay is not None:
            return read.replay
        user = read.others[user_path(uid)]
        if user is None:
            raise NotFound(f"no user {uid!r}", field="uid", code="unknown_user")
        user_from(user).require_active()
        batch = LedgerBatch(read.accounts)
        batch.transfer(Transfer(id=op.id, debit_account_id=source, credit_account_id=treasury,
                                asset=price.asset, amount=price.amount,
                                type=TransferType.SERVICE_FEE, reference=service_type,
                                memo=description or f"{service_type} service"))
        ledger_store.write(txn, batch.result)
        return record(txn, op, {"transfer_id": op.id, "uid": uid, "service_type": service_type,
                                "asset": price.asset, "amount": price.amount,
                                "available_after": batch.account(source).available})

    return run_transaction(work, serialize_on=[source])


def price_view(p: ServicePrice) -> dict:
    return {"service_type": p.service_type, "asset": p.asset, "amount": p.amount,
            "valid_from": p.valid_from, "valid_until": p.valid_until}
