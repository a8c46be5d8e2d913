"""The typed TypeScript client (clients/ts/src/client.ts) against the running dev server.

tsc (pinned in clients/ts) compiles the wrapper as it is shipped; a node script calls real
functions through it and prints what each call returned. The test checks the envelope is
unwrapped into typed results and typed errors with the stable codes, that the ID token and the
Idempotency-Key reach the server (a replay returns the first answer, another body conflicts),
and that query parameters arrive.
"""
from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.emulator.helpers import balance, ok
from tests.support.npm import REPO_ROOT, installed

CLIENT_DIR = REPO_ROOT / "clients" / "ts"
DRIVER = """
const { createClient, MintbookError } = require('./client.js');
const [baseUrl, token, to] = process.argv.slice(2);
const api = createClient({ baseUrl, getIdToken: async () => token });
const anonymous = createClient({ baseUrl });
const show = (r) => r.ok ? { ok: true, status: r.status, data: r.data }
  : { ok: false, status: r.status, code: r.error.code, typed: r.error instanceof MintbookError };
(async () => {
  const out = {};
  out.me = show(await api.call('get_me'));
  out.anonymous = show(await anonymous.call('get_me'));
  out.too_much = show(await api.call('create_transfer', { idempotencyKey: 'ts-1',
    body: { to, asset: 'CHIP', amount: 1000000000 } }));
  const pay = { idempotencyKey: 'ts-2', body: { to, asset: 'CHIP', amount: 250 } };
  out.paid = show(await api.call('create_transfer', pay));
  out.replayed = show(await api.call('create_transfer', pay));
  out.conflict = show(await api.call('create_transfer', { idempotencyKey: 'ts-2',
    body: { to, asset: 'CHIP', amount: 251 } }));
  out.one = show(await api.call('list_transactions', { query: { limit: 1 } }));
  try {
    await api.request('create_transfer', { idempotencyKey: 'ts-3', body: { to, asset: 'CHIP' } });
  } catch (error) {
    out.thrown = { typed: error instanceof MintbookError, status: error.status, code: error.code,
                   field: error.field };
  }
  console.log(JSON.stringify(out));
})();
"""


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """client.ts as CommonJS in a folder of its own, with the driver beside it."""
    folder = installed(CLIENT_DIR)
    out = tmp_path_factory.mktemp("ts-client")
    done = subprocess.run(["node", "node_modules/typescript/bin/tsc", "src/client.ts",
                           "--outDir", str(out), "--module", "commonjs", "--target", "es2022",
                           "--lib", "es2022,dom", "--strict", "--skipLibCheck"],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (out / "driver.cjs").write_text(DRIVER)
    return out


@pytest.fixture
def platform(clean_db, stack) -> None:
    from shared.services.bootstrap import ensure_platform

    ensure_platform()


def test_the_ts_client_unwraps_results_and_typed_errors_from_the_dev_server(
        compiled, platform, api, server_url):
    uid = f"ts-{uuid.uuid4().hex[:8]}"
    ok(api.call("GET", "get_me", "sal"))
    done = subprocess.run(["node", "driver.cjs", server_url, api.token(uid), "sal"],
                          cwd=compiled, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["me"]["ok"] and seen["me"]["data"]["uid"] == uid
    assert seen["anonymous"] == {"ok": False, "status": 401, "code": "missing_token",
                                 "typed": True}
    assert seen["too_much"] == {"ok": False, "status": 422, "code": "insufficient_funds",
                                "typed": True}
    assert seen["paid"]["ok"] and seen["replayed"] == seen["paid"]
    assert seen["conflict"] == {"ok": False, "status": 409, "code": "idempotency_conflict",
                                "typed": True}
    assert seen["one"]["ok"] and len(seen["one"]["data"]["items"]) == 1
    assert seen["thrown"] == {"typed": True, "status": 400, "code": "missing_field",
                              "field": "amount"}
    assert balance(api, "sal")["total"] == 10_000 + 250
