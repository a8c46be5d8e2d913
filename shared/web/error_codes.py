"""Every error code a client can receive in `errors[].code`, with its HTTP status and meaning.

Codes are public API: clients branch on them. The OpenAPI document (the `Error` schema's `code`
enum and the document's `x-error-codes`, shared/web/openapi.py) and the README's error table
(dev/api_reference.py) are generated from CODES. tests/unit/test_error_codes.py reads the source
under shared/ and functions/ and fails unless every code raised there is here, with the status
its exception answers (shared/web/errors.py), and unless every code here is still raised.
Only this module, the openapi module and the README generator import it: it costs a cold start
nothing.
"""
from __future__ import annotations

from typing import NamedTuple


class Code(NamedTuple):
    statuses: tuple[int, ...]  # one, except a code two kinds of caller meet (invalid_signature)
    meaning: str


def _c(status: int | tuple[int, ...], meaning: str) -> Code:
    return Code(status if isinstance(status, tuple) else (status,), meaning)


CODES: dict[str, Code] = {
    # 400: the request itself is wrong
    "invalid_input": _c(400, "A value is out of range or of the wrong type (the message and "
                             "`field` say which); also the family code of every other 400"),
    "missing_field": _c(400, "A required field is absent"),
    "unknown_field": _c(400, "The body has a field the call does not take"),
    "invalid_json": _c(400, "The body is not one strict JSON object in UTF-8: bad syntax, a "
                            "repeated key, NaN or Infinity, a lone surrogate escape, bytes that "
                            "are not UTF-8 (the message says which)"),
    "idempotency_key_required": _c(400, "A mutating call came without an Idempotency-Key header"),
    "invalid_idempotency_key": _c(400, "The Idempotency-Key is longer than 255 characters or "
                                       "not printable"),
    "invalid_cursor": _c(400, "The cursor is not one this list handed out"),
    "invalid_range": _c(400, "A date range is not a pair of dates in order within its longest span"),
    "error": _c(400, "A failure with no more specific code (the base of every code; Mintbook "
                     "always raises a more specific one)"),
    "accounts_must_differ": _c(400, "A transfer's debit and credit accounts are the same"),
    "accounts_must_have_the_same_asset": _c(400, "A transfer's accounts hold different assets"),
    "cannot_transfer_to_self": _c(400, "The recipient is the sender"),
    "amount_too_large": _c(400, "An amount, or an order's notional, would reach 2^53"),
    "invalid_package": _c(400, "A package's tokens, price, bonus or currency are not valid"),
    "invalid_payload": _c(400, "The Stripe webhook's body is not a Stripe event"),
    "invalid_service_type": _c(400, "The service type is not a known one"),
    "invalid_window": _c(400, "A price's validity window ends before it starts"),
    "malformed_address": _c(400, "The wallet address is not a valid one for its chain"),
    "malformed_signature": _c(400, "The signature is not in the chain's encoding"),
    "unsupported_chain": _c(400, "Wallets of this chain are not supported"),
    "unsupported_signature_scheme": _c(400, "The signature's scheme is not supported (Sui: "
                                            "ed25519 only)"),
    "duplicate_order": _c(400, "The order is already in the book"),
    "insufficient_order_funds": _c(400, "A buy order holds less than its notional and fee"),
    "market_order_cannot_rest": _c(400, "A market order must be IOC or FOK"),
    "price_not_on_tick": _c(400, "The price is not a multiple of the book's tick"),
    "price_required": _c(400, "A limit order needs a price"),
    "quantity_above_maximum": _c(400, "The quantity is above the book's maximum"),
    "quantity_below_minimum": _c(400, "The quantity is below the book's minimum"),
    "same_asset": _c(400, "A swap offer gives and wants the same asset"),
    "unknown_outcome": _c(400, "The outcome is not one of the market's"),
    "not_a_period_start": _c(400, "The leaderboard start is not the first day of a period "
                                  "(a Monday, the 1st of a month, 1970-01-01 for all time)"),
    # 401: who is calling is not established
    "unauthenticated": _c(401, "No valid credential (the family code of 401)"),
    "missing_token": _c(401, "No `Authorization: Bearer <Firebase ID token>` header"),
    "invalid_token": _c(401, "The ID token does not verify: malformed, signed wrongly, for "
                             "another project (aud/iss), issued or signed in in the future, "
                             "lacking iat, exp or auth_time, or its uid cannot hold accounts"),
    "token_expired": _c(401, "The ID token's exp has passed (no clock skew is allowed): get a "
                             "fresh one"),
    "token_revoked": _c(401, "The ID token's account was deleted, or its sessions were revoked "
                             "after the token was issued: sign in again"),
    "account_disabled": _c(401, "The ID token's Firebase Auth account is disabled"),
    "invalid_signature": _c((400, 401), "The signature does not verify: the Stripe webhook's "
                                        "(400) or a wallet's (401)"),
    "unknown_nonce": _c(401, "The sign-in nonce was never issued"),
    "nonce_expired": _c(401, "The sign-in nonce has expired; ask for a new challenge"),
    "public_key_mismatch": _c(401, "The signature's public key is not the address's"),
    # 403: known caller, not allowed
    "forbidden": _c(403, "Not allowed (the family code of 403)"),
    "role_required": _c(403, "The call needs a higher role"),
    "rank_too_low": _c(403, "You may only manage users ranked below you, and grant only "
                            "lower ranks"),
    "cannot_change_self": _c(403, "An admin may not change their own role or status"),
    "account_deleted": _c(403, "The account was deleted: its tokens are refused and it cannot "
                               "be changed again"),
    "account_frozen": _c(403, "The account is suspended or banned and may not move tokens"),
    "service_role_required": _c(403, "Only a service identity may charge fees"),
    "reward_role_required": _c(403, "Only a service identity or an admin may pay rewards"),
    "not_the_creator": _c(403, "Only the creator or an admin may post a creator's news"),
    "not_your_offer": _c(403, "The swap offer is someone else's"),
    "not_your_order": _c(403, "The order is someone else's"),
    "cannot_take_own_offer": _c(403, "A maker cannot take their own swap offer"),
    "cannot_unlink_sign_in_wallet": _c(403, "The wallet you signed in with cannot be unlinked"),
    "nonce_address_mismatch": _c(403, "The nonce was issued for another address"),
    "nonce_purpose_mismatch": _c(403, "The nonce was issued for sign-in, not linking (or the "
                                      "reverse)"),
    "nonce_user_mismatch": _c(403, "The link nonce was issued to another user"),
    # 404: the thing named does not exist (or the caller may not know it does)
    "not_found": _c(404, "Not found (the family code of 404)"),
    "unknown_asset": _c(404, "No such asset"),
    "unknown_book": _c(404, "No such order book"),
    "unknown_creator": _c(404, "No such creator"),
    "unknown_application": _c(404, "The user has not applied to list a creator token"),
    "unknown_failed_delivery": _c(404, "No failed Stripe delivery with this event id"),
    "unknown_flag": _c(404, "The user has no flag"),
    "unknown_forecast": _c(404, "That user has no forecast in this market"),
    "unknown_market": _c(404, "No such market"),
    "unknown_order": _c(404, "No such order"),
    "unknown_package": _c(404, "No such package"),
    "unknown_user": _c(404, "No such user"),
    "offer_not_found": _c(404, "No such swap offer"),
    "package_inactive": _c(404, "The package is not on sale"),
    "wallet_not_linked": _c(404, "The wallet is not linked to your account"),
    # 405, 413, 415: the shape of the request
    "method_not_allowed": _c(405, "Each function takes one method (see the function table)"),
    "payload_too_large": _c(413, "The body is over the limit (see the body limits)"),
    "unsupported_media_type": _c(415, "A body came with a Content-Type other than "
                                      "`application/json` (a charset other than utf-8 included)"),
    # 409: contradicts stored state
    "conflict": _c(409, "Contradicts stored state (the family code of 409)"),
    "idempotency_conflict": _c(409, "The Idempotency-Key was used with another body"),
    "version_conflict": _c(409, "The document changed since you read it: read it again"),
    "forecast_not_flagged": _c(409, "The forecast has no open flag to clear"),
    "asset_exists": _c(409, "An asset with this code exists"),
    "book_exists": _c(409, "A book for this pair exists"),
    "creator_exists": _c(409, "The user already has a creator token"),
    "symbol_taken": _c(409, "A creator token has this symbol"),
    "slug_taken": _c(409, "A market has this slug"),
    "lease_lost": _c(409, "Another sequencer holds the book (internal; answered by a task)"),
    "market_already_resolved": _c(409, "The market was resolved already"),
    "market_already_cancelled": _c(409, "The market was cancelled already"),
    "nonce_already_used": _c(409, "The nonce was used already"),
    "offer_insufficient_remaining": _c(409, "The swap offer has less left than asked for"),
    "offer_not_open": _c(409, "The swap offer is filled or cancelled"),
    "wallet_linked_elsewhere": _c(409, "The wallet is linked to another account"),
    "application_pending": _c(409, "Your creator application is being reviewed"),
    "application_reviewed": _c(409, "The creator application was approved or rejected already"),
    "amount_owed": _c(409, "The account owes tokens back (a clawback): repay before deleting it"),
    "tokens_committed": _c(409, "Tokens are committed to open orders or markets: cancel the "
                                "orders and let the markets settle before deleting the account"),
    "balance_remains": _c(409, "The account holds tokens: delete it with confirm_forfeit to give "
                               "them up to the treasury"),
    # 422: well-formed, refused by the ledger or a rule
    "rejected": _c(422, "Refused by a rule (the family code of 422)"),
    "insufficient_funds": _c(422, "Available balance is less than the amount (and its fee)"),
    "supply_cap_exceeded": _c(422, "The mint would pass the asset's supply cap"),
    "amount_overflow": _c(422, "A balance or counter would reach 2^53"),
    "exceeds_pending_transfer_amount": _c(422, "Posting more than the hold has left"),
    "pending_transfer_already_posted": _c(422, "The hold was posted already"),
    "pending_transfer_already_voided": _c(422, "The hold was voided already"),
    "amount_mismatch": _c(422, "The payment's amount is not the purchase's"),
    "currency_mismatch": _c(422, "The payment's currency is not the purchase's"),
    "payment_intent_mismatch": _c(422, "The PaymentIntent is not the purchase's"),
    "uid_mismatch": _c(422, "The payment names another user than the purchase"),
    "purchase_amount_limit": _c(422, "The purchase is over the per-purchase amount limit"),
    "market_not_open": _c(422, "The market is not open (yet, or any more)"),
    "market_closed": _c(422, "The market is past its close time"),
    "market_suspended": _c(422, "The market is suspended"),
    "market_resolved": _c(422, "The market is resolved"),
    "market_cancelled": _c(422, "The market is cancelled"),
    "market_not_closed": _c(422, "A market is resolved only after its close time"),
    "market_not_suspended": _c(422, "Only a suspended market can be reopened"),
    "max_per_user_exceeded": _c(422, "The commit would pass the market's per-user cap"),
    "forecast_outcome_fixed": _c(422, "Your forecast is on another outcome; you may only raise it"),
    "no_settlement": _c(422, "The market has no settlement to pay"),
    "settlement_shortfall": _c(422, "The market's pool cannot pay a payout step"),
    "book_halted": _c(422, "The book is halted: new orders are refused, cancels accepted"),
    "book_closed": _c(422, "The book is closed (delisted): it accepts nothing more"),
    "no_liquidity": _c(422, "A market order met an empty book"),
    "fill_too_small": _c(422, "The swap fill is too small to pay anything"),
    "partial_fill_not_allowed": _c(422, "The maker only accepts a fill of the whole offer"),
    "rate_out_of_band": _c(422, "The swap rate is too far from the market rate"),
    "price_unavailable": _c(422, "An asset has no market price"),
    "no_price_in_force": _c(422, "The service has no price in force now"),
    "rewards_pool_empty": _c(422, "The rewards pool cannot pay this reward now"),
    # 429: too many calls
    "rate_limited": _c(429, "Too many calls in the window: `details.bucket`, `Retry-After`"),
    "purchase_hourly_limit": _c(429, "At most 5 purchases an hour"),
    # 5xx
    "processing_failed": _c(500, "The work failed and was recorded for a retry (the Stripe "
                                 "webhook: Stripe redelivers)"),
    "not_configured": _c(500, "A required setting (a Stripe secret) is missing: the function "
                              "refuses to run"),
    "internal": _c(500, "A bug: logged with the request id the message gives"),
    "not_ready": _c(503, "This instance does not reach Firestore now (ready); retry later"),
    "unavailable": _c(503, "Could not commit now; nothing was written. Retry with the same key "
                           "after `Retry-After`"),
}
