"""Requests and responses of wallet sign-in and linked wallets."""

from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from shared.web.schemas.common import Body, View

ChainName = Annotated[str, StringConstraints(min_length=1, max_length=20)]
Address = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[^/]+$")]
Nonce = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Signature = Annotated[str, StringConstraints(min_length=1, max_length=400)]
Scheme = Annotated[str, StringConstraints(min_length=1, max_length=20)]


class ChallengeRequest(Body):
    chain: ChainName
    address: Address
    scheme: Scheme = "ed25519"


class ChallengeView(View):
    chain: str
    address: str
    nonce: str
    message: str
    issued_at: datetime
    expires_at: datetime


class ProofRequest(Body):
    chain: ChainName
    address: Address
    nonce: Nonce
    signature: Signature
    scheme: Scheme = "ed25519"


class SignInResult(View):
    uid: str
    created: bool
    custom_token: str


class UnlinkRequest(Body):
    address: Address


class WalletView(View):
    address: str
    chain: str
    owner: str


class LinkedWallet(View):
    address: str
    chain: str
    linked_at: datetime | None = None
    sign_in: bool


class LinkedWallets(View):
    items: list[LinkedWallet]
