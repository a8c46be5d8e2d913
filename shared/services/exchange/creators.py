"""Creators and their tokens: listing (admin), profiles, token stats, holders, follows and feed.

Guarantees:
- Listing a creator is one transaction: the creator profile, the unique symbol claim, the token
  asset (its supply capped at the initial supply), the initial supply minted from issuance to the
  creator, and the token's book against the platform token. A symbol is listed at most once.
- News is posted by the creator (or an admin), once per Idempotency-Key; the feed merges the
  followed creators' trades and news, newest first.
- Token stats come from committed market data: the last price from depth, 24 h change and volume
  from the hourly candles; the change is in basis points, an integer.
"""
from __future__ import annotations

import time

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.config import settings
from shared.domain.accounts import AccountKind, SystemAccount, system_account_id, user_account_id
from shared.domain.assets import Asset, AssetKind
from shared.domain.discovery import sentiment
from shared.domain.errors import Conflict, Forbidden, NotFound
from shared.domain.exchange.books import BookConfig, book_id_for
from shared.domain.idempotency import Operation
from shared.domain.ledger import LedgerBatch, Transfer, TransferType
from shared.domain.users import Role, User
from shared.store import exchange as store
from shared.store import ledger as ledger_store
from shared.store.assets import ASSETS, asset_doc, forget_cache
from shared.store.client import collection, db
from shared.store.idempotency import record, run_idempotent
from shared.store.pages import page
from shared.store.transactions import run_transaction
from shared.store.users import get_user, record_audit

from shared.services.accounts import reads_for

CREATORS, SYMBOLS, FOLLOWS, NEWS = "creators", "creator_symbols", "creator_follows", "creator_news"
FEED_CREATORS = 30  # the feed's creators: an `in` filter takes at most 30 values
PROFILE_FIELDS = ("uid", "symbol", "name", "bio", "links", "categories", "initial_supply")


def list_creator(op: Operation, admin: User, profile: dict) -> dict:
    uid, symbol, supply = profile["uid"], profile["symbol"], profile["initial_supply"]
    if get_user(uid) is None:
        raise NotFound(f"no user {uid!r}", field="uid", code="unknown_user")
    quote = settings().platform_asset
    book = BookConfig(book_id_for(symbol, quote), symbol, quote)
    token = Asset(symbol, profile["name"], 0, AssetKind.CREATOR, supply_cap=supply)
    account = user_account_id(uid, symbol)
    issuance = system_account_id(SystemAccount.ISSUANCE, symbol)
    refs = {"creator": store.ref(CREATORS, uid), "symbol": store.ref(SYMBOLS, symbol),
            "asset": store.ref(ASSETS, symbol), "book": store.ref(store.BOOKS, book.id)}

    def work(txn: firestore.Transaction) -> dict:
        read = ledger_store.read(txn, reads_for(credited=[account]), operation=op,
                                 other_paths=[r.path for r in refs.values()])
        if read.replay is not None:
            return read.replay
        for name, ref in refs.items():
            if read.others[ref.path] is not None:
                raise Conflict(f"{name} {ref.id} exists", field="symbol" if name != "creator"
                               else "uid", code="creator_exists" if name == "creator"
                               else "symbol_taken")
        batch = LedgerBatch(read.accounts)
        batch.transfer(Transfer(op.id, issuance, account, symbol, supply, TransferType.ADJUSTMENT,
                                reference=uid, memo="initial supply"))
        ledger_store.write(txn, batch.result)
        view = {k: profile[k] for k in PROFILE_FIELDS} | {"book": book.id}
        txn.create(refs["creator"], view | {"name_lower": view["name"].lower(), "followers": 0,
                                            "created_at": firestore.SERVER_TIMESTAMP})
        txn.create(refs["symbol"], {"uid": uid})
        txn.create(refs["asset"], asset_doc(token))
        txn.create(refs["book"], book.as_dict() | {"version": 1,
                                                   "created_at": firestore.SERVER_TIMESTAMP})
        record_audit(txn, actor=admin.uid, action="list_creator", target=uid,
                     reason="creator listing", after=view)
        return record(txn, op, view)

    listed = run_transaction(work, serialize_on=[account])
    forget_cache()
    store.forget_cache()
    return listed


def list_creators(category: str | None, cursor: str | None, limit: int) -> dict:
    query = collection(CREATORS)
    if category:
        query = query.where(filter=FieldFilter("categories", "array_contains", category))
    query = query.order_by("symbol")
    docs, next_cursor = page(query, CREATORS, cursor, limit)
    return {"items": [_profile(d.to_dict()) for d in docs], "next_cursor": next_cursor}


def get_creator(uid: str) -> dict:
    snap = store.ref(CREATORS, uid).get() if "/" not in uid else None
    if snap is None or not snap.exists:
        raise NotFound("no such creator", field="uid", code="unknown_creator")
    data = snap.to_dict()
    return _profile(data) | {"token": token_stats(data["book"])}


