"""Wallet sign-in in the web app, in a real browser (chromium, Playwright) against `next build &&
next start` on `make dev`'s demo data.

The browser wallet is a stand-in injected before the app loads (a Phantom-style `window.solana`,
or a Sui wallet announced through the Wallet Standard's window events), but its signatures are
real: it hands each message to Python (page.expose_function), which signs with an ed25519 key
from pynacl (Solana) or with the official Sui SDK (Sui personal messages). So the server checks a
signature it could not have produced itself. What the page must show comes from the API. Each
test saves a screenshot of its final page (.screenshots/web/).
"""
from __future__ import annotations

import re

import base58
from nacl.signing import SigningKey
from playwright.sync_api import expect

from tests.emulator.helpers import balance, ok
from tests.support.web import units

SOLANA_PROVIDER = """
window.solana = {
  isPhantom: true,
  connect: async () => ({ publicKey: { toString: () => ADDRESS } }),
  signMessage: async (message) =>
    ({ signature: new Uint8Array(await window.walletSign(Array.from(message))) }),
};
"""

SUI_WALLET = """
(() => {
  const account = { address: ADDRESS, publicKey: new Uint8Array(32), chains: ['sui:mainnet'],
                    features: ['sui:signPersonalMessage'] };
  const wallet = {
    version: '1.0.0', name: 'Test Sui Wallet', icon: 'data:image/svg+xml;base64,',
    chains: ['sui:mainnet'], accounts: [account],
    features: {
      'standard:connect': { version: '1.0.0', connect: async () => ({ accounts: [account] }) },
      'sui:signPersonalMessage': { version: '1.0.0', signPersonalMessage: async ({ message }) =>
        ({ bytes: btoa(String.fromCharCode(...message)),
           signature: await window.walletSign(Array.from(message)) }) },
    },
  };
  // The Wallet Standard handshake as a wallet does it: register now, and when the app is ready.
  const register = (api) => api.register(wallet);
  window.addEventListener('wallet-standard:app-ready', (event) => register(event.detail));
  window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: register }));
})();
"""


def install_wallet(page, script: str, address: str, sign) -> list[str]:
    """The wallet in every page the test opens; returns the messages it signs, as it signs them."""
    signed: list[str] = []

    def wallet_sign(message: list[int]):
        signed.append(bytes(message).decode())
        return sign(bytes(message))

    page.expose_function("walletSign", wallet_sign)
    page.add_init_script(script.replace("ADDRESS", repr(address)))
    return signed


def sign_in_with_wallet_and_see_the_balance(page, web_url: str, api, chain: str, address: str,
                                            signed: list[str], button: str) -> None:
    page.goto(web_url + "/")
    page.get_by_role("button", name=button).click()

    # the user is the wallet's own (the server derives its uid from the address)
    expect(page.get_by_test_id("signed-in-as")).to_have_text(re.compile(f"^w_{chain}_"))
    uid = page.get_by_test_id("signed-in-as").inner_text()
    wallets = ok(api.call("GET", "list_wallets", uid))["items"]
    assert [(w["chain"], w["address"], w["sign_in"]) for w in wallets] == [(chain, address, True)]
    # the wallet signed the server's challenge for its own address, once
    [message] = signed
    assert f"sign in with your {chain.title()} account:\n{address}\n\nNonce: " in message
    # the new user's welcome bonus arrives through the listener, as the API has it
    expect(page.get_by_test_id("total-CHIP")).to_have_text(re.compile(r"\d"))
    shown = units(page.get_by_test_id("total-CHIP").inner_text(), 2)
    assert shown == balance(api, uid)["total"] > 0


def test_a_solana_wallet_signs_in_and_sees_its_balance(demo_data, web_app, page, api):
    key = SigningKey.generate()
    address = base58.b58encode(bytes(key.verify_key)).decode()
    signed = install_wallet(page, SOLANA_PROVIDER, address,
                            lambda message: list(key.sign(message).signature))

    sign_in_with_wallet_and_see_the_balance(page, web_app.url, api, "solana", address, signed,
                                            "Sign in with wallet: Phantom (Solana)")


def test_a_sui_wallet_signs_in_and_sees_its_balance(demo_data, web_app, page, api, sui_sdk):
    seed = bytes(SigningKey.generate()).hex()
    address = sui_sdk.address(seed)
    signed = install_wallet(page, SUI_WALLET, address,
                            lambda message: sui_sdk.sign(seed, message.decode()))

    sign_in_with_wallet_and_see_the_balance(page, web_app.url, api, "sui", address, signed,
                                            "Sign in with wallet: Test Sui Wallet (Sui)")


def test_without_a_browser_wallet_there_is_no_wallet_button(demo_data, web_app, page):
    page.goto(web_app.url + "/")

    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_test_id("wallet-sign-in")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Sign in with wallet"))).to_have_count(0)
