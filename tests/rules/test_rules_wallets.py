"""firestore.rules for issue 6's collections: linked wallets (owner and admins), nonces (server
only), market data (public), offers and the service price table (signed-in), through the
emulator's REST API. Clients write none of them."""
from __future__ import annotations


import pytest

from tests.rules.rules_support import (ADMIN, CREATED, OTHER, OWNER, Where,
                                       allowed, query_paths)

DOCS: dict[str, dict] = {
    "wallet_addresses/So1anaAddr": {"address": "So1anaAddr", "chain": "solana", "owner": OWNER,
                                    "linked_at": CREATED},
    "wallet_nonces/n1": {"nonce": "n1", "address": "So1anaAddr", "chain": "solana",
                         "purpose": "login", "expires_at": CREATED},
    "wallet_nonces_used/n0": {"uid": OWNER, "address": "So1anaAddr", "expires_at": CREATED},
    "asset_prices/CHIPS": {"asset": "CHIPS", "usd": 5, "btc": 1, "version": 1},
    "price_history/p1": {"asset": "CHIPS", "usd": 5, "btc": 1, "at": CREATED},
    "swap_volume/CHIPS-GOLD@2026-01-01#0": {"pair": "CHIPS-GOLD", "day": "2026-01-01",
                                           "base_volume": 1, "quote_volume": 1, "fills": 1},
    "swap_offers/o1": {"id": "o1", "maker": OWNER, "status": "open", "give_asset": "CHIPS"},
    "service_prices/s1": {"service_type": "search", "asset": "CHIPS", "amount": 10},
}
CALLERS = {"anonymous": None, "owner": OWNER, "other": OTHER, "admin": ADMIN}
READERS = {
    "wallet_addresses/So1anaAddr": {"owner", "admin"},
    "wallet_nonces/n1": set(),
    "wallet_nonces_used/n0": set(),
    "asset_prices/CHIPS": set(CALLERS),
    "price_history/p1": set(CALLERS),
    "swap_volume/CHIPS-GOLD@2026-01-01#0": set(CALLERS),
    "swap_offers/o1": {"owner", "other", "admin"},
    "service_prices/s1": {"owner", "other", "admin"},
}


@pytest.mark.parametrize("path", list(DOCS))
@pytest.mark.parametrize("caller", list(CALLERS))
def test_who_may_get_each_document(client, path, caller):
    assert allowed(client.get(path, CALLERS[caller])) is (caller in READERS[path])


@pytest.mark.parametrize("path", list(DOCS))
@pytest.mark.parametrize("caller", list(CALLERS))
def test_no_client_writes_anything(client, path, caller):
    uid = CALLERS[caller]
    assert allowed(client.update(path, {"owner": OTHER, "amount": 1}, uid)) is False
    assert allowed(client.delete(path, uid)) is False
    assert allowed(client.create(path.split("/")[0] + "/forged", {"owner": uid}, uid)) is False
    assert client.peek(path) == DOCS[path]


def test_a_user_lists_only_their_own_wallets(client):
    mine = client.query("wallet_addresses", OWNER, Where("owner", OWNER))
    assert allowed(mine) and query_paths(mine, client.project) == ["wallet_addresses/So1anaAddr"]
    assert allowed(client.query("wallet_addresses", OTHER, Where("owner", OWNER))) is False
    assert allowed(client.query("wallet_addresses", OWNER)) is False
