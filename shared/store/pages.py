"""One page of a query: ordered by a field and then the document id, resumable by cursor.

A cursor is opaque to clients: the id of the last document returned, base64url-encoded. A page
query orders by its field and then by document id, so resuming after a document is exact even
when many share the same timestamp.
"""
from __future__ import annotations

import base64
import binascii

from google.cloud import firestore

from shared.domain.errors import InvalidInput
from shared.store import wire
from shared.store.client import collection


def page(query: firestore.Query, collection_name: str, cursor: str | None,
         limit: int) -> tuple[list[firestore.DocumentSnapshot], str | None]:
    """Up to `limit` documents after `cursor`, and the cursor of the next page (None at the end)."""
    if cursor:
        query = query.start_after(resume_point(collection_name, cursor))
    docs = list(query.limit(limit + 1).stream())
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, (encode(docs[-1].id) if more and docs else None)


def next_by_id(txn: wire.Reads, collection_name: str, after: str,
               limit: int) -> list[firestore.DocumentSnapshot]:
    """The next `limit` documents of a collection in id order after the id `after` ("" = from
    the first), read by `txn` (a job walking a collection in turn, its own cursor kept)."""
    query = collection(collection_name).order_by("__name__").limit(limit)
    if after:
        query = query.start_after({"__name__": collection(collection_name).document(after)})
    return list(wire.stream(query, txn))


def resume_point(collection_name: str, cursor: str) -> firestore.DocumentSnapshot:
    """The document a cursor resumes after (one read), for a list that must also know where its
    previous page ended; it then pages from there with `page(query.start_after(it), ..., None)`."""
    after = collection(collection_name).document(decode(cursor)).get()
    if not after.exists:
        raise InvalidInput("cursor is not one this API returned", field="cursor",
                           code="invalid_cursor")
    return after


def encode(doc_id: str) -> str:
    return base64.urlsafe_b64encode(doc_id.encode()).decode().rstrip("=")


def decode(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("cursor is not one this API returned", field="cursor",
                           code="invalid_cursor") from None
    if not value or "/" in value:
        raise InvalidInput("cursor is not one this API returned", field="cursor",
                           code="invalid_cursor")
    return value
