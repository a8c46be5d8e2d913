"""Wallet proofs: real ed25519 keys from pynacl, signatures built the way each wallet builds them
(never with Mintbook's verifier)."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta, timezone

import base58
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nacl.signing import SigningKey

from shared.domain.errors import MintbookError
from shared.domain.wallets import (Chain, Challenge, Purpose, check_challenge, normalize_address,
                                   require_chain, require_scheme, uleb128, verify, wallet_uid)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)


def solana(key: SigningKey) -> str:
    return base58.b58encode(bytes(key.verify_key)).decode()


def solana_sign(key: SigningKey, message: str) -> str:
    return base58.b58encode(key.sign(message.encode()).signature).decode()


def sui(key: SigningKey) -> str:
    return "0x" + hashlib.blake2b(b"\x00" + bytes(key.verify_key), digest_size=32).hexdigest()


def sui_sign(key: SigningKey, message: str, flag: int = 0) -> str:
    raw = message.encode()
    assert len(raw) < 128  # one-byte uleb128, written out by hand here
    digest = hashlib.blake2b(bytes([3, 0, 0, len(raw)]) + raw, digest_size=32).digest()
    return base64.b64encode(bytes([flag]) + key.sign(digest).signature + bytes(key.verify_key)).decode()


def code_of(call) -> str:
    with pytest.raises(MintbookError) as caught:
        call()
    return caught.value.code


def test_a_solana_signature_over_the_message_verifies_and_another_key_does_not():
    key, other = SigningKey.generate(), SigningKey.generate()
    verify(Chain.SOLANA, solana(key), "hello", solana_sign(key, "hello"))
    assert code_of(lambda: verify(Chain.SOLANA, solana(key), "hello",
                                  solana_sign(other, "hello"))) == "invalid_signature"
    assert code_of(lambda: verify(Chain.SOLANA, solana(key), "hello!",
                                  solana_sign(key, "hello"))) == "invalid_signature"


def test_a_sui_personal_message_signature_verifies_and_a_foreign_key_is_named():
    key, other = SigningKey.generate(), SigningKey.generate()
    verify(Chain.SUI, sui(key), "hello", sui_sign(key, "hello"))
    assert code_of(lambda: verify(Chain.SUI, sui(key), "hello",
                                  sui_sign(other, "hello"))) == "public_key_mismatch"
    assert code_of(lambda: verify(Chain.SUI, sui(key), "bye",
                                  sui_sign(key, "hello"))) == "invalid_signature"


def test_other_schemes_and_garbage_have_their_own_codes():
    key = SigningKey.generate()
    assert code_of(lambda: verify(Chain.SUI, sui(key), "m", sui_sign(key, "m", flag=1))) \
        == "unsupported_signature_scheme"
    assert code_of(lambda: require_scheme("secp256k1")) == "unsupported_signature_scheme"
    assert code_of(lambda: require_chain("ethereum")) == "unsupported_chain"
    assert code_of(lambda: verify(Chain.SUI, sui(key), "m", "not base64!")) == "malformed_signature"
    assert code_of(lambda: verify(Chain.SOLANA, solana(key), "m", "0OIl")) == "malformed_signature"
    assert code_of(lambda: normalize_address(Chain.SOLANA, "abc")) == "malformed_address"
    assert code_of(lambda: normalize_address(Chain.SUI, "0x12")) == "malformed_address"
    assert normalize_address(Chain.SUI, sui(key).upper().replace("0X", "0x")) == sui(key)


def test_a_challenge_is_bound_to_its_address_and_expiry():
    c = Challenge("n" * 32, Chain.SOLANA, "addr", Purpose.LOGIN, NOW, NOW + timedelta(minutes=5),
                  "example.test")
    assert "addr" in c.message and "Nonce: " + "n" * 32 in c.message
    assert "Expiration Time: 2026-01-01T12:05:00Z" in c.message
    check_challenge(c, Chain.SOLANA, "addr", NOW)
    assert code_of(lambda: check_challenge(c, Chain.SOLANA, "other", NOW)) == "nonce_address_mismatch"
    assert code_of(lambda: check_challenge(c, Chain.SOLANA, "addr",
                                           NOW + timedelta(minutes=5))) == "nonce_expired"


@given(st.integers(min_value=0, max_value=2**35))
def test_uleb128_round_trips(n):
    data, value, shift = uleb128(n), 0, 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        shift += 7
    assert value == n and all(b & 0x80 for b in data[:-1]) and not data[-1] & 0x80


@given(st.binary(min_size=32, max_size=32))
def test_wallet_uids_are_stable_and_usable_as_owners(key):
    address = base58.b58encode(key).decode()
    uid = wallet_uid(Chain.SOLANA, address)
    assert uid == wallet_uid(Chain.SOLANA, address) != wallet_uid(Chain.SUI, address)
    assert ":" not in uid and "/" not in uid and len(uid) <= 128
