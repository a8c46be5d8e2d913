"""firestore.rules, collection by collection, as clients see them through the emulator's REST API.

The matrix: every collection x caller (anonymous, owner, other user, admin) x operation (get,
list query, create, update, delete), each asserted allowed or denied. ALLOWED below is the whole
policy at a glance: it lists what each caller may do, and everything it does not list is denied.
No client writes anything, so create/update/delete never appear in it; a denied write is also
checked to have left the stored document as it was.

After the matrix come the cases the matrix cannot show: money, role and status fields an owner
might try to set, list queries that must constrain the owner, system accounts, roles that are
not admin, and paths no rule matches.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import pytest

from tests.rules.rules_support import (ADMIN, MODERATOR, OTHER, OWNER, SUPERADMIN,
                                       SUSPENDED_ADMIN, SYSTEM_UID, WORLD, RulesClient, Where,
                                       allowed, fields_of, query_paths, user)


@dataclass(frozen=True)
class Target:
    """The seeded document a collection's row is about, and how each operation reaches it."""

    path: str                  # a WORLD document alice owns, or that names her
    query: tuple[Where, ...]   # the list query every caller runs (alice's documents)
    change: dict               # what an update tries to write


TARGETS: dict[str, Target] = {
    "users": Target(f"users/{OWNER}", (Where("uid", OWNER),), {"role": "superadmin"}),
    "profiles": Target(f"profiles/{OWNER}", (), {"display_name": "Mallory"}),
    "accounts": Target(f"accounts/{OWNER}:CHIPS", (Where("owner", OWNER),), {"balance": 10**9}),
    "journal": Target("journal/j-alice-1", (Where("owner", OWNER),), {"amount": 10**9}),
    "holds": Target("holds/h-alice-1", (Where("owner", OWNER),), {"status": "voided"}),
    "transfers": Target("transfers/t-alice-1", (Where("owners", OWNER, "ARRAY_CONTAINS"),),
                        {"amount": 10**9}),
    "idempotency": Target("idempotency/op-alice-1", (Where("caller", OWNER),),
                          {"response": {"status": 200, "forged": True}}),
    "assets": Target("assets/CHIPS", (), {"supply_cap": 1}),
    "balance_snapshots": Target("balance_snapshots/alice:CHIPS:2026-01-01",
                                (Where("owner", OWNER),), {"balance": 10**9}),
    "audit_log": Target("audit_log/a-1", (Where("target", OWNER),), {"reason": "erased"}),
    "reconciliation_reports": Target("reconciliation_reports/r-1", (), {"ok": True}),
    "stats": Target("stats/ledger", (), {"accounts": 0}),
}

CALLERS: dict[str, str | None] = {"anonymous": None, "owner": OWNER, "other": OTHER,
                                  "admin": ADMIN}
OPERATIONS = ("get", "list", "create", "update", "delete")

NONE: tuple[str, ...] = ()
GET = ("get",)
READ = ("get", "list")

# What each caller may do; every operation not listed is denied.
ALLOWED: dict[str, tuple[tuple[str, ...], ...]] = {
    # collection               anonymous  owner  other  admin
    "users":                  (NONE,      GET,   NONE,  READ),
    "profiles":               (READ,      READ,  READ,  READ),
    "accounts":               (NONE,      READ,  NONE,  READ),
    "journal":                (NONE,      READ,  NONE,  READ),
    "holds":                  (NONE,      READ,  NONE,  READ),
    "transfers":              (NONE,      NONE,  NONE,  READ),
    "idempotency":            (NONE,      NONE,  NONE,  NONE),
    "assets":                 (READ,      READ,  READ,  READ),
    "balance_snapshots":      (NONE,      READ,  NONE,  READ),
    "audit_log":              (NONE,      NONE,  NONE,  READ),
    "reconciliation_reports": (NONE,      NONE,  NONE,  READ),
    "stats":                  (NONE,      NONE,  NONE,  READ),
}
assert ALLOWED.keys() == TARGETS.keys()

MATRIX = [
    pytest.param(collection, caller, op, op in ALLOWED[collection][column],
                 id=f"{collection}-{caller}-{op}-"
                    f"{'allowed' if op in ALLOWED[collection][column] else 'denied'}")
    for collection in ALLOWED
    for column, caller in enumerate(CALLERS)
    for op in OPERATIONS
]


@pytest.fixture(scope="module", autouse=True)
def current_rules(emulator):
    """The emulator runs the firestore.rules on disk, whatever an earlier module loaded."""
    emulator.reload_rules()


