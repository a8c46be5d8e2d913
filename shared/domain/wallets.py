"""Wallet sign-in and linking: the challenge message and the proof that a key signed it.

Pure (stdlib plus pynacl and base58). Guarantees:
- The message to sign names the domain, the purpose, the address, a nonce, and when it was issued
  and expires; `challenge_message` is the only way it is built, so the server verifies exactly
  the text it handed out, never one the client assembled.
- Only ed25519 is accepted. Solana: the address is the base58 32-byte public key and the signature
  (base58, 64 bytes) is over the raw message. Sui: the address is "0x" + blake2b-256(0x00 || key)
  and the signature is base64(flag 0x00 || 64-byte signature || 32-byte key) over
  blake2b-256([3,0,0] || uleb128(len) || message) (the personal-message intent).
- Each failure has its own code: malformed_address, malformed_signature,
  unsupported_signature_scheme, unsupported_chain, public_key_mismatch, invalid_signature,
  nonce_expired, nonce_address_mismatch. Nothing here has effects, so a failure changes nothing.
- A wallet user's uid is derived from the chain and address alone and never contains ':' or '/'.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

import base58

from shared.domain.errors import Forbidden, InvalidInput, Unauthenticated

NONCE_TTL_S = 300
SUI_ED25519_FLAG = 0x00
# Sui's other signature flags: secp256k1, secp256r1, multisig, zkLogin, passkey.
SUI_OTHER_FLAGS = {0x01: "secp256k1", 0x02: "secp256r1", 0x03: "multisig", 0x05: "zklogin",
                   0x06: "passkey"}
SUI_PERSONAL_MESSAGE_INTENT = bytes([3, 0, 0])
SUI_ADDRESS = re.compile(r"^0x[0-9a-f]{64}$")


class Chain(StrEnum):
    SOLANA = "solana"
    SUI = "sui"


class Purpose(StrEnum):
    LOGIN = "login"
    LINK = "link"


class Challenge(NamedTuple):
    """A single-use nonce for one address; `uid` is set when a signed-in user links a wallet."""

    nonce: str
    chain: Chain
    address: str
    purpose: Purpose
    issued_at: datetime
    expires_at: datetime
    domain: str
    uid: str | None = None

    @property
    def message(self) -> str:
        return challenge_message(self)


def require_chain(chain: str) -> Chain:
    try:
        return Chain(chain)
    except ValueError:
        raise InvalidInput(f"wallets on {chain!r} are not supported", field="chain",
                           code="unsupported_chain") from None


def require_scheme(scheme: str) -> None:
    if scheme != "ed25519":
        raise InvalidInput(f"signature scheme {scheme!r} is not supported; use ed25519",
                           field="scheme", code="unsupported_signature_scheme")


def normalize_address(chain: Chain, address: str) -> str:
    """The canonical form of an address, or malformed_address."""
    if chain is Chain.SUI:
        lowered = address.lower()
        if not SUI_ADDRESS.match(lowered):
            raise _malformed_address("a Sui address is 0x and 64 hex digits")
        return lowered
    try:
        key = base58.b58decode(address.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise _malformed_address("a Solana address is a base58 public key") from None
    if len(key) != 32 or base58.b58encode(key).decode() != address:
        raise _malformed_address("a Solana address is a base58 32-byte public key")
    return address


def sui_address(public_key: bytes) -> str:
    return "0x" + hashlib.blake2b(bytes([SUI_ED25519_FLAG]) + public_key, digest_size=32).hexdigest()


def uleb128(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def sui_personal_message_digest(message: bytes) -> bytes:
    return hashlib.blake2b(SUI_PERSONAL_MESSAGE_INTENT + uleb128(len(message)) + message,
                           digest_size=32).digest()


def challenge_message(c: Challenge) -> str:
    action = "sign in with" if c.purpose is Purpose.LOGIN else "link"
    return (f"{c.domain} wants you to {action} your {c.chain.value.title()} account:\n"
            f"{c.address}\n\n"
            f"Nonce: {c.nonce}\n"
            f"Issued At: {_iso(c.issued_at)}\n"
            f"Expiration Time: {_iso(c.expires_at)}")


def check_challenge(c: Challenge, chain: Chain, address: str, now: datetime) -> None:
    """The nonce was issued for this address and has not expired."""
    if c.chain is not chain or c.address != address:
        raise Forbidden("this nonce was issued for another address", field="nonce",
                        code="nonce_address_mismatch")
    if now >= c.expires_at:
        raise Unauthenticated("the nonce has expired; ask for a new challenge", field="nonce",
                              code="nonce_expired")


def verify(chain: Chain, address: str, message: str, signature: str) -> None:
    """Raise unless `signature` proves the key of `address` signed `message`."""
    raw = message.encode()
    if chain is Chain.SOLANA:
        key, sig, signed = base58.b58decode(address), _solana_signature(signature), raw
    else:
        sig, key = _sui_signature(signature)
        if sui_address(key) != address:
            raise Unauthenticated("the signature's public key is not this address's key",
                                  field="signature", code="public_key_mismatch")
        signed = sui_personal_message_digest(raw)
    # pynacl (libsodium through cffi) is imported here, not at module level: only the functions
    # that verify a signature pay for it at cold start.
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    try:
        VerifyKey(key).verify(signed, sig)
    except (BadSignatureError, ValueError):
        raise Unauthenticated("the signature does not verify for this address",
                              field="signature", code="invalid_signature") from None


def wallet_uid(chain: Chain, address: str) -> str:
    """Deterministic uid of a user first seen through a wallet; no ':' or '/'."""
    digest = hashlib.sha256(f"{chain.value}\x1f{address}".encode()).hexdigest()[:32]
    return f"w_{chain.value}_{digest}"


def _solana_signature(signature: str) -> bytes:
    try:
        sig = base58.b58decode(signature.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise _malformed_signature("a Solana signature is 64 bytes in base58") from None
    if len(sig) != 64:
        raise _malformed_signature("a Solana signature is 64 bytes in base58")
    return sig


def _sui_signature(signature: str) -> tuple[bytes, bytes]:
    try:
        blob = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise _malformed_signature("a Sui signature is base64 of flag || signature || key") from None
    if blob and blob[0] in SUI_OTHER_FLAGS:
        raise InvalidInput(f"{SUI_OTHER_FLAGS[blob[0]]} signatures are not supported; use ed25519",
                           field="signature", code="unsupported_signature_scheme")
    if len(blob) != 97 or blob[0] != SUI_ED25519_FLAG:
        raise _malformed_signature("a Sui ed25519 signature is 97 bytes: 0x00, signature, key")
    return blob[1:65], blob[65:]


def _malformed_address(message: str) -> InvalidInput:
    return InvalidInput(message, field="address", code="malformed_address")


def _malformed_signature(message: str) -> InvalidInput:
    return InvalidInput(message, field="signature", code="malformed_signature")


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")
