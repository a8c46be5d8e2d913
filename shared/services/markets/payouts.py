"""Settlement steps: what one transaction of a market's settlement does to the ledger.

Each step is the body of one transaction run by services/markets/settlement.py, which reads
and checks the partition's progress in the same transaction (so a step commits once however
often a task is delivered) and counts the writes before committing (within 500 and 5 MiB).

Guarantees:
- Every transfer id is derived from the market and the hold, escrow or user it settles
  (post/void: the hold; gather: the escrow; payout: market and user; balance: market and
  partition; cut: the market), so even a step replayed against the ledger could not
  double-post.
- holds: each hold of the entries is posted (final) into its forecaster's escrow or voided
  (refunded); on a forecaster's last entry their escrow (read, since it is debited) moves what
  was posted into the partition's pool, credited blind once per step; their forecast gets its
  result, payout and score; their reputation record (read) is updated, with any badge whose
  threshold it crosses (services/markets/badges.py), and their notification written once. The
  forecast document is read too: a flagged forecast (services/markets/corrections.py) leaves
  the record as it is and its reputation event changes nothing, in the same transaction that
  a flag would conflict with.
- balance: once every partition's holds are settled, the main pool takes each partition pool's
  surplus over what its winners are due and covers each shortfall, then pays the platform cut:
  every pool then holds exactly what it pays, and the main pool nothing.
- payouts: the partition's pool (read) pays each winner; it never goes below zero.
- stragglers: holds still pending at the end (commits that raced a cancellation) are voided.
"""
from __future__ import annotations

from google.cloud import firestore

from shared.domain.accounts import SystemAccount, spread_account_id, user_account_id
from shared.domain.errors import Rejected
from shared.domain.idempotency import derive_id
from shared.domain.ledger import HoldStatus, LedgerBatch, Transfer, TransferType
from shared.domain.markets.market import Market, pool_account_id
from shared.domain.markets.settlement import payout
from shared.domain.markets.social import (CategoryRecord, Contribution, Record, badges_crossed,
                                          clamp_in)
from shared.store import ledger as ledger_store
from shared.store import wire
from shared.store.changes import feed_fields
from shared.store.markets import market as store
from shared.store.client import collection

from shared.services import notices
from shared.services.accounts import reads_for
from shared.services.markets.badges import award_in

NOTIFICATIONS = "notifications"


def settle_holds(txn: firestore.Transaction, market: Market, partition: int,
                 entries: list[dict]) -> None:
    """The holds step over `entries` (entry documents with their payouts: `with_payouts`)."""
    uids = list(dict.fromkeys(e["uid"] for e in entries))
    accounts = [user_account_id(u, market.asset) for u in uids]
    escrows = [market.escrow_account(u) for u in uids]
    scored = [e["uid"] for e in entries if e["last"] and e["result"] != "void"]
    records = {u: collection(store.REPUTATION).document(u) for u in scored}
    forecasts = {u: collection(store.FORECASTS).document(store.forecast_id(market.id, u))
                 for u in scored}  # read for its flag: a flagged forecast counts nothing
    read = ledger_store.read(txn, accounts + escrows,
                             hold_ids=[h["hold_id"] for e in entries for h in e["holds"]],
                             other_paths=[r.path for r in [*records.values(),
                                                           *forecasts.values()]])
    batch = LedgerBatch(read.accounts, read.holds)
    pool = pool_account_id(market.id, market.asset, partition)
    for e in entries:
        for h in e["holds"]:
            _settle_hold(batch, h["hold_id"], h["action"])
        if e["last"]:
            escrow = market.escrow_account(e["uid"])
            staked = batch.account(escrow).balance
            if staked > 0:
                batch.transfer(Transfer(id=derive_id("gather", escrow), debit_account_id=escrow,
                                        credit_account_id=pool, asset=market.asset,
                                        amount=staked, type=TransferType.PAYOUT,
                                        reference=market.id, memo="gather"))
            ref, forecast = records.get(e["uid"]), forecasts.get(e["uid"])
            _record_result(txn, market, e, ref, read.others.get(ref.path) if ref else None,
                           bool((read.others.get(forecast.path) or {}).get("flagged"))
                           if forecast else False)
    ledger_store.write(txn, batch.result)


def _settle_hold(batch: LedgerBatch, hold_id: str, action: str) -> None:
    """Post or void what the commit's hold has left; settling it again changes nothing."""
    hold = batch.hold_state(hold_id)
    if hold.status is HoldStatus.PENDING:
        if action == "post":
            batch.post(derive_id("post", hold_id), hold_id, hold.remaining, final=True)
        else:
            batch.void(derive_id("void", hold_id), hold_id)


