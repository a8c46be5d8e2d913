"""Creators run their own page: applications, profile edits, symbol checks, search, follows.

Guarantees:
- A user has at most one application (creator_applications/{uid}); a pending one blocks a second
  (`application_pending`), a rejected one may be replaced. Approval lists the creator exactly
  as admin_list_creator does (services/exchange/creators.list_creator) and then marks the
  application approved; an approval retried after a crash between the two finds the creator
  listed with the applied symbol and only marks it. Rejection records the reason. Both are
  audited.
- Only the creator edits their page, and only its profile sections; every section is bounded in
  size by the request model, so a creator document stays far below 1 MiB.
- `name_lower` (the name in lower case) is kept on the creator document for prefix search; a
  search reads at most `limit` documents per query (symbol prefix, then name prefix).
- Following writes only the follower's own document. The `followers` count on a creator is
  recounted by task_creator_followers (an aggregation count) at most once per FOLLOWERS_S per
  creator, so no document is written per follow that other followers also write; the count
  carries `followers_as_of`. No sweep recounts followers: a lost recount leaves the count as of
  its `followers_as_of` until the creator's next follow or unfollow asks again.
"""
from __future__ import annotations

from datetime import datetime, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.field_path import FieldPath

from shared.domain.accounts import ASSET_CODE
from shared.domain.errors import Conflict, NotFound
from shared.domain.idempotency import Operation
from shared.domain.users import User
from shared.integrations.tasks import wake_at_window_end
from shared.store import exchange as store
from shared.store.assets import ASSETS
from shared.store.client import collection, db
from shared.store.idempotency import run_idempotent
from shared.store.pages import page
from shared.store.transactions import run_transaction
from shared.store.users import record_audit

from shared.services.exchange.creators import (CREATORS, FOLLOWS, PROFILE_FIELDS, SYMBOLS,
                                               get_creator, list_creator)

APPLICATIONS = "creator_applications"
SECTIONS = ("bio", "links", "skills", "achievements", "work_history", "education",
            "content_links")
FOLLOWERS_TASK, FOLLOWERS_S = "task_creator_followers", 2
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


def check_symbol(symbol: str) -> dict:
    """Whether `symbol` could be a new creator token, and why not."""
    if not ASSET_CODE.match(symbol):
        return {"symbol": symbol, "available": False, "reason": "invalid"}
    claimed, asset = db().get_all([collection(SYMBOLS).document(symbol),
                                   collection(ASSETS).document(symbol)])
    taken = claimed.exists or asset.exists
    return {"symbol": symbol, "available": not taken, "reason": "taken" if taken else None}


def apply(op: Operation, user: User, application: dict) -> dict:
    user.require_active()
    ref = collection(APPLICATIONS).document(user.uid)
    symbol = application["symbol"]

    def work(txn: firestore.Transaction) -> dict:
        creator, claimed, existing = (store.ref(CREATORS, user.uid).get(transaction=txn),
                                      store.ref(SYMBOLS, symbol).get(transaction=txn),
                                      ref.get(transaction=txn))
        if creator.exists:
            raise Conflict("you are a creator already", code="creator_exists")
        if claimed.exists:
            raise Conflict(f"the symbol {symbol} is taken", field="symbol", code="symbol_taken")
        if existing.exists and existing.get("status") == PENDING:
            raise Conflict("your application is being reviewed", code="application_pending")
        doc = {**application, "uid": user.uid, "owner": user.uid, "status": PENDING,
               "reason": None, "applied_at": firestore.SERVER_TIMESTAMP}
        txn.set(ref, doc)
        return _application_view(doc)

    return run_idempotent(op, work)


def review(op: Operation, admin: User, uid: str, approve: bool, reason: str) -> dict:
    ref = collection(APPLICATIONS).document(uid)
    snap = ref.get()
    if not snap.exists:
        raise NotFound(f"{uid!r} has not applied", field="uid", code="unknown_application")
    application = snap.to_dict()
    if approve and application["status"] == PENDING:  # a replay finds it reviewed: no listing
        _list(op._replace(name=f"{op.name}.list"), admin, application)

    def work(txn: firestore.Transaction) -> dict:
        current = ref.get(transaction=txn).to_dict()
        if current["status"] != PENDING:
            raise Conflict(f"the application was {current['status']} already",
                           code="application_reviewed")
        status = APPROVED if approve else REJECTED
        txn.update(ref, {"status": status, "reason": reason, "reviewed_by": admin.uid,
                         "reviewed_at": firestore.SERVER_TIMESTAMP})
        record_audit(txn, actor=admin.uid, action=f"{status}_creator_application", target=uid,
                     reason=reason, after={"symbol": current["symbol"]})
        return _application_view({**current, "status": status, "reason": reason})

    return run_idempotent(op, work)


