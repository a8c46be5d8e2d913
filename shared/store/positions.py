"""Positions read model: positions/{uid}.{book}, one document per owner and book they traded on.

Guarantees:
- A position document round-trips a domain FoldedPosition; only the owner's own settlement
  transactions (services/exchange/order_settlement.py) and a rebuild (services/portfolio.py)
  write it, so it is the owner's document: it takes their trading rate, never anyone else's.
- Its size is bounded: the fold so far and at most TAIL fills (domain/portfolio.py).
- `owner_fills` reads an owner's fills of one book (index fills (book, owner, at desc)) for a
  rebuild, which puts them in sequence order itself; `fills_with_orders` the same with each
  fill's order, for reconciliation (services/position_audit.py).
"""
from __future__ import annotations

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.portfolio import Fill, FoldedPosition, Position
from shared.store import wire
from shared.store.client import collection
from shared.store.exchange import FILLS

POSITIONS = "positions"


def position_ref(uid: str, book_id: str) -> firestore.DocumentReference:
    return collection(POSITIONS).document(f"{uid}.{book_id}")


def _fill(d: dict) -> Fill:
    return Fill(int(d["seq"]), d["side"], int(d["price"]), int(d["quantity"]),
                int(d.get("fee") or 0))


def folded_from(data: dict | None) -> FoldedPosition:
    if data is None:
        return FoldedPosition()
    base = data.get("base") or {}
    return FoldedPosition(Position(*(int(base.get(f, 0)) for f in Position._fields)),
                          int(data.get("through", 0)),
                          tuple(_fill(f) for f in data.get("tail") or ()),
                          int(data.get("rebuilt_through", 0)), bool(data.get("stale", False)))


def folded_doc(uid: str, book_id: str, folded: FoldedPosition) -> dict:
    return {"owner": uid, "book": book_id, "base": folded.base._asdict(),
            "through": folded.through, "tail": [f._asdict() for f in folded.tail],
            "rebuilt_through": folded.rebuilt_through, "stale": folded.stale,
            "updated_at": firestore.SERVER_TIMESTAMP}


def owned(uid: str, limit: int) -> list[firestore.DocumentSnapshot]:
    """The owner's positions, by book id (document ids are "<uid>.<book>": no composite
    index needed)."""
    query = collection(POSITIONS).where(filter=FieldFilter("owner", "==", uid)).limit(limit)
    return list(query.stream())


def owner_fills(uid: str, book_id: str) -> list[Fill]:
    """Every fill of the owner on the book committed so far, read at one time."""
    return [_fill(s.to_dict()) for s in _owner_fills(uid, book_id).stream()]


def fills_with_orders(txn: wire.Reads, uid: str, book_id: str,
                      limit: int) -> list[tuple[str, Fill]]:
    """At most `limit` of the owner's fills on the book, each with its order id."""
    return [(s.get("order_id"), _fill(s.to_dict()))
            for s in wire.stream(_owner_fills(uid, book_id).limit(limit), txn)]


def _owner_fills(uid: str, book_id: str) -> firestore.Query:
    return (collection(FILLS).where(filter=FieldFilter("book", "==", book_id))
            .where(filter=FieldFilter("owner", "==", uid))
            .order_by("at", direction=firestore.Query.DESCENDING))  # the index list_my_fills uses


