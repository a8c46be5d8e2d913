"""One sequencer batch, pure: apply accepted commands to a book, then settle it on the ledger.

Guarantees:
- Commands apply in the order given (the sequencer passes acceptance-commit order); each yields
  exactly one result, and the outcome names every order whose state changed.
- Bounded steps: a batch spends at most its budget (fills and cancels), so its writes stay within
  one transaction whatever a command does; a command that needs more (a sweep of many makers, a
  cancel_all of many orders, many self-trade cancels) is left `paused` and the next step, which
  starts with it before any other command, goes on exactly where it stopped.
- Settlement of a fill, all from holds and each trader's own escrow in the book, per asset
  conserving every unit: the buyer's quote hold posts notional + buyer fee into the buyer's
  escrow and the seller's base hold posts the quantity into the seller's; the seller's escrow
  pays the base to the buyer and the buyer's pays notional - seller fee to the seller and both
  fees to the book's fee share, one transfer per buyer per batch (each fill's share is on its
  fill documents). So an escrow pays out exactly what its owner's holds posted into it, and
  placing an order (a hold) writes only its owner's documents. Escrows are read (they are
  debited); the fee share is credited blind.
- An order that is done (filled, cancelled, rejected) releases what its hold has left: with its
  last fill's post when it filled in this batch (one transfer, not two), else by a void.
- Transfer ids derive from the book and the fill's sequence number (fill_key, hash-led), so
  re-running a batch that committed cannot post twice (the ids exist), and one that did not
  commit posts the same ids.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from shared.domain.accounts import (SystemAccount, receivable_account_id, spread_account_id,
                                    user_account_id)
from shared.domain.exchange.matching import Book, Fill, Order, OrderStatus, Side, TimeInForce
from shared.domain.errors import MintbookError
from shared.domain.exchange.books import BookConfig, CommandType, escrow_account_id, fill_key
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
    paused: Command | None = None   # the last applied command, not finished: the next step's
    work: int = 0                   # budget units spent
    owners: set[str] = field(default_factory=set)   # traders charged OWNER_COST so far


# Firestore commits at most 500 writes. A step's budget is an estimate of its writes: a fill
# about 20 (four transfers with their journal entries, the trade, two fills, both orders and
# holds), a cancel, a rejection or an order ending cancelled about 6 (the order, a void with its
# journal entry), and any command 2 (itself and its order). An estimate short of the truth
# costs a halving, which rebuilds the book from its documents: keep it on the safe side. A command that needs more than a step continues in the next
# one (`paused`); the sequencer checks the exact count (write_count) and halves the step while
# it exceeds MAX_WRITES.
STEP_BUDGET = 440
FILL_COST, CANCEL_COST, COMMAND_COST = 20, 6, 2
# Each trader a step touches adds its accounts and escrows (up to six documents) and, as a
# buyer, its fee transfer with two journal entries: charged once per trader per step.
OWNER_COST = 10
MAX_WRITES = 480
BOOK_DOCS = 3  # the book's head, its depth and its lease


def apply_commands(book: Book, commands: list[Command], budget: int = STEP_BUDGET,
                   resume: Order | None = None) -> Outcome:
    """Apply commands in order while `budget` lasts; `applied` says how far it got and `paused`
    which command is left half done. `resume` is the order of a place that paused in an earlier
    step when `commands[0]` is that place (a paused cancel_all simply goes on). The first
    command always makes progress, however small the budget."""
    out = Outcome()
    for n, c in enumerate(commands):
        left = budget - out.work - COMMAND_COST
        if n and left < FILL_COST:
            break
        out.applied.append(c)
        out.work += COMMAND_COST
        if c.type is CommandType.PLACE:
            _place(book, c, out, left, resume if n == 0 else None)
        elif c.type is CommandType.CANCEL:
            done = book.cancel(c.order_id or "", "cancelled_by_user")
            if done is not None:
                out.touched[done.id] = done
                out.work += CANCEL_COST
                _charge_owner(out, done.owner)
            out.results[c.id] = "cancelled" if done else "not_open"
        elif c.type is CommandType.CLOSE:
            _close(book, c, out, left)
        else:
            _cancel_all(book, c, out, left)
        if out.paused:
            break
    return out


def _cancel_all(book: Book, c: Command, out: Outcome, left: int) -> None:
    gone, more = book.cancel_owner(c.owner, limit=max(left // CANCEL_COST, 1))
    for o in gone:
        o.reason = "cancelled_by_user"
        out.touched[o.id] = o
    if gone:
        _charge_owner(out, c.owner)
    out.work += CANCEL_COST * len(gone)
    if more:
        out.paused = c
    else:  # the orders it cancelled are on their own documents; a count would span steps
        out.results[c.id] = "cancelled"


def _close(book: Book, c: Command, out: Outcome, left: int) -> None:
    """Delisting: cancel every resting order in steps like cancel_all; from its first step the
    book is closed, so a place sequenced after it is rejected (`book_closed`)."""
    book.closed = True
    gone, more = book.cancel_every(max(left // (CANCEL_COST + OWNER_COST), 1), "book_closed")
    for o in gone:
        out.touched[o.id] = o
        _charge_owner(out, o.owner)
        out.work += CANCEL_COST
    if more:
        out.paused = c
    else:
        out.results[c.id] = "closed"


def _charge_owner(out: Outcome, owner: str) -> None:
    if owner not in out.owners:
        out.owners.add(owner)
        out.work += OWNER_COST


def _place(book: Book, c: Command, out: Outcome, left: int, resume: Order | None) -> None:
    oid, owner, side, price, quantity, tif, funds = c.order
    if book.closed and resume is None:   # accepted before the book closed, sequenced after
        out.rejected[oid] = "book_closed"
        out.results[c.id] = REJECTED
        out.work += CANCEL_COST
        _charge_owner(out, owner)
        return
    # Fills and self-trade cancels, each priced as a fill with a trader not yet in the step.
    steps = max(left // (FILL_COST + OWNER_COST), 1)
    if resume is not None:
        order, result = resume, book.resume(resume, steps)
    else:
        order = Order(oid, owner, Side(side), price, quantity, TimeInForce(tif), funds)
        try:
            result = book.submit(order, steps)
        except MintbookError as err:
            out.rejected[oid] = err.code
            out.results[c.id] = REJECTED
            out.work += CANCEL_COST
            _charge_owner(out, owner)
            return
    out.touched[oid] = order
    for maker in (*result.makers.values(), *result.cancelled):
        out.touched[maker.id] = maker
        _charge_owner(out, maker.owner)
    if result.fills or order.status is OrderStatus.CANCELLED:
        _charge_owner(out, owner)
    by_id = {oid: order, **result.makers}
    out.fills.extend((f, order, by_id[f.maker_id]) for f in result.fills)
    out.work += FILL_COST * (len(result.fills) + len(result.cancelled))
    if order.status is OrderStatus.CANCELLED:   # its hold's rest is voided: an IOC, FOK, cap
        out.work += CANCEL_COST
    if result.paused:
        out.paused = c
    else:
        out.results[c.id] = order.status.value


def write_count(out: Outcome, result: BatchResult, lease: bool = True) -> int:
    """The documents a batch transaction writes: ledger, orders, commands, prints, book (the
    lease only when `lease`: it is renewed near its expiry)."""
    ledger = (len(result.accounts) + len(result.blind) + len(result.holds)
              + len(result.transfers) + len(result.journal))
    candles = len(CANDLE_SECONDS) if out.fills else 0
    finished = len(out.applied) - (out.paused is not None)
    depth = out.paused is None   # depth is written at command boundaries only
    return (ledger + len(out.touched) + len(out.rejected) + finished
            + 3 * len(out.fills) + candles + BOOK_DOCS - (not depth) - (not lease))


def ledger_accounts(config: BookConfig, owners: set[str]) -> list[str]:
    """Every account a batch reads: each participant's two accounts with their receivables
    (credits repay debts first) and its two escrows in the book (debited)."""
    ids = []
    for owner in sorted(owners):
        for asset in (config.base, config.quote):
            ids += [user_account_id(owner, asset), receivable_account_id(owner, asset),
                    escrow(config, asset, owner)]
    return ids


def escrow(config: BookConfig, asset: str, owner: str) -> str:
    return escrow_account_id(config.id, owner, asset)


def settle(batch: LedgerBatch, config: BookConfig, out: Outcome) -> None:
    done = {oid for oid, o in out.touched.items()
            if o.status in (OrderStatus.FILLED, OrderStatus.CANCELLED)} | set(out.rejected)
    last_fill = {oid: n for n, (_, taker, maker) in enumerate(out.fills)
                 for oid in (taker.id, maker.id)}
    fees: dict[str, int] = {}   # buyer -> the fees its escrow pays (its own and its seller's)
    for n, (fill, taker, maker) in enumerate(out.fills):
        final = {oid for oid in (taker.id, maker.id) if oid in done and last_fill[oid] == n}
        buyer, paid = _settle_fill(batch, config, fill, taker, maker, final)
        fees[buyer] = fees.get(buyer, 0) + paid
    first = fill_key(config.id, out.fills[0][0].seq) if out.fills else ""
    for buyer, amount in sorted(fees.items()):
        if amount:
            source = escrow(config, config.quote, buyer)
            batch.transfer(Transfer(f"{first}.fees.{source.split(':')[0][-16:]}", source,
                                    spread_account_id(SystemAccount.FEES, config.id,
                                                      config.quote),
                                    config.quote, amount, TransferType.FEE, reference=config.id))
    for oid in sorted(done):
        if batch.hold_state(oid).remaining > 0:
            batch.void(f"{oid}.release", oid)
    for account_id, account in batch.result.accounts.items():
        if account.owner.startswith(f"sys.escrow.book.{config.id}.") and account.balance < 0:
            raise AssertionError(f"{account_id} would go negative")  # a bug, never a user error


def _settle_fill(batch: LedgerBatch, config: BookConfig, fill: Fill, taker: Order,
                 maker: Order, final: set[str]) -> tuple[str, int]:
    """Post both holds and pay both sides, each out of the escrow its own hold was posted to:
    base from the seller's, quote from the buyer's; the fill's fees (returned, with the buyer)
    stay in the buyer's escrow for now. Orders in `final` are done and this is their last fill:
    their posts release the rest."""
    taker_buys = fill.taker_side is Side.BUY
    buyer, seller = (taker, maker) if taker_buys else (maker, taker)
    buyer_fee, seller_fee = ((fill.taker_fee, fill.maker_fee) if taker_buys
                             else (fill.maker_fee, fill.taker_fee))
    fid = fill_key(config.id, fill.seq)
    notional = fill.price * fill.quantity
    batch.post(f"{fid}.buy", buyer.id, notional + buyer_fee, final=buyer.id in final)
    batch.post(f"{fid}.sell", seller.id, fill.quantity, final=seller.id in final)
    batch.transfer(Transfer(f"{fid}.base", escrow(config, config.base, seller.owner),
                            user_account_id(buyer.owner, config.base), config.base,
                            fill.quantity, TransferType.TRADE, reference=fid))
    if notional > seller_fee:
        batch.transfer(Transfer(f"{fid}.quote", escrow(config, config.quote, buyer.owner),
                                user_account_id(seller.owner, config.quote), config.quote,
                                notional - seller_fee, TransferType.TRADE, reference=fid))
    return buyer.owner, buyer_fee + seller_fee


CANDLE_SECONDS = {"1m": 60, "1h": 3600, "1d": 86400}


def candle_starts(now_s: int) -> dict[str, int]:
    return {name: now_s - now_s % size for name, size in CANDLE_SECONDS.items()}


def fold_candle(candle: dict | None, trades: list[tuple[int, int, Side]]) -> dict:
    """OHLC, base and quote volume, and the base volume by taker side (what sentiment reads),
    extended by (price, quantity, taker side) trades in order."""
    c = dict(candle or {"open": trades[0][0], "high": trades[0][0], "low": trades[0][0],
                        "close": trades[0][0], "volume": 0, "quote_volume": 0, "trades": 0})
    c.setdefault("taker_buy_volume", 0)
    c.setdefault("taker_sell_volume", 0)
    for price, quantity, taker_side in trades:
        c["high"], c["low"], c["close"] = max(c["high"], price), min(c["low"], price), price
        c["volume"] += quantity
        c["quote_volume"] += price * quantity
        c["trades"] += 1
        c["taker_buy_volume" if taker_side is Side.BUY else "taker_sell_volume"] += quantity
    return c