def token_stats(book_id: str) -> dict:
    depth = store.ref(store.DEPTH, book_id).get()
    now = int(time.time())
    candles = [s.to_dict() for s in collection(store.CANDLES)
               .where(filter=FieldFilter("book", "==", book_id))
               .where(filter=FieldFilter("interval", "==", "1h"))
               .where(filter=FieldFilter("start", ">", now - 86_400)).order_by("start").stream()]
    volume = sum(c["volume"] for c in candles)
    change_bps = None
    if candles and candles[0]["open"]:
        change_bps = (candles[-1]["close"] - candles[0]["open"]) * 10_000 // candles[0]["open"]
    # A book with resting orders but no trade yet has depth without a last price.
    return {"book": book_id, "last_price": (depth.to_dict() or {}).get("last_price"),
            "change_24h_bps": change_bps, "volume_24h": volume,
            "quote_volume_24h": sum(c["quote_volume"] for c in candles),
            "sentiment_24h": sentiment(sum(c.get("taker_buy_volume", 0) for c in candles),
                                       sum(c.get("taker_sell_volume", 0) for c in candles))}


def holders(symbol: str, limit: int) -> dict:
    """Top holders with their share of supply (parts per million): one page of the token's
    user accounts ordered by their stored `balance` (shared/store/ledger.account_doc), plus the
    issuance account for the supply; limit + 1 reads whatever the number of holders. Ties go
    to the higher account id (Firestore's order within equal values of a descending sort)."""
    top = (collection(ledger_store.ACCOUNTS)
           .where(filter=FieldFilter("asset", "==", symbol))
           .where(filter=FieldFilter("kind", "==", AccountKind.USER.value))
           .where(filter=FieldFilter(ledger_store.BALANCE, ">", 0))
           .order_by(ledger_store.BALANCE, direction=firestore.Query.DESCENDING).limit(limit))
    issuance = system_account_id(SystemAccount.ISSUANCE, symbol)
    supply = -ledger_store.account_from(issuance, _stored(issuance)).balance
    rows = [ledger_store.account_from(s.id, s.to_dict()) for s in top.stream()]
    return {"symbol": symbol, "supply": supply, "items": [
        {"uid": a.owner, "balance": a.balance,
         "share_ppm": a.balance * 1_000_000 // supply if supply else 0} for a in rows]}


def _stored(account_id: str) -> dict | None:
    snap = collection(ledger_store.ACCOUNTS).document(account_id).get()
    return snap.to_dict() if snap.exists else None


def post_news(op: Operation, author: User, creator_uid: str, item: dict) -> dict:
    """A news item on a creator's page; only the creator or an admin may post it."""
    if creator_uid != author.uid and not author.at_least(Role.ADMIN):
        raise Forbidden("only the creator or an admin posts a creator's news", field="creator",
                        code="not_the_creator")
    creator = get_creator(creator_uid)
    doc = {"creator": creator_uid, "symbol": creator["symbol"], "book": creator["book"],
           "author": author.uid, "title": item["title"], "body": item.get("body", ""),
           "url": item.get("url") or None}

    def work(txn: firestore.Transaction) -> dict:
        txn.create(store.ref(NEWS, op.id), doc | {"at": firestore.SERVER_TIMESTAMP})
        return {"id": op.id, **doc}

    return run_idempotent(op, work)


def feed(user: User, limit: int) -> dict:
    """The newest trades and news of the creators the user follows (at most FEED_CREATORS).

    Reads at most FEED_CREATORS follow documents (each carries its creator's book and symbol,
    which never change, so no creator document is read; a follow written before they were
    stored is completed from its creator, in one get_all), then a page of trades and a page
    of news, merged: 2 * limit + FEED_CREATORS, whatever the number of trades or news."""
    follows = [f.to_dict() for f in collection(FOLLOWS)
               .where(filter=FieldFilter("owner", "==", user.uid))
               .select(["creator", "book", "symbol"]).limit(FEED_CREATORS).stream()]
    older = [store.ref(CREATORS, f["creator"]) for f in follows if not f.get("book")]
    found = {s.id: s.to_dict() for s in db().get_all(older) if s.exists} if older else {}
    followed = {f["creator"]: (f["book"], f["symbol"]) for f in follows if f.get("book")}
    followed |= {uid: (c["book"], c["symbol"]) for uid, c in found.items()}
    if not followed:
        return {"items": []}
    symbols = dict(followed.values())
    newest = firestore.Query.DESCENDING
    trades = (collection(store.TRADES).where(filter=FieldFilter("book", "in", list(symbols)))
              .order_by("at", direction=newest).limit(limit).stream())
    news = (collection(NEWS).where(filter=FieldFilter("creator", "in", list(followed)))
            .order_by("at", direction=newest).limit(limit).stream())
    items = ([t.to_dict() | {"kind": "trade", "symbol": symbols[t.get("book")]} for t in trades]
             + [n.to_dict() | {"kind": "news", "id": n.id} for n in news])
    items.sort(key=lambda i: i["at"], reverse=True)
    return {"items": items[:limit]}


def _profile(data: dict) -> dict:
    return {k: data.get(k) for k in (*PROFILE_FIELDS, "book")}
