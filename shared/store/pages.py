"""One page of a query: ordered by a field and then the document id, resumable by cursor."""
from __future__ import annotations

from google.cloud import firestore

from shared.domain.errors import InvalidInput
from shared.web.pagination import decode, encode

from shared.store.client import collection


def page(query: firestore.Query, collection_name: str, cursor: str | None,
         limit: int) -> tuple[list[firestore.DocumentSnapshot], str | None]:
    """Up to `limit` documents after `cursor`, and the cursor of the next page (None at the end)."""
    if cursor:
        after = collection(collection_name).document(decode(cursor)).get()
        if not after.exists:
            raise InvalidInput("cursor is not one this API returned", field="cursor",
                               code="invalid_cursor")
        query = query.start_after(after)
    docs = list(query.limit(limit + 1).stream())
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, (encode(docs[-1].id) if more and docs else None)
