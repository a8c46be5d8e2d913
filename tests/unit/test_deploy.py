"""`make deploy-plan` / `make deploy`: the plan deploys exactly the manifest, the staged folder
imports on its own, and nothing secret is in the plan or the repository.

The plan is checked for a fake project without running any command; the staged folder is
imported in a fresh interpreter whose sys.path holds the folder and the virtualenv only.
"""
from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from dev import deploy
from dev.server import load_manifest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "demo-plan-project"
FUNCTIONS = load_manifest().FUNCTIONS
# A real Stripe key or signing secret is a prefix and a long random tail; the fake local values
# ("sk_test_local", "whsec_mintbook_local") are short words.
SECRET = re.compile(r"\b(?:sk_live_[A-Za-z0-9]+|(?:sk|rk)_test_[A-Za-z0-9]{20,}"
                    r"|whsec_[A-Za-z0-9+/=]{20,})")
SKIPPED_DIRS = {".git", ".venv", "node_modules", ".build", ".stack", "__pycache__",
                ".hypothesis", ".pytest_cache"}


def the_plan() -> list[deploy.Step]:
    return deploy.plan(deploy.Config(PROJECT), FUNCTIONS)


def flags(argv: tuple[str, ...]) -> dict[str, list[str]]:
    """`--name=value` and bare `--name` flags of a command, every value kept."""
    found: dict[str, list[str]] = defaultdict(list)
    for arg in argv:
        if arg.startswith("--"):
            name, _, value = arg[2:].partition("=")
            found[name].append(value)
    return found


def deploys() -> dict[str, dict[str, list[str]]]:
    steps = [s.argv for s in the_plan() if s.argv[:3] == ("gcloud", "functions", "deploy")]
    named = {argv[3]: flags(argv) for argv in steps}
    assert len(named) == len(steps), "a function is deployed twice"
    return named


# Functions deploy on the Python this suite runs on.
TESTED_RUNTIME = f"python{sys.version_info.major}{sys.version_info.minor}"


def test_the_plan_deploys_every_manifest_function_once_with_its_settings() -> None:
    planned = deploys()
    assert set(planned) == {f.name for f in FUNCTIONS}
    for f in FUNCTIONS:
        got = planned[f.name]
        assert got["gen2"] == [""] and got["runtime"] == [TESTED_RUNTIME]
        assert got["entry-point"] == [f.name] and got["source"] == [".build/functions"]
        assert got["project"] == [PROJECT] and got["memory"] == [f.memory]
        assert got["min-instances"] == [str(f.min_instances)]


def test_the_trading_functions_serve_concurrent_requests_on_a_whole_vcpu() -> None:
    planned = deploys()
    for name in ("place_order", "cancel_order", "cancel_all_orders", "task_exchange_sequence"):
        got = planned[name]
        assert got["concurrency"] == ["16"] and got["cpu"] == ["1"], name
        assert "THREADS=16" in got["set-env-vars"][0].replace("|", ",").split(","), name
    assert "concurrency" not in planned["create_transfer"]   # one request per instance


def test_http_functions_are_public_and_jobs_and_tasks_private() -> None:
    planned = deploys()
    for f in FUNCTIONS:
        got = planned[f.name]
        if f.kind == "http":
            assert "trigger-http" in got and "allow-unauthenticated" in got, f.name
            assert "no-allow-unauthenticated" not in got, f.name
        elif f.kind in ("job", "task"):
            assert "trigger-http" in got and "no-allow-unauthenticated" in got, f.name
            assert "allow-unauthenticated" not in got, f.name


def test_event_functions_trigger_on_their_firestore_document() -> None:
    planned = deploys()
    events = [f for f in FUNCTIONS if f.kind == "event"]
    assert events, "the manifest has at least on_user_written"
    for f in events:
        got = planned[f.name]
        assert "trigger-http" not in got
        assert sorted(got["trigger-event-filters"]) == sorted(
            [f"type={f.event_type}", "database=(default)"])
        assert got["trigger-event-filters-path-pattern"] == [f"document={f.document}"]


def test_every_job_gets_a_scheduler_job_calling_it_with_an_oidc_token() -> None:
    config = deploy.Config(PROJECT)
    creates = {s.argv[5]: (flags(s.argv), flags(s.if_exists or ())) for s in the_plan()
               if s.argv[:5] == ("gcloud", "scheduler", "jobs", "create", "http")}
    jobs = [f for f in FUNCTIONS if f.kind == "job"]
    assert len(creates) == len(jobs)
    for f in jobs:
        job = f"mintbook-{f.name.replace('_', '-')}"
        created, updated = creates[job]
        for got in (created, updated):  # a re-run updates the existing job to the same values
            assert got["schedule"] == [f.schedule]
            assert got["uri"] == [config.function_url(f.name)]
            assert got["oidc-service-account-email"] == [config.invoker_account]