@pytest.fixture
def client(emulator) -> Iterator[RulesClient]:
    rest = RulesClient(emulator.url, emulator.project)
    yield rest
    rest.close()


@pytest.fixture(autouse=True)
def world(emulator, current_rules, client):
    """Every test starts from an empty database holding exactly WORLD."""
    emulator.reset()
    client.seed(WORLD)


@pytest.mark.parametrize(("collection", "caller", "op", "expected"), MATRIX)
def test_matrix(client, collection, caller, op, expected):
    target, uid = TARGETS[collection], CALLERS[caller]
    stored = WORLD[target.path]
    if op == "get":
        response = client.get(target.path, uid)
        assert allowed(response) is expected
        if expected:
            assert fields_of(response) == stored
    elif op == "list":
        response = client.query(target.path.split("/")[0], uid, *target.query)
        assert allowed(response) is expected
        if expected:
            assert target.path in query_paths(response, client.project)
    elif op == "create":
        client.forget(target.path)
        assert allowed(client.create(target.path, stored, uid)) is expected
        if not expected:
            assert client.peek(target.path) is None
    elif op == "update":
        assert allowed(client.update(target.path, target.change, uid)) is expected
        if not expected:
            assert client.peek(target.path) == stored
    else:
        assert allowed(client.delete(target.path, uid)) is expected
        if not expected:
            assert client.peek(target.path) == stored


# -- money, role and status: never written by a client ------------------------------------------

ACCOUNT = f"accounts/{OWNER}:CHIPS"


@pytest.mark.parametrize("change", [
    {"balance": 10**9}, {"available": 10**9}, {"credits_posted": 10**9},
    {"debits_pending": 0}, {"owner": OTHER}, {"version": 99},
], ids=lambda change: next(iter(change)))
def test_owner_cannot_patch_own_account_balance(client, change):
    # given alice's account, when she patches a counter of it, then it is refused and unchanged
    assert allowed(client.update(ACCOUNT, change, OWNER)) is False
    assert client.peek(ACCOUNT) == WORLD[ACCOUNT]


def test_owner_cannot_overwrite_whole_own_account(client):
    forged = {**WORLD[ACCOUNT], "credits_posted": 10**9, "balance": 10**9, "available": 10**9}
    assert allowed(client.replace(ACCOUNT, forged, OWNER)) is False
    assert client.peek(ACCOUNT) == WORLD[ACCOUNT]


@pytest.mark.parametrize(("field", "value"), [
    ("role", "admin"), ("role", "superadmin"), ("status", "active"),
])
def test_owner_cannot_change_own_role_or_status(client, field, value):
    # given alice is a suspended user, when she patches her own role or status, it is refused
    suspended = user(OWNER, status="suspended")
    client.seed({f"users/{OWNER}": suspended})
    assert allowed(client.update(f"users/{OWNER}", {field: value}, OWNER)) is False
    assert client.peek(f"users/{OWNER}") == suspended


def test_new_user_cannot_create_own_user_document(client):
    # given a signed-in uid with no users document, when it creates one as superadmin, refused
    doc = user("newcomer", role="superadmin")
    assert allowed(client.create("users/newcomer", doc, "newcomer")) is False
    assert client.peek("users/newcomer") is None


def test_owner_cannot_create_journal_entry(client):
    entry = {**WORLD["journal/j-alice-1"], "transfer_id": "t-forged", "amount": 10**6}
    assert allowed(client.create("journal/j-forged", entry, OWNER)) is False
    assert client.peek("journal/j-forged") is None


def test_owner_cannot_edit_own_public_profile_directly(client):
    # profiles are public to read, but edits go through the API (moderation, length limits)
    assert allowed(client.update(f"profiles/{OWNER}", {"bio": "edited"}, OWNER)) is False
    assert client.peek(f"profiles/{OWNER}") == WORLD[f"profiles/{OWNER}"]


# -- list queries must constrain the owner -----------------------------------------------------

OWNED = ("accounts", "journal", "holds", "balance_snapshots")


@pytest.mark.parametrize("collection", OWNED)
def test_owner_list_without_owner_filter_is_denied(client, collection):
    # rules do not filter results: a query that could return someone else's document fails whole
    assert allowed(client.query(collection, OWNER)) is False


@pytest.mark.parametrize("collection", OWNED)
def test_admin_list_without_owner_filter_is_allowed(client, collection):
    response = client.query(collection, ADMIN)
    assert allowed(response) is True
    assert TARGETS[collection].path in query_paths(response, client.project)


