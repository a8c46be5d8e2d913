"""Books as data, order admission, and the book state a sequencer persists between batches.

Guarantees:
- A book trades one base asset (a creator token) against one quote asset (the platform token);
  its tick size, quantity bounds and fees are data, checked here before anything is held.
- A market order names its price cap or takes the book's default: the touch moved by
  `slippage_bps` against the taker (market_price_cap), so no market order is unbounded.
- What an order holds is enough for everything it can do: a sell holds its quantity of base; a
  limit buy holds notional plus the taker fee at its limit (book.buy_funds); a market buy holds
  the smaller of that at its price cap and what the user has available, and never fills beyond it.
- `snapshot` / `restore` round-trip a book exactly: resting orders in priority order with their
  fill and fee state, and the sequence counters that make fill ids deterministic.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import NamedTuple

from shared.domain.exchange.matching import Book, Order, OrderStatus, Side, TimeInForce, buy_funds
from shared.domain.errors import InvalidInput, Rejected
from shared.domain.money import BPS, MAX_AMOUNT, ceil_div


class OrderType(StrEnum):
    LIMIT = "limit"
    MARKET = "market"


class CommandType(StrEnum):
    PLACE = "place"
    CANCEL = "cancel"
    CANCEL_ALL = "cancel_all"


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
    active: bool = True

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

    def as_dict(self) -> dict:
        return asdict(self)


def book_id_for(base: str, quote: str) -> str:
    return f"{base}-{quote}"


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
    if not config.active:
        raise Rejected("this book is not trading", field="book", code="book_inactive")
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


def hold_amount(config: BookConfig, req: OrderRequest, available: int) -> int:
    """What placing `req` holds: base for sells; quote incl. the taker fee for buys."""
    if req.side is Side.SELL:
        return req.quantity
    full = buy_funds(req.quantity, req.price, config.taker_bps)
    return min(full, available) if req.type is OrderType.MARKET else full


def new_book(config: BookConfig) -> Book:
    return Book(config.maker_bps, config.taker_bps)


ORDER_FIELDS = ("id", "owner", "side", "price", "quantity", "tif", "funds", "seq", "filled",
                "notional", "fee_basis", "fees", "status")


def order_state(o: Order) -> dict:
    """A resting order as a map (Firestore arrays cannot hold arrays)."""
    values = {name: getattr(o, name) for name in ORDER_FIELDS}
    return {k: v.value if isinstance(v, StrEnum) else v for k, v in values.items()}


def order_from_state(values: dict) -> Order:
    values = {name: values[name] for name in ORDER_FIELDS}
    values.update(side=Side(values["side"]), tif=TimeInForce(values["tif"]),
                  status=OrderStatus(values["status"]))
    return Order(**values)


def snapshot(book: Book) -> dict:
    resting = sorted(book.orders.values(), key=lambda o: o.seq)
    return {"order_seq": book.order_seq, "fill_seq": book.fill_seq,
            "resting": [order_state(o) for o in resting]}


def restore(config: BookConfig, state: dict | None) -> Book:
    book = new_book(config)
    if not state:
        return book
    book.order_seq, book.fill_seq = int(state["order_seq"]), int(state["fill_seq"])
    for row in state["resting"]:
        book._rest(order_from_state(row))  # in arrival order, so queues keep time priority
    return book
