"""Markets: creation by moderators, public list and detail, suspension, moderation views.

Guarantees:
- Slugs are unique: the slug document and the market are created in one transaction.
- Create, suspend and reopen write an audit entry (target: the market id) in the transaction
  that makes the change, so the market's history (`history`) has each exactly once.
- Suspend and reopen record intervals [start, end) on the market; commits never read them, so
  settlement voids commits whose server time fell inside one.
- Every view shows the pool as the totals task counted it (services/markets/totals.py), with
  `totals_as_of`; a view reads two documents per market (the market and its totals), whatever
  its outcomes, escrows or forecasters.
"""
from __future__ import annotations

from datetime import datetime, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.errors import Conflict, InvalidInput, Rejected
from shared.domain.idempotency import Operation, derive_id
from shared.domain.markets.market import Market, MarketStatus, Suspension, implied_all, validate_new
from shared.domain.users import User
from shared.store.markets import market as store
from shared.store.assets import get_asset
from shared.store.client import collection
from shared.store.idempotency import run_idempotent
from shared.store.pages import page
from shared.store.users import record_audit


def now() -> datetime:
    return datetime.now(timezone.utc)


def create(op: Operation, actor: User, fields: dict) -> dict:
    asset = get_asset(fields.pop("asset"))
    reason = fields.pop("reason", None)
    market_id = derive_id("market", op.id)[:20]
    market = validate_new(Market(id=market_id, asset=asset.code, created_by=actor.uid,
                                 opens_at=fields.pop("opens_at", None) or now(), **fields))
    if market.closes_at <= now():
        raise InvalidInput("closes_at must be in the future", field="closes_at")
    ref, slug_ref = collection(store.MARKETS).document(market_id), collection(store.SLUGS).document(market.slug)

    def work(txn: firestore.Transaction) -> dict:
        if slug_ref.get(transaction=txn).exists:
            raise Conflict(f"the slug {market.slug!r} is taken", field="slug", code="slug_taken")
        txn.create(slug_ref, {"market_id": market_id})
        txn.create(ref, {**store.market_doc(market), "committed_total": 0,
                         "created_at": firestore.SERVER_TIMESTAMP})
        record_audit(txn, actor=actor.uid, action="create_market", target=market_id,
                     reason=reason or f"new market: {market.title}",
                     after={"slug": market.slug, "title": market.title,
                            "category": market.category.value, "closes_at": market.closes_at})
        return {"id": market_id}

    run_idempotent(op, work)
    return detail(market_id)


def detail(market_id: str) -> dict:
    return view(*store.with_totals(market_id))


def detail_by_slug(slug: str) -> dict:
    return detail(store.market_id_for_slug(slug))


def view(market: Market, data: dict, counted: store.Totals) -> dict:
    totals = counted.by_outcome
    probabilities = implied_all(totals)
    return {"id": market.id, "slug": market.slug, "title": market.title,
            "description": market.description, "category": market.category.value,
            "asset": market.asset, "status": market.status_at(now()).value,
            "opens_at": market.opens_at, "closes_at": market.closes_at,
            "max_per_user": market.max_per_user, "cut_bps": market.cut_bps,
            "outcomes": [{"id": o.id, "label": o.label, "total": totals.get(o.id, 0),
                          "implied_ppm": probabilities.get(o.id, 0)} for o in market.outcomes],
            "pool": sum(totals.values()), "forecasters": counted.forecasters,
            "totals_as_of": counted.as_of,
            "suspensions": [{"start": s.start, "end": s.end} for s in market.suspensions],
            "resolution": data.get("resolution"), "settlement": data.get("settlement"),
            "created_by": market.created_by, "created_at": data.get("created_at")}


def list_markets(*, category: str | None, status: str | None, sort: str, cursor: str | None,
                 limit: int) -> tuple[list[dict], str | None]:
    query: firestore.Query = collection(store.MARKETS)
    if category:
        query = query.where(filter=FieldFilter("category", "==", category))
    if status in ("open", "closed"):
        query = query.where(filter=FieldFilter("status", "==", "open"))
        op = ">" if status == "open" else "<="
        query = query.where(filter=FieldFilter("closes_at", op, now()))
    elif status:
        query = query.where(filter=FieldFilter("status", "==", status))
    if sort == "closing_soon":
        query = query.order_by("closes_at")
    elif sort == "most_committed":
        query = query.order_by("committed_total", direction=firestore.Query.DESCENDING)
    else:
        query = query.order_by("created_at", direction=firestore.Query.DESCENDING)
    docs, next_cursor = page(query, store.MARKETS, cursor, limit)
    return views(docs), next_cursor


def views(docs: list[firestore.DocumentSnapshot]) -> list[dict]:
    """The page's markets with their totals: one more get_all, one document per market."""
    found = store.read_with_totals([d.id for d in docs])
    return [view(*found[d.id]) for d in docs if d.id in found]


def set_suspended(op: Operation, actor: User, market_id: str, suspend: bool, reason: str) -> dict:
    """Suspend (open an interval) or reopen (close it); audited with the reason (the market's
    history: admin_market_history)."""
    ref = collection(store.MARKETS).document(market_id)

    def work(txn: firestore.Transaction) -> dict:
        market, _ = _read(txn, market_id)
        at = now()
        if suspend:
            if market.status_at(at) is not MarketStatus.OPEN:
                raise Rejected("only an open market can be suspended", code="market_not_open")
            changed = market._replace(status=MarketStatus.SUSPENDED,
                              suspensions=market.suspensions + (Suspension(at),))
        else:
            if market.status is not MarketStatus.SUSPENDED:
                raise Rejected("the market is not suspended", code="market_not_suspended")
            last = market.suspensions[-1]._replace(end=at)
            changed = market._replace(status=MarketStatus.OPEN,
                              suspensions=market.suspensions[:-1] + (last,))
        changed = changed._replace(version=market.version + 1)
        txn.update(ref, {k: v for k, v in store.market_doc(changed).items()
                         if k in ("status", "suspensions", "version", "updated_at")})
        record_audit(txn, actor=actor.uid, action="suspend_market" if suspend else "reopen_market",
                     target=market_id, reason=reason, before={"status": market.status.value},
                     after={"status": changed.status.value})
        return {"id": market_id}

    run_idempotent(op, work)
    store.forget_snapshots()
    return detail(market_id)


def _read(txn: firestore.Transaction, market_id: str) -> tuple[Market, dict]:
    store.get_market(market_id)  # NotFound for an unknown id, before locking anything
    snap = collection(store.MARKETS).document(market_id).get(transaction=txn)
    return store.market_from(market_id, snap.to_dict()), snap.to_dict()


def needing_resolution(cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    """Markets past their close time that are neither resolved nor cancelled."""
    query = (collection(store.MARKETS)
             .where(filter=FieldFilter("status", "in", ["open", "suspended"]))
             .where(filter=FieldFilter("closes_at", "<=", now())).order_by("closes_at"))
    docs, next_cursor = page(query, store.MARKETS, cursor, limit)
    return views(docs), next_cursor


def history(market_id: str, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    """The market's moderation history, newest first: the audit entries whose target it is
    (create, suspend, reopen, resolve, cancel, forecast flags and their clearing)."""
    from shared.services.admin import audit_log

    store.get_market(market_id)  # unknown_market for an id that names no market
    return audit_log(actor=None, target=market_id, cursor=cursor, limit=limit)
