"""Exchange endpoints: books (admin), orders and cancels, market data, a user's history."""
from __future__ import annotations

from shared.config import settings
from shared.domain.exchange.books import BookConfig, OrderRequest, book_id_for
from shared.domain.users import Role
from shared.services.exchange import book_status, dead_letters, market_data
from shared.services.exchange import orders
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.exchange.trading import (BookList, BookView, CancelAllRequest, CancelAllResult,
                                         CancelOrderRequest, CandleList, CandlesQuery,
                                         CreateBookRequest, DeadLetterPage, DepthQuery, DepthView, EstimateQuery,
                                         EstimateView, FillPage, MyOrdersQuery, MyPageQuery,
                                         OrderPage, OrderView,
                                         PlaceOrderRequest, SetBookStatusRequest, TradePage,
                                         BookPageQuery)
from shared.web.schemas.common import PageQuery

ORDER_ERRORS = ("unknown_book", "book_halted", "book_closed", "insufficient_funds", "price_not_on_tick",
                "quantity_below_minimum", "quantity_above_maximum", "market_order_cannot_rest",
                "amount_too_large", "account_frozen", "idempotency_conflict", "rate_limited")


@endpoint("admin_create_book", method="POST", auth=Role.ADMIN, body=CreateBookRequest,
          response=BookView, status=201, summary="Open an order book: a creator token against chips",
          errors=("book_exists", "unknown_asset"))
def admin_create_book(ctx: Context, body: CreateBookRequest) -> dict:
    quote = settings().platform_asset
    config = BookConfig(id=book_id_for(body.base, quote), quote=quote, **body.model_dump())
    return orders.create_book(ctx.operation(body.model_dump()), ctx.user, config)


@endpoint("admin_set_book_status", method="POST", auth=Role.ADMIN, body=SetBookStatusRequest,
          response=BookView, summary=("Open, halt or close (delist, final) an order book, "
                                      "audited with a reason"),
          errors=("unknown_book", "book_closed"))
def admin_set_book_status(ctx: Context, body: SetBookStatusRequest) -> dict:
    return book_status.set_status(ctx.operation(body.model_dump(mode="json")), ctx.user,
                                  body.book, body.status, body.reason)


@endpoint("admin_list_dead_letters", auth=Role.ADMIN, query=PageQuery, response=DeadLetterPage,
          summary="Commands the sequencer rejected with internal, newest first")
def admin_list_dead_letters(ctx: Context, q: PageQuery) -> dict:
    return dead_letters.listing(q.cursor, q.limit)


@endpoint("list_books", auth=None, query=PageQuery, response=BookList,
          summary="The order books by id, a page at a time, with tick size, quantity bounds "
                  "and fees")
def list_books(ctx: Context, q: PageQuery) -> dict:
    return market_data.books(q.cursor, q.limit)


@endpoint("place_order", method="POST", body=PlaceOrderRequest, response=OrderView, status=201,
          rate_limit="trading", errors=ORDER_ERRORS,
          summary="Place a limit or market order; the Idempotency-Key is the client order id")
def place_order(ctx: Context, body: PlaceOrderRequest) -> dict:
    req = OrderRequest(body.book, body.side, body.type, body.quantity, body.price, body.tif)
    return orders.place(ctx.operation(body.model_dump(mode="json")), ctx.user, req)


@endpoint("cancel_order", method="POST", body=CancelOrderRequest, response=OrderView,
          rate_limit="trading", errors=("unknown_order", "not_your_order"),
          summary="Cancel one order; the answer shows the order after the sequencer saw the cancel")
def cancel_order(ctx: Context, body: CancelOrderRequest) -> dict:
    return orders.cancel(ctx.operation(body.model_dump()), ctx.user, body.order_id)


@endpoint("cancel_all_orders", method="POST", body=CancelAllRequest, response=CancelAllResult,
          rate_limit="trading", errors=("unknown_book", "book_closed"),
          summary="Cancel every open order of the caller on one book")
def cancel_all_orders(ctx: Context, body: CancelAllRequest) -> dict:
    return orders.cancel_all(ctx.operation(body.model_dump()), ctx.user, body.book)


@endpoint("get_depth", auth=None, query=DepthQuery, response=DepthView,
          summary="Aggregated price levels per side and the last price")
def get_depth(ctx: Context, q: DepthQuery) -> dict:
    return market_data.depth(q.book, q.levels)


@endpoint("list_trades", auth=None, query=BookPageQuery, response=TradePage,
          summary="Recent trades of a book, newest first")
def list_trades(ctx: Context, q: BookPageQuery) -> dict:
    return market_data.trades(q.book, q.cursor, q.limit)


@endpoint("get_candles", auth=None, query=CandlesQuery, response=CandleList,
          summary="OHLC candles (1m, 1h, 1d), oldest first")
def get_candles(ctx: Context, q: CandlesQuery) -> dict:
    return market_data.candles(q.book, q.interval, q.limit)


@endpoint("estimate_order", auth=None, query=EstimateQuery, response=EstimateView,
          summary="What an order would fill now, without placing it")
def estimate_order(ctx: Context, q: EstimateQuery) -> dict:
    return market_data.estimate(q.book, q.side, q.quantity, q.price)


@endpoint("list_my_orders", query=MyOrdersQuery, response=OrderPage,
          summary="The caller's orders (all, or only open ones), newest first")
def list_my_orders(ctx: Context, q: MyOrdersQuery) -> dict:
    return market_data.my_orders(ctx.uid, q.book, q.cursor, q.limit, only_open=q.open)


@endpoint("list_my_fills", query=MyPageQuery, response=FillPage,
          summary="The caller's fills (trade history), newest first")
def list_my_fills(ctx: Context, q: MyPageQuery) -> dict:
    return market_data.my_fills(ctx.uid, q.book, q.cursor, q.limit)
