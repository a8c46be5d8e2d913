"""What a user sees of their money: balances, transaction history, balance history.

Reads only; every list is cursor-paginated, newest first.
"""
from __future__ import annotations

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.accounts import AccountKind
from shared.store.client import collection
from shared.store.ledger import ACCOUNTS, JOURNAL
from shared.store.pages import page

SNAPSHOTS = "balance_snapshots"


def balances(uid: str) -> list[dict]:
    """Per asset: available, committed (held), total, and what is owed back (receivable)."""
    by_asset: dict[str, dict] = {}
    for snap in collection(ACCOUNTS).where(filter=FieldFilter("owner", "==", uid)).stream():
        data = snap.to_dict()
        row = by_asset.setdefault(data["asset"], {"asset": data["asset"], "available": 0,
                                                  "committed": 0, "total": 0, "owed": 0})
        balance = int(data["credits_posted"]) - int(data["debits_posted"])
        if data["kind"] == AccountKind.RECEIVABLE.value:
            row["owed"] = -balance
        else:
            row["total"] = balance
            row["committed"] = int(data["debits_pending"])
            row["available"] = balance - int(data["debits_pending"])
    return [by_asset[code] for code in sorted(by_asset)]


def transactions(uid: str, *, asset: str | None, type_: str | None, cursor: str | None,
                 limit: int) -> tuple[list[dict], str | None]:
    query = collection(JOURNAL).where(filter=FieldFilter("owner", "==", uid))
    if asset:
        query = query.where(filter=FieldFilter("asset", "==", asset))
    if type_:
        query = query.where(filter=FieldFilter("type", "==", type_))
    query = query.order_by("created_at", direction=firestore.Query.DESCENDING)
    docs, next_cursor = page(query, JOURNAL, cursor, limit)
    return [entry_view(d.id, d.to_dict()) for d in docs], next_cursor


def entry_view(entry_id: str, data: dict) -> dict:
    return {"id": entry_id, "transfer_id": data["transfer_id"], "asset": data["asset"],
            "account_kind": "receivable" if data["account_id"].endswith(":receivable") else "spendable",
            "type": data["type"], "reference": data.get("reference", ""),
            "memo": data.get("memo", ""), "amount": data["amount"],
            "committed_change": data.get("debits_pending", 0),
            "balance_before": data.get("balance_before"), "balance_after": data.get("balance_after"),
            "available_before": data.get("available_before"),
            "available_after": data.get("available_after"), "created_at": data.get("created_at")}


def balance_history(uid: str, asset: str, cursor: str | None,
                    limit: int) -> tuple[list[dict], str | None]:
    query = (collection(SNAPSHOTS).where(filter=FieldFilter("owner", "==", uid)).where(filter=FieldFilter("asset", "==", asset))
             .where(filter=FieldFilter("kind", "==", AccountKind.USER.value))
             .order_by("date", direction=firestore.Query.DESCENDING))
    docs, next_cursor = page(query, SNAPSHOTS, cursor, limit)
    return [{k: d.to_dict()[k] for k in ("date", "asset", "balance", "available", "committed")}
            for d in docs], next_cursor
