"""Wallet sign-in (Solana, Sui) and linking more wallets to an account."""
from __future__ import annotations

from shared.services import flags, wallets
from shared.web.endpoint import Context, endpoint
from shared.web.schemas.wallets import (ChallengeRequest, ChallengeView, LinkedWallets,
                                        ProofRequest, SignInResult, UnlinkRequest, WalletView)

PROOF_ERRORS = ("unsupported_chain", "unsupported_signature_scheme", "malformed_address",
                "malformed_signature", "unknown_nonce", "nonce_already_used", "nonce_expired",
                "nonce_address_mismatch", "nonce_purpose_mismatch", "public_key_mismatch",
                "invalid_signature")


@endpoint("wallet_challenge", method="POST", auth=None, body=ChallengeRequest, idempotent=False,
          rate_limit="auth",
          response=ChallengeView, summary="A single-use message for a wallet to sign to sign in",
          errors=("unsupported_chain", "unsupported_signature_scheme", "malformed_address"))
def wallet_challenge(ctx: Context, body: ChallengeRequest) -> dict:
    return wallets.issue_challenge(body.chain, body.address, body.scheme)


@endpoint("wallet_sign_in", method="POST", auth=None, body=ProofRequest, response=SignInResult,
          idempotent=False, rate_limit="auth",
          summary="Exchange a signed challenge for a Firebase custom token", errors=PROOF_ERRORS)
def wallet_sign_in(ctx: Context, body: ProofRequest) -> dict:
    # The nonce, not the Idempotency-Key, makes this single-use: a replay is nonce_already_used.
    signed_in = wallets.sign_in(body.chain, body.address, body.nonce, body.signature, body.scheme)
    if signed_in["created"]:  # for the suspicious-account rules: many accounts from one IP
        flags.note_signup(signed_in["uid"], ctx.ip, body.address)
    return signed_in


@endpoint("wallet_link_challenge", method="POST", body=ChallengeRequest, response=ChallengeView,
          summary="A single-use message for a wallet to sign to link it to your account",
          errors=("unsupported_chain", "unsupported_signature_scheme", "malformed_address"))
def wallet_link_challenge(ctx: Context, body: ChallengeRequest) -> dict:
    return wallets.issue_challenge(body.chain, body.address, body.scheme, uid=ctx.uid)


@endpoint("wallet_link", method="POST", body=ProofRequest, response=WalletView,
          summary="Link a wallet to your account with a signed link challenge",
          errors=PROOF_ERRORS + ("nonce_user_mismatch", "wallet_linked_elsewhere"))
def wallet_link(ctx: Context, body: ProofRequest) -> dict:
    linked = wallets.link(ctx.operation(body.model_dump()), ctx.user, body.chain, body.address,
                          body.nonce, body.signature, body.scheme)
    flags.note_wallet(ctx.uid, linked["address"])  # many new accounts from one wallet
    return linked


@endpoint("wallet_unlink", method="POST", body=UnlinkRequest, response=WalletView,
          summary="Unlink a wallet from your account",
          errors=("wallet_not_linked", "cannot_unlink_sign_in_wallet"))
def wallet_unlink(ctx: Context, body: UnlinkRequest) -> dict:
    return wallets.unlink(ctx.operation(body.model_dump()), ctx.user, body.address)


@endpoint("list_wallets", response=LinkedWallets, summary="Wallets linked to your account")
def list_wallets(ctx: Context, _: None) -> dict:
    return {"items": wallets.wallets_of(ctx.uid)}
