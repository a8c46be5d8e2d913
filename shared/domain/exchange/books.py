"""Books as data, order admission, and the book state a sequencer persists between batches.

Guarantees:
- A book trades one base asset (a creator token) against one quote asset (the platform token);
  its tick size, quantity bounds and fees are data, checked here before anything is held.
- A market order names its price cap or takes the book's default: the touch moved by
  `slippage_bps` against the taker (market_price_cap), so no market order is unbounded.
- What an order holds is enough for everything it can do: a sell holds its quantity of base; a
  limit buy holds notional plus the taker fee at its limit (book.buy_funds); a market buy holds
  the smaller of that at its price cap and what the user has available, and never fills beyond it.
- A book's state is never one document that grows with it: each resting order's state (fill and
  fee state, arrival number) lives on its own order document (`order_state`), and the book keeps
  only its counters (`counters`), which make fill ids deterministic. `restore` rebuilds the
  exact book from the two, whatever order the order documents are read in.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import NamedTuple

from shared.domain.exchange.matching import Book, Order, OrderStatus, Side, TimeInForce, buy_funds
from shared.domain.accounts import SPREAD_KEY_HEX, system_account_id
from shared.domain.errors import InvalidInput, Rejected
from shared.domain.money import BPS, MAX_AMOUNT, ceil_div


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class CommandType(StrEnum):
    PLACE = "place"
    CANCEL = "cancel"
    CANCEL_ALL = "cancel_all"
    CLOSE = "close"   # delisting: cancel every resting order, then reject every later place


class BookStatus(StrEnum):
    """open: trading. halted: new orders refused (`book_halted`), cancels and the commands
    already accepted still sequenced. closed (final): every resting order cancelled by the
    book's CLOSE command, and nothing more accepted (`book_closed`)."""
    OPEN = "open"
    HALTED = "halted"
    CLOSED = "closed"


@dataclass(frozen=True)
class BookConfig:
    id: str
    base: str
    quote: str
    tick_size: int = 1
    min_quantity: int = 1
    max_quantity: int = 1_000_000_000
    maker_bps: int = 30
    taker_bps: int = 50
    slippage_bps: int = 500   # a market order without a price trades at most this far from the touch
    status: str = BookStatus.OPEN

    def __post_init__(self) -> None:
        if self.base == self.quote:
            raise InvalidInput("a book trades two different assets", field="base")
        if self.tick_size < 1 or not 1 <= self.min_quantity <= self.max_quantity <= MAX_AMOUNT:
            raise InvalidInput("tick size and quantity bounds must be positive and ordered",
                               field="tick_size")
        if not 0 <= self.maker_bps <= self.taker_bps < BPS:
            raise InvalidInput("fees must satisfy 0 <= maker <= taker < 10000 bps",
                               field="taker_bps")
        if not 0 <= self.slippage_bps < BPS:
            raise InvalidInput("slippage must be below 10000 bps", field="slippage_bps")
        if self.status not in tuple(BookStatus):
            raise InvalidInput("a book is open, halted or closed", field="status")

    @property
    def active(self) -> bool:
        return self.status == BookStatus.OPEN

    def as_dict(self) -> dict:
        return asdict(self) | {"status": str(self.status), "active": self.active}


def book_id_for(base: str, quote: str) -> str:
    return f"{base}-{quote}"


def escrow_account_id(book_id: str, owner: str, asset: str) -> str:
    """The owner's own escrow in the book: its orders' holds credit it and its fills pay out of
    it, so placing an order writes no document the book's other traders share."""
    key = hashlib.sha256(owner.encode()).hexdigest()[:SPREAD_KEY_HEX]
    return system_account_id(f"escrow.book.{book_id}.{key}", asset)


QUEUE_LANES = 16   # an `in` filter takes at most 30 values


def queue_key(book_id: str, command_id: str, done: bool = False) -> str:
    """Which of the book's queue lanes a command is in ("<lane>.<book>"; "<lane>.<book>.done"
    once processed): the queue's index is ordered by acceptance time within a lane, so a book's
    commands append to QUEUE_LANES ranges, not one, and processed ones leave them."""
    lane = int(hashlib.sha256(command_id.encode()).hexdigest()[:8], 16) % QUEUE_LANES
    return f"{lane:x}.{book_id}" + (".done" if done else "")


def queue_keys(book_id: str) -> list[str]:
    return [f"{lane:x}.{book_id}" for lane in range(QUEUE_LANES)]


def fill_key(book_id: str, seq: int) -> str:
    """The id of the book's `seq`-th fill (its trade; its fills and transfers add a suffix): led
    by a hash, so ids written at a book's trade rate spread over the key space."""
    spread = hashlib.sha256(f"{book_id}.{seq}".encode()).hexdigest()[:8]
    return f"{spread}.{book_id}.{seq}"