def _record_result(txn: firestore.Transaction, market: Market, e: dict,
                   ref: firestore.DocumentReference | None, record: dict | None,
                   flagged: bool) -> None:
    uid, result = e["uid"], e["result"]
    paid = e.get("payout", 0)
    outcome = {"result": result, "payout": paid, "score_ppm": e["score_ppm"],
               "refunded": e["refunded"], "settled_at": firestore.SERVER_TIMESTAMP}
    if ref is not None:
        net = paid - e["stake"]
        raw = Contribution(e["score_ppm"], net, 1, int(result == "won"))
        counted = Contribution() if flagged else clamp_in(record, market.category.value, raw)
        if not flagged:
            before = Record(**{k: int(v) for k, v in (record or {}).items()
                               if k in Record._fields})
            after = before.after(result, counted.score_ppm, net)
            categories = _categories_after(record, market.category.value, result,
                                           counted.score_ppm, net)
            wire.set(txn, ref, {"owner": uid, **after._asdict(),
                                **({"categories": categories} if categories is not None else {}),
                                "updated_at": firestore.SERVER_TIMESTAMP})
            for badge in badges_crossed(before, after):
                award_in(txn, uid, badge, market_id=market.id, market_title=market.title)
        wire.set(txn, collection(store.REPUTATION_EVENTS).document(
                     store.forecast_id(market.id, uid)),
                 {"owner": uid, "market_id": market.id, "category": market.category.value,
                  "result": result, **counted._asdict(), "excluded": flagged,
                  "weighted_score_ppm": e["score_ppm"], "at": firestore.SERVER_TIMESTAMP,
                  **feed_fields(store.REPUTATION_FEED, store.forecast_id(market.id, uid))})
        # The forecast shows what counted, and keeps what it would count (a cleared flag adds it)
        outcome |= {"score_ppm": counted.score_ppm, **kept(counted, raw)}
    wire.merge(txn, collection(store.FORECASTS).document(store.forecast_id(market.id, uid)),
               outcome)
    wire.set(txn, collection(NOTIFICATIONS).document(derive_id("settled", market.id, uid)),
             notices.doc(uid, "market_resolved" if result != "void" else "forecast_refunded",
                         market_id=market.id, market_title=market.title, result=result,
                         payout=paid, refunded=e["refunded"]))


def kept(counted: Contribution, weighted: Contribution) -> dict:
    """The forecast's flat fields for what it counts now and what it counts unflagged."""
    return {**{f"counted_{k}": v for k, v in counted._asdict().items()},
            **{f"weighted_{k}": v for k, v in weighted._asdict().items()}}


def _categories_after(record: dict | None, category: str, result: str, score_ppm: int,
                      net: int) -> dict | None:
    """The record's per-category rows with this result added. A record written before rows were
    kept (it has forecasts but no rows) keeps none: get_reputation then sums its events."""
    record = record or {}
    if int(record.get("resolved", 0)) and "categories" not in record:
        return None
    rows = {c: CategoryRecord(**{k: int(v) for k, v in row.items()})
            for c, row in (record.get("categories") or {}).items()}
    rows[category] = rows.get(category, CategoryRecord()).after(result, score_ppm, net)
    return {c: row._asdict() for c, row in rows.items()}


def with_payouts(entries: list[dict], threshold: str) -> list[dict]:
    """The entries with each winner's payout (floor, plus a leftover unit by rank)."""
    return [{**e, "payout": payout(e["floor"], e["rank"], threshold)} if e.get("wins") else e
            for e in entries]


def pay(txn: firestore.Transaction, market: Market, partition: int, entries: list[dict]) -> None:
    """The payouts step: the partition's pool pays each winner of `entries` (with payouts)."""
    pool = pool_account_id(market.id, market.asset, partition)
    winners = [user_account_id(e["uid"], market.asset) for e in entries]
    read = ledger_store.read(txn, [pool, *reads_for(credited=winners)])
    batch = LedgerBatch(read.accounts)
    due = sum(e["payout"] for e in entries)
    if batch.account(pool).balance < due:
        raise Rejected(f"the pool holds {batch.account(pool).balance}, the step pays {due}",
                       code="settlement_shortfall")
    for e, account in zip(entries, winners):
        if e["payout"] > 0:
            batch.transfer(Transfer(id=derive_id("payout", market.id, e["uid"]),
                                    debit_account_id=pool, credit_account_id=account,
                                    asset=market.asset, amount=e["payout"],
                                    type=TransferType.PAYOUT, reference=market.id))
    ledger_store.write(txn, batch.result)


def balance(txn: firestore.Transaction, market: Market, due_by: list[int], cut: int) -> None:
    """Move money between the partitions' pools and the main pool so that each holds what it
    pays; the main pool pays the cut and ends empty."""
    main = pool_account_id(market.id, market.asset)
    shards = [pool_account_id(market.id, market.asset, p) for p in range(len(due_by))]
    batch = LedgerBatch(ledger_store.read(txn, [main, *shards]).accounts)
    surplus = [batch.account(s).balance - due for s, due in zip(shards, due_by)]
    moves = [(s, main, d) for s, d in zip(shards, surplus) if d > 0]
    moves += [(main, s, -d) for s, d in zip(shards, surplus) if d < 0]
    for debit, credit, amount in moves:
        shard = debit if credit == main else credit
        batch.transfer(Transfer(id=derive_id("balance", market.id, shard), asset=market.asset,
                                debit_account_id=debit, credit_account_id=credit, amount=amount,
                                type=TransferType.PAYOUT, reference=market.id, memo="balance"))
    if cut:
        batch.transfer(Transfer(id=derive_id("cut", market.id), debit_account_id=main,
                                credit_account_id=spread_account_id(SystemAccount.FEES, market.id,
                                                                    market.asset),
                                asset=market.asset, amount=cut, type=TransferType.FEE,
                                reference=market.id))
    left = batch.account(main).balance
    if left != 0 or any(batch.account(s).balance < due for s, due in zip(shards, due_by)):
        raise Rejected(f"the pools do not hold what the plan pays (main pool left with {left})",
                       code="settlement_shortfall")
    ledger_store.write(txn, batch.result)


def void_stragglers(txn: firestore.Transaction, hold_ids: list[str]) -> None:
    """Void holds still pending at the end of settlement (commits that raced a cancellation)."""
    holds = ledger_store.read(txn, hold_ids=hold_ids).holds
    accounts = ledger_store.read(txn, sorted({h.debit_account_id for h in holds.values()}))
    batch = LedgerBatch(accounts.accounts, holds)
    for hold_id in holds:
        _settle_hold(batch, hold_id, "void")
    ledger_store.write(txn, batch.result)
