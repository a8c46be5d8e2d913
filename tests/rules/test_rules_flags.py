"""firestore.rules for issue 7's collections: suspicious-account flags and the sign-up records
they come from are read by admins only (not even the flagged owner); clients write neither."""
from __future__ import annotations

import pytest

from tests.rules.rules_support import ADMIN, CREATED, MODERATOR, OTHER, OWNER, allowed

DOCS: dict[str, dict] = {
    f"flags/{OWNER}": {"uid": OWNER, "owner": OWNER, "status": "open", "version": 1,
                       "reasons": {"signup_burst__ip": {"code": "signup_burst", "subject": "ip"}}},
    f"signups/{OWNER}": {"uid": OWNER, "owner": OWNER, "ip": "198.51.100.7", "wallets": [],
                         "at": CREATED},
}
CALLERS = {"anonymous": None, "owner": OWNER, "other": OTHER, "moderator": MODERATOR,
           "admin": ADMIN}


@pytest.mark.parametrize("path", list(DOCS))
@pytest.mark.parametrize("caller", list(CALLERS))
def test_only_admins_read_flags_and_signups(client, path, caller):
    assert allowed(client.get(path, CALLERS[caller])) is (caller == "admin")


@pytest.mark.parametrize("path", list(DOCS))
@pytest.mark.parametrize("caller", list(CALLERS))
def test_no_client_writes_flags_or_signups(client, path, caller):
    uid = CALLERS[caller]
    assert allowed(client.update(path, {"status": "cleared"}, uid)) is False
    assert allowed(client.delete(path, uid)) is False
    assert allowed(client.create(path.split("/")[0] + "/forged", {"owner": uid}, uid)) is False
    assert client.peek(path) == DOCS[path]