def test_private_functions_are_invocable_by_the_invoker_account_only() -> None:
    bound = {s.argv[3] for s in the_plan()
             if s.argv[:3] == ("gcloud", "functions", "add-invoker-policy-binding")}
    assert bound == {f.name for f in FUNCTIONS if f.kind != "http"}


def test_every_queue_the_tasks_module_uses_is_created() -> None:
    source = (ROOT / "shared" / "integrations" / "tasks.py").read_text()
    used = {node.value.value for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            and any(isinstance(t, ast.Name) and t.id.startswith("QUEUE") for t in node.targets)}
    created = {s.argv[4] for s in the_plan() if s.argv[:4] == ("gcloud", "tasks", "queues",
                                                                  "create")}
    assert used and used <= created


def test_rules_and_indexes_are_deployed() -> None:
    lines = [s.line() for s in the_plan()]
    firestore = [line for line in lines if "firestore:rules,firestore:indexes" in line]
    assert len(firestore) == 1 and f"--project {PROJECT}" in firestore[0]
    config = json.loads((ROOT / "firebase.json").read_text())["firestore"]
    assert (config["rules"], config["indexes"]) == ("firestore.rules", "firestore.indexes.json")


def test_stripe_secrets_come_from_secret_manager_only_where_stripe_is_used() -> None:
    planned = deploys()
    expected = ("STRIPE_SECRET_KEY=stripe-secret-key:latest,"
                "MINTBOOK_STRIPE_WEBHOOK_SECRET=stripe-webhook-secret:latest")
    for name in ("stripe_webhook", "create_purchase", "job_stripe_sync"):
        assert planned[name]["set-secrets"] == [expected], name
    for name in ("health", "get_balances", "create_transfer", "place_order", "commit_forecast",
                 "wallet_sign_in", "on_user_written"):
        assert "set-secrets" not in planned[name], name
    for got in planned.values():  # never as a plain environment variable
        assert "STRIPE" not in ",".join(got["set-env-vars"])


def test_the_printed_plan_is_one_shell_quoted_command_per_line() -> None:
    done = subprocess.run([sys.executable, "-m", "dev.deploy", "--plan", f"--project={PROJECT}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert [tuple(shlex.split(line)) for line in lines] == [s.argv for s in the_plan()]
    assert not (ROOT / ".build" / "never").exists()


def test_the_plan_holds_no_secret_value() -> None:
    text = "\n".join(s.line() for s in the_plan())
    assert SECRET.findall(text) == []
    assert "sk_test" not in text and "whsec" not in text


def test_the_secret_scan_finds_a_key_shaped_string() -> None:
    live_key = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"  # assembled: never a literal here
    assert SECRET.findall(f"STRIPE_SECRET_KEY={live_key}") == [live_key]
    assert SECRET.findall("sk_test_local whsec_mintbook_local whsec_bench") == []


def test_no_file_in_the_repository_holds_a_stripe_secret() -> None:
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".venv")]
        for name in files:
            path = Path(folder) / name
            if path.stat().st_size > 2_000_000:
                continue
            try:
                text = path.read_text()
            except (UnicodeDecodeError, OSError):
                continue
            found += [f"{path.relative_to(ROOT)}: {m}" for m in SECRET.findall(text)]
    assert found == []


def test_runtime_requirements_leave_out_the_test_tools() -> None:
    staged = deploy.runtime_requirements((ROOT / "requirements.txt").read_text())
    names = {re.split(r"[<>=\[ ]", line)[0].lower() for line in staged.splitlines()
             if line and not line.startswith("#")}
    assert {"functions-framework", "google-cloud-firestore", "stripe", "pydantic"} <= names
    assert not names & {"pytest", "hypothesis", "croniter"}


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return deploy.stage(tmp_path_factory.mktemp("stage") / "functions")


def test_the_staged_folder_alone_resolves_every_entry_point(staged: Path) -> None:
    # given only the staged folder on sys.path (python -I: no PYTHONPATH, no cwd, no repo root)
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import main, manifest, shared\n"
            "names = [f.name for f in manifest.FUNCTIONS]\n"
            "missing = [n for n in names if not callable(getattr(main, n))]\n"
            "print(json.dumps({'shared': shared.__file__, 'missing': missing, 'n': len(names),\n"
            "  'repo': [p for p in sys.path if p.rstrip('/') == sys.argv[2]]}))")
    done = subprocess.run([sys.executable, "-I", "-c", code, str(staged), str(ROOT)],
                          cwd=staged, capture_output=True, text=True, timeout=300)
    # when main resolves every function of the manifest, then each is a callable from the folder
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["missing"] == [] and result["n"] == len(FUNCTIONS) and result["repo"] == []
    assert Path(result["shared"]).is_relative_to(staged)
    for needed in ("main.py", "manifest.py", "api", "events", "jobs", "shared/store",
                   "requirements.txt", "openapi.json"):
        assert (staged / needed).exists(), needed
    assert not list(staged.rglob("test_*.py")) and not (staged / "dev").exists()