class OrderRequest(NamedTuple):
    book: str
    side: Side
    type: OrderType
    quantity: int
    price: int | None   # limit price, or a market order's cap (None: the book's default)
    tif: TimeInForce


def market_price_cap(config: BookConfig, side: Side, touch: int | None) -> int:
    """The worst price a market order without an explicit cap accepts: the best opposite price
    moved `slippage_bps` against the taker, on the tick grid (buys round up, sells down, never
    below one tick). No opposite side: nothing to trade against."""
    if touch is None:
        raise Rejected("the book has no orders on the other side", field="book",
                       code="no_liquidity")
    tick = config.tick_size
    if side is Side.BUY:
        cap = ceil_div(touch * (BPS + config.slippage_bps), BPS)
        return ceil_div(cap, tick) * tick
    cap = touch * (BPS - config.slippage_bps) // BPS
    return max(cap // tick * tick, tick)


def check_order(config: BookConfig, req: OrderRequest) -> None:
    """Refuse what the book can never accept, with one code per rule."""
    refuse_if_not_open(config)
    if req.quantity < config.min_quantity:
        raise InvalidInput(f"the minimum quantity is {config.min_quantity}", field="quantity",
                           code="quantity_below_minimum")
    if req.quantity > config.max_quantity:
        raise InvalidInput(f"the maximum quantity is {config.max_quantity}", field="quantity",
                           code="quantity_above_maximum")
    if req.price <= 0 or req.price % config.tick_size:
        raise InvalidInput(f"prices are positive multiples of {config.tick_size}", field="price",
                           code="price_not_on_tick")
    if req.type is OrderType.MARKET and req.tif is TimeInForce.GTC:
        raise InvalidInput("a market order is IOC or FOK", field="tif", code="market_order_cannot_rest")
    if req.quantity * req.price * (BPS + config.taker_bps) // BPS >= MAX_AMOUNT:
        raise InvalidInput("the order's notional is too large", field="quantity",
                           code="amount_too_large")


def refuse_if_not_open(config: BookConfig) -> None:
    if config.status == BookStatus.HALTED:
        raise Rejected("trading on this book is halted; cancels are still accepted",
                       field="book", code="book_halted")
    if config.status == BookStatus.CLOSED:
        raise Rejected("this book is closed", field="book", code="book_closed")


def hold_amount(config: BookConfig, req: OrderRequest, available: int) -> int:
    """What placing `req` holds: base for sells; quote incl. the taker fee for buys."""
    if req.side is Side.SELL:
        return req.quantity
    full = buy_funds(req.quantity, req.price, config.taker_bps)
    return min(full, available) if req.type is OrderType.MARKET else full


def new_book(config: BookConfig) -> Book:
    return Book(config.maker_bps, config.taker_bps)


ORDER_FIELDS = ("id", "owner", "side", "price", "quantity", "tif", "funds", "seq", "filled",
                "notional", "fee_basis", "fees", "fill_count", "status")


def order_state(o: Order) -> dict:
    """A resting order as a map (Firestore arrays cannot hold arrays)."""
    values = {name: getattr(o, name) for name in ORDER_FIELDS}
    return {k: v.value if isinstance(v, StrEnum) else v for k, v in values.items()}


def order_from_state(values: dict) -> Order:
    values = {name: values[name] for name in ORDER_FIELDS}
    values.update(side=Side(values["side"]), tif=TimeInForce(values["tif"]),
                  status=OrderStatus(values["status"]))
    return Order(**values)


def counters(book: Book) -> dict:
    """The part of a book's state that is not in its order documents: its sequence counters."""
    return {"order_seq": book.order_seq, "fill_seq": book.fill_seq, "closed": book.closed}


def restore(config: BookConfig, head: dict | None, resting: list[dict] = ()) -> Book:
    """The book whose counters are `head` and whose resting orders are `resting` (order states
    in any order: they rest by arrival number, so each price level keeps its time priority)."""
    book = new_book(config)
    if not head:
        return book
    book.order_seq, book.fill_seq = int(head["order_seq"]), int(head["fill_seq"])
    book.closed = bool(head.get("closed", False))
    for row in sorted(resting, key=lambda r: r["seq"]):
        book._rest(order_from_state(row))
    return book


def from_depth(config: BookConfig, side: Side, levels: list[tuple[int, int]]) -> Book:
    """A book resting `levels` (price, quantity) on `side`, one order per level: what a taker
    walking published depth would meet (its fees do not depend on how a level is split)."""
    book = new_book(config)
    for n, (price, quantity) in enumerate(levels, start=1):
        book._rest(Order(f"level{n}", "depth", side, price, quantity, seq=n))
    return book
