"""Peer-to-peer swaps: create (hold), execute (fully or in part), cancel (void), list, volume.

Guarantees:
- Creating an offer checks its rate against the market rate (band SWAP_BAND_BPS, default 10%)
  and holds the offered amount on the maker's account, credited pending to the offer's own escrow
  account "sys.swap.<offer id>:<ASSET>", in one transaction with the offer document.
- An execution is ONE transaction: it reads the offer, its hold, the escrow, the maker's and the
  taker's debited accounts; posts the taken part of the hold to the escrow and passes it on to the
  taker, pays the maker from the taker, and charges the taker a fee (SWAP_FEE_BPS of the payment,
  rounded up) to the fee account blind. Two takers racing for one offer both read its document,
  so Firestore serializes them: the second sees what the first took and never overfills it; it
  is told offer_not_open or offer_insufficient_remaining (409).
- Cancelling voids what is left of the hold; a filled or cancelled offer refuses both.
- Volume is counted per canonical pair and UTC day in sharded counters, blind.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from google.cloud import firestore

from shared.config import settings
from shared.domain.accounts import (SystemAccount, spread_account_id, system_account_id,
                                    user_account_id)
from shared.domain.errors import Forbidden, InvalidInput, NotFound
from shared.domain.idempotency import Operation
from shared.domain.ledger import LedgerBatch, Transfer, TransferType
from shared.domain.money import fee_for
from shared.domain.notices import SWAP_OFFER_TAKEN
from shared.domain.swaps import SwapOffer, cancel, check_band, fill, new_offer
from shared.domain.users import User
from shared.store import ledger as ledger_store
from shared.store import swaps as store
from shared.store.assets import get_asset
from shared.store.idempotency import record
from shared.store.pages import page
from shared.store.transactions import run_transaction

from shared.services import notices
from shared.services.prices import market
from shared.services.accounts import reads_for


def escrow_account(offer_id: str, asset: str) -> str:
    return system_account_id(f"swap.{offer_id}", asset)


def create_offer(op: Operation, maker: User, give_asset: str, give_amount: int, want_asset: str,
                 want_amount: int, allow_partial: bool) -> dict:
    offer = new_offer(op.id, maker.uid, get_asset(give_asset).code, give_amount,
                      get_asset(want_asset).code, want_amount, allow_partial)
    maker.require_active()
    check_band(give_amount, want_amount, market.rate(give_asset, want_asset),
               settings().swap_band_bps)
    source = user_account_id(maker.uid, give_asset)

    def work(txn: firestore.Transaction) -> dict:
        read = ledger_store.read(txn, [source], operation=op)
        if read.replay is not None:
            return read.replay
        batch = LedgerBatch(read.accounts)
        batch.hold(Transfer(id=offer.id, debit_account_id=source,
                            credit_account_id=escrow_account(offer.id, give_asset),
                            asset=give_asset, amount=give_amount, type=TransferType.SWAP,
                            reference=offer.id, memo=f"swap offer: {give_asset} for {want_asset}",
                            pending=True))
        ledger_store.write(txn, batch.result)
        store.save_offer(txn, offer, created=True)
        return record(txn, op, offer_view(offer))

    return run_transaction(work, serialize_on=[source])


def execute(op: Operation, taker: User, offer_id: str, amount: int | None) -> dict:
    taker.require_active()

    def work(txn: firestore.Transaction) -> dict:
        found = ledger_store.read(txn, other_paths=[store.offer_path(offer_id)], operation=op)
        if found.replay is not None:
            return found.replay
        offer = _offer(found.others[store.offer_path(offer_id)])
        if offer.maker == taker.uid:
            raise Forbidden("you cannot take your own offer", field="offer_id",
                            code="cannot_take_own_offer")
        result = fill(offer, amount)
        fee = fee_for(result.pay, settings().swap_fee_bps)
        batch = _settle(txn, op, offer, result.give, result.pay, fee, taker.uid,
                        final=result.offer.remaining == 0)
        ledger_store.write(txn, batch.result)
        store.save_offer(txn, result.offer)
        store.add_volume(txn, offer, result.give, result.pay,
                         datetime.now(timezone.utc).strftime("%Y-%m-%dT%H"), taker.uid)
        notices.write(txn, offer.maker, SWAP_OFFER_TAKEN, op.id, offer_id=offer.id,
                      give_asset=offer.give_asset, gave=result.give,
                      want_asset=offer.want_asset, received=result.pay,
                      remaining=result.offer.remaining)
        return record(txn, op, {"offer": offer_view(result.offer), "received": result.give,
                                "paid": result.pay, "fee": fee,
                                "transfer_id": f"{op.id}.pay"})

    return run_transaction(work, serialize_on=[store.offer_path(offer_id)])


def _settle(txn: firestore.Transaction, op: Operation, offer: SwapOffer, give: int, pay: int,
            fee: int, taker: str, *, final: bool) -> LedgerBatch:
    """Post the hold to the escrow, pass it to the taker, pay the maker, charge the fee."""
    escrow = escrow_account(offer.id, offer.give_asset)
    maker_give, maker_want = (user_account_id(offer.maker, a) for a in (offer.give_asset, offer.want_asset))
    taker_give, taker_want = (user_account_id(taker, a) for a in (offer.give_asset, offer.want_asset))
    fees = spread_account_id(SystemAccount.FEES, taker, offer.want_asset)  # the taker's share
    # The escrow is this offer's alone, so reading it contends only with this offer's takers.
    read = ledger_store.read(txn, [escrow, *reads_for(debited=[maker_give, taker_want],
                                                      credited=[taker_give, maker_want])],
                             hold_ids=[offer.id])
    batch = LedgerBatch(read.accounts, read.holds)
    batch.post(f"{op.id}.post", offer.id, give, final=final)
    batch.transfer(Transfer(id=f"{op.id}.give", debit_account_id=escrow,
                            credit_account_id=taker_give, asset=offer.give_asset, amount=give,
                            type=TransferType.SWAP, reference=offer.id, memo="swap: received"))
    batch.transfer(Transfer(id=f"{op.id}.pay", debit_account_id=taker_want,
                            credit_account_id=maker_want, asset=offer.want_asset, amount=pay,
                            type=TransferType.SWAP, reference=offer.id, memo="swap: paid"))
    if fee:
        batch.transfer(Transfer(id=f"{op.id}.fee", debit_account_id=taker_want,
                                credit_account_id=fees, asset=offer.want_asset, amount=fee,
                                type=TransferType.FEE, reference=offer.id, memo="swap fee"))
    return batch


def cancel_offer(op: Operation, maker: User, offer_id: str) -> dict:
    def work(txn: firestore.Transaction) -> dict:
        found = ledger_store.read(txn, other_paths=[store.offer_path(offer_id)], operation=op)
        if found.replay is not None:
            return found.replay
        offer = _offer(found.others[store.offer_path(offer_id)])
        cancelled = cancel(offer, maker.uid)
        read = ledger_store.read(txn, [user_account_id(offer.maker, offer.give_asset)],
                                 hold_ids=[offer.id])
        batch = LedgerBatch(read.accounts, read.holds)
        batch.void(f"{offer.id}.void", offer.id)
        ledger_store.write(txn, batch.result)
        store.save_offer(txn, cancelled)
        return record(txn, op, offer_view(cancelled))

    return run_transaction(work, serialize_on=[store.offer_path(offer_id)])


def list_offers(status: str | None, give_asset: str | None, want_asset: str | None,
                maker: str | None, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    docs, next_cursor = page(store.offers_query(status, give_asset, want_asset, maker),
                             store.OFFERS, cursor, limit)
    return [offer_view(store.offer_from(d.to_dict())) for d in docs], next_cursor


VOLUME_DAYS = 30       # the range get_swap_volume answers when it is not given one
MAX_VOLUME_DAYS = 366  # the longest range it answers


def volume(asset_a: str, asset_b: str, since: str | None, until: str | None) -> dict:
    """The pair's volume per day from `since` through `until` (UTC days): by default the
    VOLUME_DAYS days up to `until` (today by default), at most MAX_VOLUME_DAYS."""
    base, quote = sorted((get_asset(asset_a).code, get_asset(asset_b).code))
    last = _day(until, "until") if until else datetime.now(timezone.utc).date()
    first = _day(since, "since") if since else last - timedelta(days=VOLUME_DAYS - 1)
    if first > last or (last - first).days >= MAX_VOLUME_DAYS:
        raise InvalidInput(f"since must be at most {MAX_VOLUME_DAYS} days before until, and "
                           "not after it", field="since", code="invalid_range")
    days: dict[str, dict] = {}
    for row in store.volume_rows(f"{base}-{quote}", first.isoformat(), last.isoformat()):
        day = days.setdefault(row["day"], {"day": row["day"], "base_volume": 0,
                                           "quote_volume": 0, "fills": 0})
        for name in ("base_volume", "quote_volume", "fills"):
            day[name] += int(row.get(name, 0))
    return {"base": base, "quote": quote, "days": [days[d] for d in sorted(days)]}


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field} is not a date", field=field, code="invalid_range") from None


def offer_view(o: SwapOffer) -> dict:
    return {"id": o.id, "maker": o.maker, "give_asset": o.give_asset, "give_amount": o.give_amount,
            "want_asset": o.want_asset, "want_amount": o.want_amount,
            "allow_partial": o.allow_partial, "given": o.given, "received": o.received,
            "remaining": o.remaining, "status": o.status.value}


def _offer(data: dict | None) -> SwapOffer:
    if data is None:
        raise NotFound("no such offer", field="offer_id", code="offer_not_found")
    return store.offer_from(data)
