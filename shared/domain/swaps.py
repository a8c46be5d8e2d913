"""Peer-to-peer swap offers: give an integer amount of one asset for an integer amount of another.

Pure. Guarantees:
- An offer's rate is the ratio want_amount / give_amount; it is compared with the market rate by
  cross-multiplying integers, never with floats: |want x den - give x num| x 10_000 <=
  band_bps x give x num, where num/den is the market rate (want units per give unit).
- A fill never takes more than the offer has left (given never exceeds give_amount), and a maker
  who did not allow partial fills is filled all at once or not at all.
- Amounts round in the maker's favour: after each fill the taker has paid in total the ceiling of
  want_amount x given / give_amount, so the maker never receives less than their rate, and a
  completed offer has received exactly want_amount.
"""
from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from shared.domain.errors import Conflict, Forbidden, InvalidInput, Rejected
from shared.domain.money import BPS, ceil_div, require_amount
from shared.domain.prices import Rate


class OfferStatus(StrEnum):
    OPEN = "open"
    FILLED = "filled"
    CANCELLED = "cancelled"


class SwapOffer(NamedTuple):
    id: str
    maker: str
    give_asset: str
    give_amount: int
    want_asset: str
    want_amount: int
    allow_partial: bool = False
    given: int = 0       # of give_amount, already delivered to takers
    received: int = 0    # of want_amount, already paid by takers
    status: OfferStatus = OfferStatus.OPEN
    version: int = 0

    @property
    def remaining(self) -> int:
        return self.give_amount - self.given if self.status is OfferStatus.OPEN else 0


class Fill(NamedTuple):
    give: int            # of the maker's asset, to the taker
    pay: int             # of the wanted asset, to the maker
    offer: SwapOffer     # the offer after this fill


def new_offer(offer_id: str, maker: str, give_asset: str, give_amount: int, want_asset: str,
              want_amount: int, allow_partial: bool) -> SwapOffer:
    if give_asset == want_asset:
        raise InvalidInput("an offer swaps two different assets", field="want_asset",
                           code="same_asset")
    require_amount(give_amount, field="give_amount")
    require_amount(want_amount, field="want_amount")
    return SwapOffer(offer_id, maker, give_asset, give_amount, want_asset, want_amount,
                     allow_partial)


def check_band(give_amount: int, want_amount: int, market: Rate, band_bps: int) -> None:
    """Refuse an offer whose rate is more than band_bps away from the market rate."""
    fair = give_amount * market.numerator               # want x den at exactly the market rate
    offered = want_amount * market.denominator
    if abs(offered - fair) * BPS <= band_bps * fair:
        return
    low = ceil_div(fair * (BPS - band_bps), market.denominator * BPS)
    high = fair * (BPS + band_bps) // (market.denominator * BPS)
    raise Rejected(f"the offer's rate is more than {band_bps / 100:g}% away from the market rate",
                   field="want_amount", code="rate_out_of_band",
                   details={"market_rate": {"numerator": market.numerator,
                                            "denominator": market.denominator},
                            "band_bps": band_bps, "min_want_amount": low,
                            "max_want_amount": high})


def fill(offer: SwapOffer, amount: int | None) -> Fill:
    """Take `amount` of what the offer gives (all that is left when None)."""
    if offer.status is not OfferStatus.OPEN:
        raise Conflict(f"the offer is {offer.status.value}", field="offer_id", code="offer_not_open")
    take = offer.remaining if amount is None else require_amount(amount)
    if take > offer.remaining:
        raise Conflict("the offer has less left than you asked for", field="amount",
                       code="offer_insufficient_remaining", details={"remaining": offer.remaining})
    if not offer.allow_partial and take != offer.give_amount:
        raise Rejected("the maker only accepts a fill of the whole offer", field="amount",
                       code="partial_fill_not_allowed")
    given = offer.given + take
    pay = ceil_div(offer.want_amount * given, offer.give_amount) - offer.received
    if pay <= 0:
        raise Rejected("this fill is too small to pay anything", field="amount",
                       code="fill_too_small")
    done = given == offer.give_amount
    after = offer._replace(given=given, received=offer.received + pay,
                    status=OfferStatus.FILLED if done else OfferStatus.OPEN,
                    version=offer.version + 1)
    return Fill(take, pay, after)


def cancel(offer: SwapOffer, by: str) -> SwapOffer:
    if offer.maker != by:
        raise Forbidden("only the maker cancels an offer", field="offer_id", code="not_your_offer")
    if offer.status is not OfferStatus.OPEN:
        raise Conflict(f"the offer is {offer.status.value}", field="offer_id", code="offer_not_open")
    return offer._replace(status=OfferStatus.CANCELLED, version=offer.version + 1)


def pair_of(a: str, b: str) -> tuple[str, str]:
    """The canonical (sorted) pair, so A->B and B->A volumes add up in one place."""
    return (a, b) if a < b else (b, a)
