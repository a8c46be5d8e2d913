"""The typed TypeScript client (clients/ts) is current with functions/openapi.json and typechecks.

What `make ts-client-check` runs, from pytest: the generated files are compared with a fresh
generation by the pinned openapi-typescript, and `tsc --noEmit` (pinned typescript) checks the
fetch wrapper and test/types.ts, whose @ts-expect-error lines fail the check if the generated
types ever stop catching a missing Idempotency-Key, a wrong body or an unknown function. npm
installs the pinned packages into clients/ts/node_modules on first use; node is required.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.npm import REPO_ROOT, installed

CLIENT_DIR = REPO_ROOT / "clients" / "ts"
TIMEOUT_S = 300


@pytest.fixture(scope="module")
def client_dir() -> Path:
    return installed(CLIENT_DIR)


def run(client_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["node", *args], cwd=client_dir, capture_output=True, text=True,
                          timeout=TIMEOUT_S)


def test_the_generated_client_is_current_with_the_openapi_document(client_dir):
    done = run(client_dir, "scripts/generate.mjs", "--check")
    assert done.returncode == 0, f"{done.stdout}{done.stderr}(run `make ts-client`)"


def test_the_check_fails_when_the_document_gains_a_function(client_dir, tmp_path):
    spec = json.loads((REPO_ROOT / "functions" / "openapi.json").read_text())
    added = json.loads(json.dumps(spec["paths"]["/health"]))
    added["get"]["operationId"] = "zz_new_function"
    spec["paths"]["/zz_new_function"] = added
    changed = tmp_path / "openapi.json"
    changed.write_text(json.dumps(spec))
    done = run(client_dir, "scripts/generate.mjs", "--check", "--spec", str(changed))
    assert done.returncode == 1
    assert "clients/ts/src/schema.ts, clients/ts/src/functions.ts not current" in done.stderr
    assert (CLIENT_DIR / "src" / "functions.ts").read_text().count("zz_new_function") == 0


def test_the_client_and_its_type_tests_typecheck(client_dir):
    done = run(client_dir, "node_modules/typescript/bin/tsc", "--noEmit", "-p", "tsconfig.json")
    assert done.returncode == 0, done.stdout + done.stderr
