"""Wallet sign-in and linked wallets through the dev server: Solana keys and signatures from
pynacl, Sui addresses and signatures from the official @mysten/sui SDK."""
from __future__ import annotations

import base64
import json
import secrets

import base58
import pytest
import requests
from nacl.signing import SigningKey

from tests.support.firestore_rest import OWNER
from tests.support.sui_sdk import SuiSdk

from .helpers import balance, error, key, ok, reconcile

pytestmark = pytest.mark.usefixtures("ledger")
SUI: SuiSdk | None = None  # the session's SDK signer, set for every test by `sui_wallets`


@pytest.fixture(autouse=True)
def sui_wallets(sui_sdk: SuiSdk) -> None:
    global SUI
    SUI = sui_sdk


def solana(k: SigningKey) -> str:
    return base58.b58encode(bytes(k.verify_key)).decode()


def sui(k: SigningKey) -> str:
    assert SUI is not None
    return SUI.address(bytes(k).hex())  # bytes(k) is the key's 32-byte seed


def sign(chain: str, k: SigningKey, message: str) -> str:
    if chain == "solana":
        return base58.b58encode(k.sign(message.encode()).signature).decode()
    assert SUI is not None
    return SUI.sign(bytes(k).hex(), message)


ADDRESS = {"solana": solana, "sui": sui}


@pytest.fixture(autouse=True)
def own_client_ip(api):
    """Sign-in is limited per IP (10 a minute): each test is a different client address."""
    api.http.headers["X-Forwarded-For"] = f"198.51.100.{secrets.randbelow(250) + 1}, 203.0.113.{secrets.randbelow(250) + 1}"
    yield
    api.http.headers.pop("X-Forwarded-For", None)


def challenge(api, chain: str, address: str, uid: str | None = None) -> dict:
    name = "wallet_link_challenge" if uid else "wallet_challenge"
    return ok(api.call("POST", name, uid, json={"chain": chain, "address": address},
                       idempotency_key=key()))


def proof(chain: str, k: SigningKey, c: dict, **changes) -> dict:
    return {"chain": chain, "address": ADDRESS[chain](k), "nonce": c["nonce"],
            "signature": sign(chain, k, c["message"]), **changes}


def sign_in(api, body: dict):
    return api.call("POST", "wallet_sign_in", json=body, idempotency_key=key())


def token_uid(custom_token: str) -> str:
    payload = custom_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["uid"]


@pytest.mark.parametrize("chain", ["solana", "sui"])
def test_a_wallet_signs_in_creates_its_user_once_and_a_replay_is_refused(api, admin_uid, chain):
    k = SigningKey.generate()
    c = challenge(api, chain, ADDRESS[chain](k))
    assert c["address"] in c["message"] and c["nonce"] in c["message"]
    body = proof(chain, k, c)
    first = ok(sign_in(api, body))
    assert first["created"] and token_uid(first["custom_token"]) == first["uid"]
    assert ":" not in first["uid"] and "/" not in first["uid"]
    assert balance(api, first["uid"])["total"] == 10_000  # welcome bonus, paid once
    error(sign_in(api, body), 409, "nonce_already_used")
    again = ok(sign_in(api, proof(chain, k, challenge(api, chain, ADDRESS[chain](k)))))
    assert (again["uid"], again["created"]) == (first["uid"], False)
    assert balance(api, first["uid"])["total"] == 10_000
    wallets = ok(api.call("GET", "list_wallets", first["uid"]))["items"]
    assert [(w["address"], w["sign_in"]) for w in wallets] == [(ADDRESS[chain](k), True)]
    assert reconcile(api, admin_uid)["ok"]


@pytest.mark.parametrize("chain", ["solana", "sui"])
def test_each_bad_proof_has_its_own_code_and_leaves_the_nonce_usable(api, chain):
    k, other = SigningKey.generate(), SigningKey.generate()
    c = challenge(api, chain, ADDRESS[chain](k))
    wrong_key = "invalid_signature" if chain == "solana" else "public_key_mismatch"
    error(sign_in(api, proof(chain, k, c, signature=sign(chain, other, c["message"]))), 401, wrong_key)
    error(sign_in(api, proof(chain, k, c, signature=sign(chain, k, c["message"] + "!"))), 401,
          "invalid_signature")
    error(sign_in(api, proof(chain, k, c, signature="%%%")), 400, "malformed_signature")
    error(sign_in(api, proof(chain, k, c, address="0x1234")), 400, "malformed_address")
    error(sign_in(api, proof(chain, k, c, scheme="secp256k1")), 400, "unsupported_signature_scheme")
    error(sign_in(api, {**proof(chain, k, c), "chain": "ethereum"}), 400, "unsupported_chain")
    error(sign_in(api, proof(chain, other, c)), 403, "nonce_address_mismatch")
    error(sign_in(api, proof(chain, k, c, nonce="0" * 32)), 401, "unknown_nonce")
    assert ok(sign_in(api, proof(chain, k, c)))["created"]  # none of the above spent it


