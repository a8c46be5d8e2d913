"""Market prices (admins or the price feed set them; a traded creator token's last trade price
counts), their history, and conversion rates derived from them."""
from __future__ import annotations

from shared.domain.users import Role
from shared.services.prices import market
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.common import PageQuery
from shared.web.schemas.prices import (ConversionRateQuery, ConversionRateView, MarketPriceView,
                                       PriceHistoryPoints, PriceHistoryQuery, PricesThatCount,
                                       SetMarketPriceRequest)


@endpoint("admin_set_price", method="POST", auth=Role.ADMIN, body=SetMarketPriceRequest,
          response=MarketPriceView, summary="Set an asset's USD and BTC price (kept in its history)",
          errors=("unknown_asset", "version_conflict"))
def admin_set_price(ctx: Context, body: SetMarketPriceRequest) -> dict:
    return market.set_price(ctx.operation(body.model_dump()), ctx.user, body.asset, body.usd,
                            body.btc, body.version)


@endpoint("list_prices", auth=None, query=PageQuery, response=PricesThatCount,
          summary="The price that counts for each asset of a page of assets (by code; an asset "
                  "without a price is left out): a traded creator token's last trade price, "
                  "else the price an admin or the feed set")
def list_prices(ctx: Context, q: PageQuery) -> dict:
    items, cursor = market.prices(q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("get_price_history", auth=None, query=PriceHistoryQuery, response=PriceHistoryPoints,
          summary="Every price an asset has had, newest first", errors=("unknown_asset",))
def get_price_history(ctx: Context, q: PriceHistoryQuery) -> dict:
    items, cursor = market.history(q.asset, q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("get_conversion_rate", auth=None, query=ConversionRateQuery, response=ConversionRateView,
          summary="Exact rate between two assets from their prices",
          errors=("unknown_asset", "price_unavailable"))
def get_conversion_rate(ctx: Context, q: ConversionRateQuery) -> dict:
    return market.rate_view(market.rate(q.base, q.quote, q.currency), q.currency)
