"""One sequencer batch, pure: apply accepted commands to a book, then settle it on the ledger.

Guarantees:
- Commands apply in the order given (the sequencer passes acceptance-commit order); each yields
  exactly one result, and the outcome names every order whose state changed.
- Settlement of a fill, all from holds and the book's escrow, per asset conserving every unit:
  the buyer's quote hold posts notional + buyer fee into escrow and the seller's base hold posts
  the quantity; escrow pays the base to the buyer and notional - seller fee to the seller. The
  batch's fees go from escrow to the fee account in one transfer (each fill's share is on its
  fill documents). Escrow is read (it is debited); the fee account is credited blind.
- An order that is done (filled, cancelled, rejected) releases what its hold has left: with its
  last fill's post when it filled in this batch (one transfer, not two), else by a void.
- Transfer ids derive from the book and the fill's sequence number, so re-running a batch that
  committed cannot post twice (the ids exist), and one that did not commit posts the same ids.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from shared.domain.accounts import (SystemAccount, receivable_account_id, spread_account_id,
                                    system_account_id, user_account_id)
from shared.domain.exchange.matching import Book, Fill, Order, OrderStatus, Side, TimeInForce
from shared.domain.errors import MintbookError
from shared.domain.exchange.books import BookConfig, CommandType
from shared.domain.ledger import BatchResult, LedgerBatch, Transfer, TransferType

REJECTED = "rejected"


class Command(NamedTuple):
    id: str
    type: CommandType
    owner: str
    order_id: str | None = None
    order: tuple | None = None   # id, owner, side, price, quantity, tif, funds (for place)


@dataclass
class Outcome:
    fills: list[tuple[Fill, Order, Order]] = field(default_factory=list)   # fill, taker, maker
    touched: dict[str, Order] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)                 # order id -> reason
    results: dict[str, str] = field(default_factory=dict)                  # command id -> result
    applied: list[Command] = field(default_factory=list)                   # in order


# Firestore commits at most 500 writes. A fill costs about 20 (four transfers with their journal
# entries, the trade, two fills, both orders and holds), so a batch stops taking commands past
# this many fills; the sequencer then checks the exact count (write_count) and halves the batch
# while it exceeds MAX_WRITES. One order fills at most MAX_FILLS_PER_ORDER (book.py) makers, so it always fits.
MAX_FILLS_PER_BATCH = 20
MAX_WRITES = 480
BOOK_DOCS = 3  # the book state, its depth and its lease


def apply_commands(book: Book, commands: list[Command],
                   max_fills: int = MAX_FILLS_PER_BATCH) -> Outcome:
    """Apply commands in order until `max_fills` is reached; `applied` says how far it got."""
    out = Outcome()
    for c in commands:
        if len(out.fills) >= max_fills:
            break
        out.applied.append(c)
        if c.type is CommandType.PLACE:
            _place(book, c, out)
        elif c.type is CommandType.CANCEL:
            done = book.cancel(c.order_id or "", "cancelled_by_user")
            if done is not None:
                out.touched[done.id] = done
            out.results[c.id] = "cancelled" if done else "not_open"
        else:
            gone = book.cancel_owner(c.owner)
            for o in gone:
                o.reason = "cancelled_by_user"
                out.touched[o.id] = o
            out.results[c.id] = f"cancelled {len(gone)}"
    return out


def _place(book: Book, c: Command, out: Outcome) -> None:
    oid, owner, side, price, quantity, tif, funds = c.order
    order = Order(oid, owner, Side(side), price, quantity, TimeInForce(tif), funds)
    try:
        result = book.submit(order)
    except MintbookError as err:
        out.rejected[oid] = err.code
        out.results[c.id] = REJECTED
        return
    out.touched[oid] = order
    for maker in (*result.makers.values(), *result.cancelled):
        out.touched[maker.id] = maker
    by_id = {oid: order, **result.makers}
    out.fills.extend((f, order, by_id[f.maker_id]) for f in result.fills)
    out.results[c.id] = order.status.value


def write_count(out: Outcome, result: BatchResult) -> int:
    """The documents a batch transaction writes: ledger, orders, commands, prints, book."""
    ledger = (len(result.accounts) + len(result.blind) + len(result.holds)
              + len(result.transfers) + len(result.journal))
    candles = len(CANDLE_SECONDS) if out.fills else 0
    return (ledger + len(out.touched) + len(out.rejected) + len(out.applied)
            + 3 * len(out.fills) + candles + BOOK_DOCS)


def ledger_accounts(config: BookConfig, owners: set[str]) -> list[str]:
    """Every account a batch reads: both escrows, and each participant's two accounts with their
    receivables (credits repay debts first)."""
    ids = [escrow(config, config.base), escrow(config, config.quote)]
    for owner in sorted(owners):
        for asset in (config.base, config.quote):
            ids += [user_account_id(owner, asset), receivable_account_id(owner, asset)]
    return ids


def escrow(config: BookConfig, asset: str) -> str:
    return system_account_id(f"escrow.book.{config.id}", asset)


def settle(batch: LedgerBatch, config: BookConfig, out: Outcome) -> None:
    done = {oid for oid, o in out.touched.items()
            if o.status in (OrderStatus.FILLED, OrderStatus.CANCELLED)} | set(out.rejected)
    last_fill = {oid: n for n, (_, taker, maker) in enumerate(out.fills)
                 for oid in (taker.id, maker.id)}
    fees = 0
    for n, (fill, taker, maker) in enumerate(out.fills):
        final = {oid for oid in (taker.id, maker.id) if oid in done and last_fill[oid] == n}
        fees += _settle_fill(batch, config, fill, taker, maker, final)
    if fees:
        batch.transfer(Transfer(f"{config.id}.{out.fills[0][0].seq}.fees",
                                escrow(config, config.quote),
                                spread_account_id(SystemAccount.FEES, config.id, config.quote), config.quote,
                                fees, TransferType.FEE, reference=config.id))
    for oid in sorted(done):
        if batch.hold_state(oid).remaining > 0:
            batch.void(f"{oid}.release", oid)
    for asset in (config.base, config.quote):
        if batch.account(escrow(config, asset)).balance < 0:  # a bug, never a user error
            raise AssertionError(f"escrow of {config.id} in {asset} would go negative")


def _settle_fill(batch: LedgerBatch, config: BookConfig, fill: Fill, taker: Order,
                 maker: Order, final: set[str]) -> int:
    """Post both holds and pay both sides; the fill's fees (returned) stay in escrow for now.
    Orders in `final` are done and this is their last fill: their posts release the rest."""
    taker_buys = fill.taker_side is Side.BUY
    buyer, seller = (taker, maker) if taker_buys else (maker, taker)
    buyer_fee, seller_fee = ((fill.taker_fee, fill.maker_fee) if taker_buys
                             else (fill.maker_fee, fill.taker_fee))
    fid = f"{config.id}.{fill.seq}"
    notional = fill.price * fill.quantity
    batch.post(f"{fid}.buy", buyer.id, notional + buyer_fee, final=buyer.id in final)
    batch.post(f"{fid}.sell", seller.id, fill.quantity, final=seller.id in final)
    batch.transfer(Transfer(f"{fid}.base", escrow(config, config.base),
                            user_account_id(buyer.owner, config.base), config.base,
                            fill.quantity, TransferType.TRADE, reference=fid))
    if notional > seller_fee:
        batch.transfer(Transfer(f"{fid}.quote", escrow(config, config.quote),
                                user_account_id(seller.owner, config.quote), config.quote,
                                notional - seller_fee, TransferType.TRADE, reference=fid))
    return buyer_fee + seller_fee


CANDLE_SECONDS = {"1m": 60, "1h": 3600, "1d": 86400}


def candle_starts(now_s: int) -> dict[str, int]:
    return {name: now_s - now_s % size for name, size in CANDLE_SECONDS.items()}


def fold_candle(candle: dict | None, trades: list[tuple[int, int]]) -> dict:
    """OHLC plus base and quote volume, extended by (price, quantity) trades in order."""
    c = dict(candle or {"open": trades[0][0], "high": trades[0][0], "low": trades[0][0],
                        "close": trades[0][0], "volume": 0, "quote_volume": 0, "trades": 0})
    for price, quantity in trades:
        c["high"], c["low"], c["close"] = max(c["high"], price), min(c["low"], price), price
        c["volume"] += quantity
        c["quote_volume"] += price * quantity
        c["trades"] += 1
    return c
