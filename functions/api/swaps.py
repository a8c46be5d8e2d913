"""Peer-to-peer swap offers: create, execute, cancel, list, and volume per pair and day."""
from __future__ import annotations

from shared.services import swaps
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.swaps import (CancelSwapOfferRequest, CreateSwapOfferRequest, ExecuteSwapOfferRequest,
                                      SwapExecutionResult, SwapOfferPage, SwapOfferQuery, SwapOfferView,
                                      SwapVolumeQuery, SwapVolumeView)


@endpoint("create_swap_offer", method="POST", body=CreateSwapOfferRequest, response=SwapOfferView,
          status=201, summary="Offer an amount of one asset for an amount of another (held)",
          errors=("rate_out_of_band", "price_unavailable", "insufficient_funds", "same_asset",
                  "unknown_asset", "account_frozen", "idempotency_conflict"))
def create_swap_offer(ctx: Context, body: CreateSwapOfferRequest) -> dict:
    return swaps.create_offer(ctx.operation(body.model_dump()), ctx.user, body.give_asset,
                              body.give_amount, body.want_asset, body.want_amount,
                              body.allow_partial)


@endpoint("execute_swap_offer", method="POST", body=ExecuteSwapOfferRequest, response=SwapExecutionResult,
          summary="Take an offer, in full or (if the maker allows) in part; the taker pays a fee",
          errors=("offer_not_found", "offer_not_open", "offer_insufficient_remaining",
                  "partial_fill_not_allowed", "fill_too_small", "cannot_take_own_offer",
                  "insufficient_funds", "account_frozen"))
def execute_swap_offer(ctx: Context, body: ExecuteSwapOfferRequest) -> dict:
    return swaps.execute(ctx.operation(body.model_dump()), ctx.user, body.offer_id, body.amount)


@endpoint("cancel_swap_offer", method="POST", body=CancelSwapOfferRequest, response=SwapOfferView,
          summary="Cancel your offer; what is left of it is released",
          errors=("offer_not_found", "offer_not_open", "not_your_offer"))
def cancel_swap_offer(ctx: Context, body: CancelSwapOfferRequest) -> dict:
    return swaps.cancel_offer(ctx.operation(body.model_dump()), ctx.user, body.offer_id)


@endpoint("list_swap_offers", query=SwapOfferQuery, response=SwapOfferPage,
          summary="Offers, newest first, filtered by status, assets or maker")
def list_swap_offers(ctx: Context, q: SwapOfferQuery) -> dict:
    items, cursor = swaps.list_offers(q.status.value if q.status else None, q.give_asset,
                                      q.want_asset, q.maker, q.cursor, q.limit)
    return {"items": items, "next_cursor": cursor}


@endpoint("get_swap_volume", auth=None, query=SwapVolumeQuery, response=SwapVolumeView,
          summary="Swap volume of a pair per UTC day: the last 30 days unless given a range "
                  "(at most 366 days)", errors=("unknown_asset", "invalid_range"))
def get_swap_volume(ctx: Context, q: SwapVolumeQuery) -> dict:
    return swaps.volume(q.a, q.b, q.since, q.until)
