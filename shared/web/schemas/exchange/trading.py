"""Requests and responses of the exchange: books, orders, depth, trades, candles, estimates."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from shared.domain.exchange.matching import Side, TimeInForce
from shared.domain.exchange.books import BookStatus, OrderType

from shared.web.schemas.common import Amount, AssetCode, Body, Page, PageQuery, Query, View

BookId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{1,15}-[A-Z][A-Z0-9_]{1,15}$")]
OrderId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
Bps = Annotated[int, Field(ge=0, le=9_999)]


class CreateBookRequest(Body):
    base: AssetCode
    tick_size: Amount = 1
    min_quantity: Amount = 1
    max_quantity: Amount = 1_000_000_000
    maker_bps: Bps = 30
    taker_bps: Bps = 50
    slippage_bps: Bps = 500


class BookView(View):
    id: str
    base: str
    quote: str
    tick_size: int
    min_quantity: int
    max_quantity: int
    maker_bps: int
    taker_bps: int
    slippage_bps: int = 500
    status: BookStatus = Field(BookStatus.OPEN, description=(
        "open; halted (new orders refused with book_halted, cancels accepted, accepted "
        "commands still sequenced); closed (every order cancelled, nothing accepted)"))
    active: bool = Field(description="status is open")


class SetBookStatusRequest(Body):
    book: BookId
    status: BookStatus
    reason: Annotated[str, StringConstraints(min_length=3, max_length=500)]


class BookList(Page[BookView]):
    pass


class PlaceOrderRequest(Body):
    book: BookId
    side: Side
    type: OrderType = OrderType.LIMIT
    tif: TimeInForce = TimeInForce.GTC
    quantity: Amount
    price: Amount | None = Field(None, description=(
        "limit price in quote units per base unit, on the book's tick; required for a limit "
        "order; for a market order, the worst price accepted (default: the best opposite price "
        "moved by the book's slippage_bps against you)"))


class OrderView(View):
    id: str
    owner: str
    book: str
    side: Side
    type: OrderType
    tif: TimeInForce
    price: int
    quantity: int
    held: int = Field(description="quote (buys, incl. taker fee) or base (sells) held at placing")
    filled: int
    notional: int
    fees: int
    status: Literal["pending", "open", "partially_filled", "filled", "cancelled", "rejected"]
    reason: str = Field("", description=(
        "why a cancelled or rejected order ended: cancelled_by_user, self_trade (a resting "
        "order met an incoming order of its owner), unfilled_remainder (IOC or market order), "
        "fok_unfillable (the whole book could not fill it at once), funds_exhausted (a market "
        "buy spent what it held), max_fills (it filled 1,000 resting orders, the most one order "
        "fills; the rest was cancelled, never rested), book_closed (the book was delisted), or an "
        "order error code when rejected (internal: the sequencer could not apply it, see "
        "admin_list_dead_letters)"))
    average_price: str | None = None
    created_at: datetime | None = None


class OrderPage(View):
    items: list[OrderView]
    next_cursor: str | None = None


class CancelOrderRequest(Body):
    order_id: OrderId


class CancelAllRequest(Body):
    book: BookId


class CancelAllResult(View):
    book: str
    command_id: str


class DepthQuery(Query):
    book: BookId
    levels: int = Field(10, ge=1, le=50)  # batches publish 50 (DEPTH_LEVELS)


class Level(View):
    price: int
    quantity: int


class DepthView(View):
    book: str
    bids: list[Level]
    asks: list[Level]
    last_price: int | None = None
    status: BookStatus = BookStatus.OPEN


class DeadLetterView(View):
    id: str = Field(description="the command's id")
    book: str
    type: str = Field(description="place, cancel, cancel_all or close")
    owner: str
    order_id: str | None = None
    kind: Literal["poison", "invariant"] = Field(description=(
        "poison: it failed three times alone and was rejected; invariant: applying it would "
        "break a ledger invariant (an escrow going negative): rejected and the book halted"))
    error: str
    attempts: int
    at: datetime | None = None


class DeadLetterPage(View):
    items: list[DeadLetterView]
    next_cursor: str | None = None


class BookPageQuery(PageQuery):
    book: BookId


class MyPageQuery(PageQuery):
    book: BookId | None = None


class MyOrdersQuery(MyPageQuery):
    open: bool = Field(False, description="only orders still resting (open, partially filled)")


class TradeView(View):
    seq: int
    price: int
    quantity: int
    taker_side: Side
    at: datetime | None = None


class TradePage(View):
    items: list[TradeView]
    next_cursor: str | None = None


class FillView(View):
    order_id: str
    book: str
    seq: int
    side: Side
    role: Literal["maker", "taker"]
    price: int
    quantity: int
    fee: int
    fee_asset: str
    at: datetime | None = None


class FillPage(View):
    items: list[FillView]
    next_cursor: str | None = None


class CandlesQuery(Query):
    book: BookId
    interval: Literal["1m", "1h", "1d"] = "1m"
    limit: int = Field(60, ge=1, le=500)


class Candle(View):
    start: int = Field(description="bucket start, Unix seconds (UTC)")
    open: int
    high: int
    low: int
    close: int
    volume: int
    quote_volume: int
    trades: int


class CandleList(View):
    items: list[Candle]


class EstimateQuery(Query):
    book: BookId
    side: Side
    quantity: int = Field(gt=0, le=10**15)
    price: int | None = Field(None, gt=0, description="worst price accepted; none: any")


class EstimateView(View):
    quantity: int = Field(description="what would fill now")
    notional: int
    fee: int = Field(description="taker fee in the quote asset")
    average_price: str | None = None