@pytest.mark.parametrize("collection", OWNED)
def test_other_user_querying_own_documents_sees_none_of_the_owners(client, collection):
    response = client.query(collection, OTHER, Where("owner", OTHER))
    assert allowed(response) is True
    assert query_paths(response, client.project) == []


def test_owner_history_query_with_extra_filters_and_order_is_allowed(client):
    # the shape the API and frontend use: owner + asset (+ type), newest first
    response = client.query("journal", OWNER, Where("owner", OWNER), Where("asset", "CHIPS"),
                            order_by="created_at")
    assert allowed(response) is True
    assert query_paths(response, client.project) == ["journal/j-alice-1"]


def test_owner_query_with_in_filter_including_another_user_is_denied(client):
    assert allowed(client.query("journal", OWNER, Where("owner", [OWNER, OTHER], "IN"))) is False


def test_collection_group_query_on_journal_is_denied(client):
    # only the top-level collections are matched; no rule covers {path=**}/journal
    response = client.query("journal", OWNER, Where("owner", OWNER), all_descendants=True)
    assert allowed(response) is False


# -- system accounts ---------------------------------------------------------------------------

SYSTEM_ACCOUNT = f"accounts/{SYSTEM_UID}:CHIPS"


@pytest.mark.parametrize("uid", [None, OWNER, SYSTEM_UID], ids=["anonymous", "user", "sys-uid"])
def test_system_account_is_not_readable_by_clients(client, uid):
    # including a uid spelled like the system owner: system accounts are admin-only
    assert allowed(client.get(SYSTEM_ACCOUNT, uid)) is False
    assert allowed(client.query("accounts", uid, Where("owner", SYSTEM_UID))) is False


def test_admin_reads_system_accounts(client):
    assert allowed(client.get(SYSTEM_ACCOUNT, ADMIN)) is True
    response = client.query("accounts", ADMIN, Where("owner", SYSTEM_UID))
    assert query_paths(response, client.project) == [SYSTEM_ACCOUNT]


# -- who counts as admin -----------------------------------------------------------------------

ADMIN_ONLY = ("transfers", "audit_log", "reconciliation_reports", "stats")


@pytest.mark.parametrize("collection", ADMIN_ONLY)
@pytest.mark.parametrize(("uid", "expected"), [
    (SUPERADMIN, True), (MODERATOR, False), (SUSPENDED_ADMIN, False),
], ids=["superadmin", "moderator", "suspended-admin"])
def test_admin_reads_need_an_active_admin_or_superadmin_user_document(client, collection, uid,
                                                                      expected):
    path = TARGETS[collection].path
    assert allowed(client.get(path, uid)) is expected
    assert allowed(client.query(collection, uid)) is expected


def test_admin_claim_in_token_without_admin_user_document_reads_nothing(client):
    # the users document is authoritative for roles; token claims only mirror it
    claims = {"role": "admin", "admin": True}
    assert allowed(client.get("audit_log/a-1", OTHER, claims)) is False
    assert allowed(client.get(f"users/{OWNER}", OTHER, claims)) is False


@pytest.mark.parametrize("uid", [ADMIN, SUPERADMIN])
def test_admins_cannot_write_role_or_money_from_a_client(client, uid):
    assert allowed(client.update(f"users/{OWNER}", {"role": "admin"}, uid)) is False
    assert allowed(client.update(ACCOUNT, {"balance": 10**9}, uid)) is False
    assert client.peek(f"users/{OWNER}") == WORLD[f"users/{OWNER}"]
    assert client.peek(ACCOUNT) == WORLD[ACCOUNT]


# -- paths no rule matches ---------------------------------------------------------------------

# Subcollections of readable documents are closed too: a match never covers deeper paths.
# (No account subcollection here: the emulator cannot runQuery under a parent id with ':'.)
UNMATCHED = ("secrets/s-1", "journal/j-alice-1/notes/n-1", f"users/{OWNER}/notes/n-1",
             f"profiles/{OWNER}/posts/p-1")


@pytest.mark.parametrize("path", UNMATCHED)
@pytest.mark.parametrize("caller", CALLERS)
def test_unmatched_paths_are_closed_to_everyone(client, path, caller):
    uid = CALLERS[caller]
    client.seed({path: {"owner": OWNER}})
    assert allowed(client.get(path, uid)) is False
    *parent, collection, _ = path.split("/")
    query = client.query(collection, uid, Where("owner", OWNER), parent="/".join(parent))
    assert allowed(query) is False
    assert allowed(client.update(path, {"owner": OTHER}, uid)) is False
    assert allowed(client.delete(path, uid)) is False
    assert allowed(client.create(path + "-new", {"owner": OWNER}, uid)) is False
