"""One sequencer batch, pure: apply accepted commands to a book and say what the ledger owes.

Guarantees:
- Commands apply in the order given (the sequencer passes acceptance-commit order); each yields
  exactly one result, and the outcome names every order whose state changed.
- Bounded steps: a batch spends at most its budget (fills and cancels), so its writes stay within
  one transaction whatever a command does; a command that needs more (a sweep of many makers, a
  cancel_all of many orders, many self-trade cancels) is left `paused` and the next step, which
  starts with it before any other command, goes on exactly where it stopped.
- A batch touches no ledger document: it leaves one posting per order it filled or finished
  (`postings`, see postings.py), applied after it commits by small transactions of their own,
  so the batch reads and locks no user account, escrow or hold.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from shared.domain.exchange.matching import Book, Fill, Order, Side, TimeInForce
from shared.domain.errors import MintbookError
from shared.domain.exchange.books import CommandType
from shared.domain.exchange.postings import POSTING_FILLS, Posting, postings_of

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


# Firestore commits at most 500 writes. A step's budget counts the documents it writes, from
# above: any command 3 (itself, its order and its order's posting), a fill 5 (the trade, two
# fill documents, the maker's order and posting), a cancel 2 (the order and its posting), and a
# taker's posting one more per POSTING_FILLS of its fills in the step (a posting is one
# settlement transaction: domain/exchange/postings.py). With
# the book's own documents and the candles (write_count) a full step stays within MAX_WRITES;
# the sequencer still checks the exact count and halves a step past it. A command that needs
# more than a step continues in the next one (`paused`).
STEP_BUDGET = 470
FILL_COST, CANCEL_COST, COMMAND_COST = 5, 2, 3
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
    out.work += CANCEL_COST * len(gone)
    if more:
        out.paused = c
    else:  # the orders it cancelled are on their own documents; a count would span steps
        out.results[c.id] = "cancelled"


def _close(book: Book, c: Command, out: Outcome, left: int) -> None:
    """Delisting: cancel every resting order in steps like cancel_all; from its first step the
    book is closed, so a place sequenced after it is rejected (`book_closed`)."""
    book.closed = True
    gone, more = book.cancel_every(max(left // CANCEL_COST, 1), "book_closed")
    for o in gone:
        out.touched[o.id] = o
        out.work += CANCEL_COST
    if more:
        out.paused = c
    else:
        out.results[c.id] = "closed"


def _place(book: Book, c: Command, out: Outcome, left: int, resume: Order | None) -> None:
    oid, owner, side, price, quantity, tif, funds = c.order
    if book.closed and resume is None:   # accepted before the book closed, sequenced after
        out.rejected[oid] = "book_closed"
        out.results[c.id] = REJECTED
        return
    # Fills and self-trade cancels, each priced as a fill.
    steps = max(left // FILL_COST, 1)
    if resume is not None:
        order, result = resume, book.resume(resume, steps)
    else:
        order = Order(oid, owner, Side(side), price, quantity, TimeInForce(tif), funds)
        try:
            result = book.submit(order, steps)
        except MintbookError as err:
            out.rejected[oid] = err.code
            out.results[c.id] = REJECTED
            return
    out.touched[oid] = order
    for maker in (*result.makers.values(), *result.cancelled):
        out.touched[maker.id] = maker
    by_id = {oid: order, **result.makers}
    out.fills.extend((f, order, by_id[f.maker_id]) for f in result.fills)
    # each fill's cost counts one posting of its maker; the taker's own posting is the
    # command's, and each POSTING_FILLS of its fills in this step start one more
    out.work += (FILL_COST * (len(result.fills) + len(result.cancelled))
                 + max(len(result.fills) - 1, 0) // POSTING_FILLS)
    if result.paused:
        out.paused = c
    else:
        out.results[c.id] = order.status.value


def write_count(out: Outcome, lease: bool = True) -> int:
    """The documents a batch transaction writes: postings, orders, commands, prints, book (the
    lease only when `lease`: it is renewed near its expiry)."""
    candles = len(CANDLE_SECONDS) if out.fills else 0
    finished = len(out.applied) - (out.paused is not None)
    depth = out.paused is None   # depth is written at command boundaries only
    return (len(postings(out)) + len(out.touched) + len(out.rejected) + finished
            + 3 * len(out.fills) + candles + BOOK_DOCS - (not depth) - (not lease))


def postings(out: Outcome) -> list[Posting]:
    """The ledger effects the batch leaves, one posting per order it filled or finished."""
    rejected = {c.order[0]: (c.owner, Side(c.order[2])) for c in out.applied
                if c.order and c.order[0] in out.rejected}
    return postings_of(out.fills, out.touched, rejected)


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
