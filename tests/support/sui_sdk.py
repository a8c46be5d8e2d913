"""Sui wallets as the official @mysten/sui SDK makes them (Ed25519Keypair, signPersonalMessage).

Guarantees:
- Every Sui address and personal-message signature a test uses comes from the SDK itself, never
  from Mintbook's verifier nor from a re-implementation in the tests.
- The SDK is installed from npm (a pinned version) into a folder of the session's own, and one
  node process answers every request (a JSON line in, a JSON line out), so a signature costs a
  pipe round trip, not a node start-up.
- A missing node or npm is a test failure that says so, never a skip.
"""
from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest

from .npm import require_node

SDK = "@mysten/sui@2.33.1"
SIGNER = """
import { Ed25519Keypair } from '@mysten/sui/keypairs/ed25519';
import readline from 'node:readline';
for await (const line of readline.createInterface({ input: process.stdin })) {
  const { seed, message } = JSON.parse(line);
  const kp = Ed25519Keypair.fromSecretKey(Uint8Array.from(Buffer.from(seed, 'hex')));
  const signature = message === null ? null
    : (await kp.signPersonalMessage(new TextEncoder().encode(message))).signature;
  console.log(JSON.stringify({ address: kp.getPublicKey().toSuiAddress(), signature }));
}
"""


class SuiSdk:
    """A running SDK signer; `seed` is an ed25519 private key seed (32 bytes, as hex)."""

    def __init__(self, root: Path) -> None:
        require_node()
        (root / "package.json").write_text('{"name": "sui-signer", "private": true, "type": "module"}')
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", SDK], cwd=root,
                              capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.fail(f"npm install {SDK} failed:\n{done.stderr[-2000:]}", pytrace=False)
        (root / "sign.mjs").write_text(SIGNER)
        self._node = subprocess.Popen(["node", "sign.mjs"], cwd=root, text=True,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._lock = threading.Lock()

    def address(self, seed: str) -> str:
        return self._ask(seed, None)["address"]

    def sign(self, seed: str, message: str) -> str:
        """The base64 serialized signature (flag, signature, public key) a Sui wallet returns."""
        return self._ask(seed, message)["signature"]

    def _ask(self, seed: str, message: str | None) -> dict:
        with self._lock:
            assert self._node.stdin and self._node.stdout
            self._node.stdin.write(json.dumps({"seed": seed, "message": message}) + "\n")
            self._node.stdin.flush()
            line = self._node.stdout.readline()
        if not line:
            raise RuntimeError(f"the Sui SDK signer exited ({self._node.poll()})")
        return json.loads(line)

    def close(self) -> None:
        if self._node.stdin:
            self._node.stdin.close()
        self._node.wait(timeout=30)


@pytest.fixture(scope="session")
def sui_sdk(tmp_path_factory: pytest.TempPathFactory):
    """The official Sui SDK, signing as a wallet does; conftests that need it import this."""
    sdk = SuiSdk(tmp_path_factory.mktemp("sui-sdk"))
    yield sdk
    sdk.close()