def _list(op: Operation, admin: User, application: dict) -> None:
    """List the applicant as admin_list_creator does; already listed with this symbol is done."""
    profile = {k: application.get(k) for k in PROFILE_FIELDS}
    try:
        list_creator(op, admin, profile)
    except Conflict:
        listed = store.ref(CREATORS, application["uid"]).get()
        if not (listed.exists and listed.get("symbol") == application["symbol"]):
            raise


def update_profile(user: User, changes: dict) -> dict:
    """The creator edits their own page's sections (and nothing else)."""
    ref = store.ref(CREATORS, user.uid)

    def work(txn: firestore.Transaction) -> dict:
        snap = ref.get(transaction=txn)
        if not snap.exists:
            raise NotFound("you are not a creator", code="unknown_creator")
        edited = {k: v for k, v in changes.items() if k in SECTIONS}
        if edited:  # an empty edit changes nothing (and Firestore refuses an empty update)
            txn.update(ref, edited)
        return snap.to_dict() | edited   # the page as committed: no second read

    return page_view(run_transaction(work))


def search(query: str, limit: int) -> dict:
    """Creators whose symbol starts with the query (in upper case), then whose name does (in
    lower case); each creator once, at most `limit`."""
    found: dict[str, dict] = {}
    for field, prefix in (("symbol", query.upper()), ("name_lower", query.lower())):
        docs = (collection(CREATORS).where(filter=FieldFilter(field, ">=", prefix))
                .where(filter=FieldFilter(field, "<", prefix + "\uf8ff"))
                .order_by(field).limit(limit).stream())
        for d in docs:
            if len(found) < limit:
                found.setdefault(d.id, page_view(d.to_dict()))
    return {"items": list(found.values())}


def followed(user: User, cursor: str | None, limit: int) -> dict:
    query = (collection(FOLLOWS).where(filter=FieldFilter("owner", "==", user.uid))
             .order_by(FieldPath.document_id()))
    docs, next_cursor = page(query, FOLLOWS, cursor, limit)
    refs = [collection(CREATORS).document(d.get("creator")) for d in docs]
    creators = {s.id: s.to_dict() for s in db().get_all(refs) if s.exists} if refs else {}
    return {"items": [page_view(creators[r.id]) for r in refs if r.id in creators],
            "next_cursor": next_cursor}


def follow(user: User, creator_uid: str, on: bool) -> dict:
    """Follow or unfollow: the follower's own document, keyed (follower, creator), so following
    twice is one follow; then a recount of the creator's followers is asked for."""
    creator = get_creator(creator_uid)
    ref = store.ref(FOLLOWS, f"{user.uid}_{creator_uid}")
    if on:
        # the book and symbol never change: the feed reads them here, not from the creator
        ref.set({"owner": user.uid, "creator": creator_uid, "book": creator["book"],
                 "symbol": creator["symbol"], "created_at": firestore.SERVER_TIMESTAMP})
    else:
        ref.delete()
    wake_at_window_end(FOLLOWERS_TASK, f"followers-{creator_uid}", {"creator": creator_uid},
                       FOLLOWERS_S)
    return {"creator": creator_uid, "following": on}


def recount_followers(creator_uid: str) -> dict:
    """The task's work: count the creator's followers now and store the count (the creator's
    document, then a count: a read per 1,000 followers)."""
    if "/" in creator_uid or not store.ref(CREATORS, creator_uid).get().exists:
        raise NotFound("no such creator", field="uid", code="unknown_creator")
    as_of = datetime.now(timezone.utc)
    counted = (collection(FOLLOWS).where(filter=FieldFilter("creator", "==", creator_uid))
               .count().get())
    followers = int(counted[0][0].value)
    store.ref(CREATORS, creator_uid).update({"followers": followers, "followers_as_of": as_of})
    return {"creator": creator_uid, "followers": followers, "as_of": as_of.isoformat()}


def page_view(data: dict) -> dict:
    return {**{k: data.get(k) for k in (*PROFILE_FIELDS, "book")},
            **{k: data.get(k) or ([] if k != "bio" else "") for k in SECTIONS},
            "followers": data.get("followers", 0), "followers_as_of": data.get("followers_as_of")}


def _application_view(doc: dict) -> dict:
    return {k: doc.get(k) for k in ("uid", "symbol", "name", "bio", "links", "categories",
                                    "initial_supply", "status", "reason")}
