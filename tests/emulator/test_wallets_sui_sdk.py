"""Sui sign-in with signatures made by the official @mysten/sui SDK (Ed25519Keypair.
signPersonalMessage), installed from npm into the session's temp dir and run with node.

Mintbook's verifier never makes a test signature: this is the wallet's own code signing the
message the server handed out. Skipped (with the reason) only when node or npm is missing.
"""
from __future__ import annotations

import json
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest

from .helpers import error, key, ok

pytestmark = pytest.mark.usefixtures("ledger")
SDK = "@mysten/sui@2.33.1"
SIGNER = """
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
const [seedHex, message] = process.argv.slice(2);
const kp = Ed25519Keypair.fromSecretKey(Uint8Array.from(Buffer.from(seedHex, 'hex')));
const address = kp.getPublicKey().toSuiAddress();
const signature = message === undefined ? null
  : (await kp.signPersonalMessage(new TextEncoder().encode(message))).signature;
console.log(JSON.stringify({ address, signature }));
"""


@pytest.fixture(scope="module")
def sui_wallet(tmp_path_factory: pytest.TempPathFactory):
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.fail("node and npm are needed to run the @mysten/sui SDK (install Node.js)")
    root: Path = tmp_path_factory.mktemp("sui-sdk")
    (root / "package.json").write_text('{"name": "sui-signer", "private": true, "type": "module"}')
    installed = subprocess.run(["npm", "install", "--no-audit", "--no-fund", SDK], cwd=root,
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-2000:]
    (root / "sign.mjs").write_text(SIGNER)

    def run(seed: str, message: str | None = None) -> dict:
        args = ["node", "sign.mjs", seed] + ([message] if message is not None else [])
        done = subprocess.run(args, cwd=root, capture_output=True, text=True, timeout=60,
                              check=True)
        return json.loads(done.stdout)

    return run


def test_a_sui_wallet_signs_in_with_a_signature_from_the_official_sdk(api, sui_wallet):
    seed = secrets.token_hex(32)
    address = sui_wallet(seed)["address"]
    challenge = ok(api.call("POST", "wallet_challenge", json={"chain": "sui", "address": address},
                            idempotency_key=key()))
    signed = sui_wallet(seed, challenge["message"])
    body = {"chain": "sui", "address": address, "nonce": challenge["nonce"],
            "signature": signed["signature"]}
    other = sui_wallet(secrets.token_hex(32), challenge["message"])["signature"]
    error(api.call("POST", "wallet_sign_in", json={**body, "signature": other},
                   idempotency_key=key()), 401, "public_key_mismatch")
    result = ok(api.call("POST", "wallet_sign_in", json=body, idempotency_key=key()))
    assert result["created"] and result["custom_token"]
    error(api.call("POST", "wallet_sign_in", json=body, idempotency_key=key()), 409,
          "nonce_already_used")
