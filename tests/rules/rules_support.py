"""REST client for probing firestore.rules on the emulator, as a signed-in (or anonymous) client.

Guarantees:
- Every call as a caller goes through the emulator's public REST API with an unsigned ID token
  (or none), so the security rules decide; `seed` and `peek` use `Bearer owner`, which bypasses
  them, to set up and inspect state.
- `allowed(response)` is True for 200 and False for 403 PERMISSION_DENIED only; any other status
  fails the test, so a 400 or 404 never passes as "denied".
- Document paths are quoted segment by segment: account ids contain ':', which would otherwise
  read as a REST custom method (`...:runQuery`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import requests

from dev.tokens import unsigned_id_token
from tests.support.firestore_rest import decode_fields, encode, encode_fields

BYPASS = {"Authorization": "Bearer owner"}
TIMEOUT_S = 10

OWNER, OTHER, ADMIN = "alice", "bob", "ada"
MODERATOR, SUPERADMIN, SUSPENDED_ADMIN = "mo", "sam", "sus"
SYSTEM_UID = "sys.issuance"  # a uid shaped like a system account owner
CREATED = datetime(2026, 1, 1, tzinfo=timezone.utc)


def user(uid: str, role: str = "user", status: str = "active") -> dict:
    return {"uid": uid, "display_name": uid.title(), "bio": "", "avatar_url": "",
            "role": role, "status": status, "version": 1, "created_at": CREATED}


def account(owner: str, asset: str, kind: str, credits: int = 0, debits: int = 0,
            pending: int = 0) -> dict:
    balance = credits - debits
    return {"owner": owner, "asset": asset, "kind": kind, "debits_posted": debits,
            "credits_posted": credits, "debits_pending": pending, "credits_pending": 0,
            "balance": balance, "available": balance - pending, "version": 3}


# The documents every test starts from: alice owns one of each owner-field document; the
# admin-only and server-only documents name alice too, to prove that naming her grants nothing.
WORLD: dict[str, dict] = {
    f"users/{OWNER}": user(OWNER),
    f"users/{OTHER}": user(OTHER),
    f"users/{ADMIN}": user(ADMIN, role="admin"),
    f"users/{MODERATOR}": user(MODERATOR, role="moderator"),
    f"users/{SUPERADMIN}": user(SUPERADMIN, role="superadmin"),
    f"users/{SUSPENDED_ADMIN}": user(SUSPENDED_ADMIN, role="admin", status="suspended"),
    f"profiles/{OWNER}": {"display_name": "Alice", "avatar_url": "https://x.test/a.png",
                          "bio": "hi"},
    f"accounts/{OWNER}:CHIPS": account(OWNER, "CHIPS", "user", credits=1000, debits=200,
                                       pending=100),
    f"accounts/{SYSTEM_UID}:CHIPS": account(SYSTEM_UID, "CHIPS", "system", debits=1000),
    "journal/j-alice-1": {"owner": OWNER, "account_id": f"{OWNER}:CHIPS", "asset": "CHIPS",
                          "type": "purchase", "amount": 1000, "transfer_id": "t-alice-1",
                          "balance_before": 0, "balance_after": 1000, "created_at": CREATED},
    "holds/h-alice-1": {"owner": OWNER, "debit_account_id": f"{OWNER}:CHIPS",
                        "credit_account_id": "sys.escrow-m1:CHIPS", "asset": "CHIPS",
                        "amount": 100, "posted": 0, "remaining": 100, "status": "pending",
                        "type": "commit", "version": 1},
    "transfers/t-alice-1": {"id": "t-alice-1", "debit_account_id": f"{SYSTEM_UID}:CHIPS",
                            "credit_account_id": f"{OWNER}:CHIPS", "asset": "CHIPS",
                            "amount": 1000, "type": "purchase", "pending": False,
                            "owners": sorted([OWNER, SYSTEM_UID])},
    "idempotency/op-alice-1": {"caller": OWNER, "operation": "purchase",
                               "fingerprint": "abc", "response": {"status": 200}},
    "assets/CHIPS": {"code": "CHIPS", "name": "Chips", "decimals": 0, "kind": "platform",
                     "supply_cap": None, "active": True, "version": 0},
    "balance_snapshots/alice:CHIPS:2026-01-01": {"owner": OWNER, "asset": "CHIPS",
                                                 "kind": "user", "balance": 800,
                                                 "available": 700, "at": CREATED},
    "audit_log/a-1": {"actor": ADMIN, "action": "set_role", "target": OWNER,
                      "reason": "test", "before": "user", "after": "user", "at": CREATED},
    "reconciliation_reports/r-1": {"asset": "CHIPS", "ok": True, "sum": 0, "at": CREATED},
    "stats/ledger": {"accounts": 2, "transfers": 1, "at": CREATED},
}




def allowed(response: requests.Response) -> bool:
    """True when the rules let the call through, False when they denied it."""
    if response.status_code == 200:
        return True
    if response.status_code == 403 and "PERMISSION_DENIED" in response.text:
        return False
    raise AssertionError(f"unexpected {response.status_code}: {response.text[:500]}")


@dataclass(frozen=True)
class Where:
    """One query filter, e.g. Where("owner", "EQUAL", "alice")."""

    field: str
    value: Any
    op: str = "EQUAL"

    def as_filter(self) -> dict:
        return {"fieldFilter": {"field": {"fieldPath": self.field}, "op": self.op,
                                "value": encode(self.value)}}


class RulesClient:
    """Talks to one emulator project; `uid=None` is an anonymous caller."""

    def __init__(self, url: str, project: str) -> None:
        self.url = url.rstrip("/")
        self.project = project
        self.root = f"projects/{project}/databases/(default)/documents"
        self.http = requests.Session()

    def close(self) -> None:
        self.http.close()

    def _doc_url(self, path: str) -> str:
        return f"{self.url}/v1/{self.root}/" + "/".join(quote(s, safe="") for s in path.split("/"))

    def _auth(self, uid: str | None, claims: dict | None = None) -> dict:
        if uid is None:
            return {}
        return {"Authorization": f"Bearer {unsigned_id_token(uid, self.project, **(claims or {}))}"}

    # -- as a client: the rules decide -------------------------------------------------------

    def get(self, path: str, uid: str | None, claims: dict | None = None) -> requests.Response:
        return self.http.get(self._doc_url(path), headers=self._auth(uid, claims),
                             timeout=TIMEOUT_S)

    def query(self, collection: str, uid: str | None, *wheres: Where, parent: str = "",
              order_by: str | None = None, all_descendants: bool = False) -> requests.Response:
        """runQuery on `collection` under `parent` (a document path; "" is the root).

        The emulator answers 400 to runQuery under a parent whose id contains ':' (an account).
        """
        query: dict = {"from": [{"collectionId": collection, "allDescendants": all_descendants}]}
        if len(wheres) == 1:
            query["where"] = wheres[0].as_filter()
        elif wheres:
            query["where"] = {"compositeFilter": {"op": "AND",
                                                  "filters": [w.as_filter() for w in wheres]}}
        if order_by:
            query["orderBy"] = [{"field": {"fieldPath": order_by}, "direction": "DESCENDING"}]
        base = self._doc_url(parent) if parent else f"{self.url}/v1/{self.root}"
        return self.http.post(f"{base}:runQuery", headers=self._auth(uid),
                              json={"structuredQuery": query}, timeout=TIMEOUT_S)

    def create(self, path: str, data: dict, uid: str | None) -> requests.Response:
        return self.http.patch(self._doc_url(path), headers=self._auth(uid),
                               params={"currentDocument.exists": "false"},
                               json={"fields": encode_fields(data)}, timeout=TIMEOUT_S)

    def update(self, path: str, changes: dict, uid: str | None) -> requests.Response:
        """A partial update of just `changes` (an updateMask), as a client SDK would send."""
        params = [("currentDocument.exists", "true")]
        params += [("updateMask.fieldPaths", name) for name in changes]
        return self.http.patch(self._doc_url(path), headers=self._auth(uid), params=params,
                               json={"fields": encode_fields(changes)}, timeout=TIMEOUT_S)

    def replace(self, path: str, data: dict, uid: str | None) -> requests.Response:
        """A whole-document write without preconditions (an upsert)."""
        return self.http.patch(self._doc_url(path), headers=self._auth(uid),
                               json={"fields": encode_fields(data)}, timeout=TIMEOUT_S)

    def delete(self, path: str, uid: str | None) -> requests.Response:
        return self.http.delete(self._doc_url(path), headers=self._auth(uid),
                                params={"currentDocument.exists": "true"}, timeout=TIMEOUT_S)

    # -- bypassing the rules: setup and inspection ----------------------------------------

    def seed(self, docs: dict[str, dict]) -> None:
        writes = [{"update": {"name": f"{self.root}/{path}", "fields": encode_fields(data)}}
                  for path, data in docs.items()]
        response = self.http.post(f"{self.url}/v1/{self.root}:commit", headers=BYPASS,
                                  json={"writes": writes}, timeout=TIMEOUT_S)
        response.raise_for_status()

    def forget(self, path: str) -> None:
        self.http.delete(self._doc_url(path), headers=BYPASS, timeout=TIMEOUT_S).raise_for_status()

    def peek(self, path: str) -> dict | None:
        """The stored fields of `path`, or None when it does not exist."""
        response = self.http.get(self._doc_url(path), headers=BYPASS, timeout=TIMEOUT_S)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return decode_fields(response.json().get("fields", {}))


def fields_of(response: requests.Response) -> dict:
    return decode_fields(response.json().get("fields", {}))


def query_paths(response: requests.Response, project: str) -> list[str]:
    """Document paths (relative to the database root) returned by a runQuery response."""
    prefix = f"projects/{project}/databases/(default)/documents/"
    return [row["document"]["name"].removeprefix(prefix)
            for row in response.json() if "document" in row]
