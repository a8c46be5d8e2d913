"""Swap offer documents and sharded daily volume counters.

- swap_offers/{offer id}: the offer; its id is the create operation's id, which is also the id
  of the hold on the maker's account and names the offer's escrow account.
- swap_volume/{base}-{quote}@{day}#{taker key}: volume per canonical pair and UTC day, one
  document per taker (a hash of the uid), incremented blind by each of that taker's executions:
  no execution writes a document other takers write, so a busy pair has no hot document;
  readers add a day's documents up.
"""
from __future__ import annotations

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.idempotency import derive_id
from shared.domain.swaps import OfferStatus, SwapOffer, pair_of

from shared.store.client import collection

OFFERS, VOLUME = "swap_offers", "swap_volume"


def offer_path(offer_id: str) -> str:
    return f"{OFFERS}/{offer_id}"


def offer_doc(o: SwapOffer) -> dict:
    return {"id": o.id, "maker": o.maker, "give_asset": o.give_asset, "give_amount": o.give_amount,
            "want_asset": o.want_asset, "want_amount": o.want_amount,
            "allow_partial": o.allow_partial, "given": o.given, "received": o.received,
            "remaining": o.remaining, "status": o.status.value, "version": o.version,
            "pair": "-".join(pair_of(o.give_asset, o.want_asset)),
            "updated_at": firestore.SERVER_TIMESTAMP}


def offer_from(data: dict) -> SwapOffer:
    return SwapOffer(id=data["id"], maker=data["maker"], give_asset=data["give_asset"],
                     give_amount=int(data["give_amount"]), want_asset=data["want_asset"],
                     want_amount=int(data["want_amount"]),
                     allow_partial=bool(data["allow_partial"]), given=int(data["given"]),
                     received=int(data["received"]), status=OfferStatus(data["status"]),
                     version=int(data["version"]))


def save_offer(txn: firestore.Transaction, o: SwapOffer, created: bool = False) -> None:
    data = offer_doc(o)
    if created:
        data["created_at"] = firestore.SERVER_TIMESTAMP
        txn.create(collection(OFFERS).document(o.id), data)
    else:
        txn.set(collection(OFFERS).document(o.id), data, merge=True)


def add_volume(txn: firestore.Transaction, o: SwapOffer, give: int, pay: int, hour: str,
               taker: str) -> None:
    """Count a fill in the taker's row of its pair and UTC hour ("YYYY-MM-DDTHH"): per-day
    readers sum a day's rows, the platform statistics job the last 24 hours' rows."""
    base, quote = pair_of(o.give_asset, o.want_asset)
    amounts = {o.give_asset: give, o.want_asset: pay}
    day = hour[:10]
    ref = collection(VOLUME).document(f"{base}-{quote}@{hour}#{derive_id(taker)[:16]}")
    txn.set(ref, {"pair": f"{base}-{quote}", "base": base, "quote": quote, "day": day,
                  "hour": hour,
                  "base_volume": firestore.Increment(amounts[base]),
                  "quote_volume": firestore.Increment(amounts[quote]),
                  "fills": firestore.Increment(1)}, merge=True)


def offers_query(status: str | None, give_asset: str | None, want_asset: str | None,
                 maker: str | None) -> firestore.Query:
    query: firestore.Query = collection(OFFERS)
    for field, value in (("status", status), ("give_asset", give_asset),
                         ("want_asset", want_asset), ("maker", maker)):
        if value:
            query = query.where(filter=FieldFilter(field, "==", value))
    return query.order_by("created_at", direction=firestore.Query.DESCENDING)


def volume_since(hour: str) -> list[dict]:
    """Every pair's rows from `hour` on (rows written before rows had an hour are not seen)."""
    query = collection(VOLUME).where(filter=FieldFilter("hour", ">=", hour))
    return [s.to_dict() for s in query.stream()]


def volume_rows(pair: str, since: str | None, until: str | None) -> list[dict]:
    query = collection(VOLUME).where(filter=FieldFilter("pair", "==", pair))
    if since:
        query = query.where(filter=FieldFilter("day", ">=", since))
    if until:
        query = query.where(filter=FieldFilter("day", "<=", until))
    return [s.to_dict() for s in query.stream()]