def test_a_sui_secp256k1_signature_is_unsupported(api):
    k = SigningKey.generate()
    c = challenge(api, "sui", sui(k))
    flagged = base64.b64encode(b"\x01" + bytes(96)).decode()
    error(sign_in(api, proof("sui", k, c, signature=flagged)), 400, "unsupported_signature_scheme")


def test_an_expired_nonce_is_refused_and_then_swept(api, firestore_rest, server_url):
    k = SigningKey.generate()
    c = challenge(api, "solana", solana(k))
    path = f"wallet_nonces/{c['nonce']}"
    doc = firestore_rest.read(path, OWNER)
    firestore_rest.write(path, {**doc, "expires_at": doc["issued_at"]}, OWNER)
    error(sign_in(api, proof("solana", k, c)), 401, "nonce_expired")
    still_open = f"wallet_nonces/{challenge(api, 'solana', solana(k))['nonce']}"
    swept = requests.post(f"{server_url}/job_expire_wallet_nonces", timeout=30).json()["data"]
    assert swept["removed"] >= 1 and firestore_rest.read(path, OWNER) is None
    # the sweep says how many it found expired (what its reads grow with), and leaves an open
    # challenge alone: a second sweep finds nothing
    assert swept["changed"] == swept["removed"]
    assert firestore_rest.read(still_open, OWNER) is not None
    again = requests.post(f"{server_url}/job_expire_wallet_nonces", timeout=30).json()["data"]
    assert again == {"removed": 0, "changed": 0}


def test_a_user_links_and_unlinks_wallets_and_an_address_has_one_owner(api, admin_uid):
    sol, su = SigningKey.generate(), SigningKey.generate()
    c = challenge(api, "solana", solana(sol), uid="ann")
    linked = ok(api.call("POST", "wallet_link", "ann", json=proof("solana", sol, c),
                         idempotency_key=key()))
    assert linked == {"address": solana(sol), "chain": "solana", "owner": "ann"}
    c = challenge(api, "sui", sui(su), uid="ann")
    ok(api.call("POST", "wallet_link", "ann", json=proof("sui", su, c), idempotency_key=key()))
    assert {w["address"] for w in ok(api.call("GET", "list_wallets", "ann"))["items"]} \
        == {solana(sol), sui(su)}
    # Signing in with a linked wallet is signing in as its owner.
    signed = ok(sign_in(api, proof("solana", sol, challenge(api, "solana", solana(sol)))))
    assert (signed["uid"], signed["created"]) == ("ann", False)
    # Bob cannot take Ann's address, and cannot use a nonce issued to Ann.
    c = challenge(api, "solana", solana(sol), uid="bob")
    error(api.call("POST", "wallet_link", "bob", json=proof("solana", sol, c),
                   idempotency_key=key()), 409, "wallet_linked_elsewhere")
    c = challenge(api, "sui", sui(su), uid="ann")
    error(api.call("POST", "wallet_link", "bob", json=proof("sui", su, c), idempotency_key=key()),
          403, "nonce_user_mismatch")
    # A login nonce cannot link.
    c = challenge(api, "sui", sui(su))
    error(api.call("POST", "wallet_link", "bob", json=proof("sui", su, c), idempotency_key=key()),
          403, "nonce_purpose_mismatch")
    ok(api.call("POST", "wallet_unlink", "ann", json={"address": solana(sol)}, idempotency_key=key()))
    error(api.call("POST", "wallet_unlink", "ann", json={"address": solana(sol)},
                   idempotency_key=key()), 404, "wallet_not_linked")
    c = challenge(api, "solana", solana(sol), uid="bob")
    ok(api.call("POST", "wallet_link", "bob", json=proof("solana", sol, c), idempotency_key=key()))
    assert [w["address"] for w in ok(api.call("GET", "list_wallets", "bob"))["items"]] == [solana(sol)]
    assert reconcile(api, admin_uid)["ok"]


def test_the_sign_in_wallet_of_a_wallet_user_cannot_be_unlinked(api):
    k = SigningKey.generate()
    uid = ok(sign_in(api, proof("sui", k, challenge(api, "sui", sui(k)))))["uid"]
    error(api.call("POST", "wallet_unlink", uid, json={"address": sui(k)}, idempotency_key=key()),
          403, "cannot_unlink_sign_in_wallet")


def test_the_eleventh_sign_in_attempt_a_minute_from_one_address_is_refused(api):
    import time

    if 60 - time.time() % 60 < 20:  # start in a fresh window
        time.sleep(60 - time.time() % 60 + 0.5)
    # an address no other test uses: an instance remembers an address it refused until the
    # window ends, which clearing Firestore between tests does not forget
    api.http.headers["X-Forwarded-For"] = (f"198.18.{secrets.randbelow(250) + 1}."
                                           f"{secrets.randbelow(250) + 1}")
    k = SigningKey.generate()
    for _ in range(10):
        assert api.call("POST", "wallet_challenge", json={"chain": "solana",
                        "address": solana(k)}).status_code == 200
    refused = api.call("POST", "wallet_challenge", json={"chain": "solana", "address": solana(k)})
    assert (refused.status_code, refused.json()["errors"][0]["code"]) == (429, "rate_limited")
