"""Cold starts stay light: resolving entry points never imports the heavy client libraries, nor
builds the request and response models.

Production imports functions/main.py and resolves one entry point; stripe, the Cloud Tasks client
and pynacl are imported inside the functions that call them, so a cold start pays for none of
them. Pydantic models are built on their first use (shared/web/schemas/common.py), so a cold start
builds only the few its endpoint uses, not every model of the modules it imports. Each check runs
in a fresh interpreter (sys.modules of this test process is shared with every other test) and
looks at what that interpreter has imported or built.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("stripe", "google.cloud.tasks_v2", "nacl")
PROBE = """
import json, sys
sys.path[:0] = [{functions!r}, {root!r}]
import main
import manifest
names = sys.argv[1:] or [f.name for f in manifest.FUNCTIONS]
for name in names:
    getattr(main, name)
print(json.dumps({{"resolved": names, "loaded": sorted(m for m in sys.modules)}}))
"""

BUILT_PROBE = """
import json, sys
sys.path[:0] = [{functions!r}, {root!r}]
import main
import manifest
from pydantic import BaseModel
for function in manifest.FUNCTIONS:
    getattr(main, function.name)


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


# A generic model's own class (Page) is left out: pydantic builds it whenever it is parametrized
# (Page[PurchaseView]); the parametrized models it makes still wait for their first use.
ours = [c for c in subclasses(BaseModel) if c.__module__.startswith(("shared.", "api."))
        and not c.__pydantic_generic_metadata__["parameters"]]
print(json.dumps({{"models": len(ours),
                   "built": sorted(c.__qualname__ for c in ours if c.__pydantic_complete__)}}))
"""


def resolve_in_fresh_interpreter(*names: str) -> dict:
    code = PROBE.format(functions=str(ROOT / "functions"), root=str(ROOT))
    done = subprocess.run([sys.executable, "-I", "-c", code, *names], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def heavy_in(loaded: list[str]) -> list[str]:
    return sorted({h for h in HEAVY for m in loaded if m == h or m.startswith(h + ".")})


def test_a_ledger_entry_point_imports_no_heavy_library() -> None:
    # given a fresh interpreter, when it resolves get_balances the way production does
    result = resolve_in_fresh_interpreter("get_balances")
    # then it has Firestore but none of stripe, Cloud Tasks, pynacl
    assert "google.cloud.firestore" in result["loaded"]
    assert heavy_in(result["loaded"]) == []


def test_resolving_every_entry_point_imports_no_heavy_library() -> None:
    # given every function of the manifest, including the Stripe webhook, the task handlers and
    # wallet sign-in: when all are resolved in one interpreter (the union of their imports)
    result = resolve_in_fresh_interpreter()
    # then none of the heavy libraries was imported: each is imported only when a call needs it
    assert len(result["resolved"]) >= 1
    assert heavy_in(result["loaded"]) == []


def test_the_probe_sees_a_heavy_import_when_there_is_one() -> None:
    # the check above can fail: importing the Stripe client wrapper's library shows up
    code = "import json, sys, stripe; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert heavy_in(json.loads(done.stdout)) == ["stripe"]


def test_resolving_every_entry_point_builds_no_model_before_its_first_use() -> None:
    # given a fresh interpreter, when it resolves every entry point the way production does
    code = BUILT_PROBE.format(functions=str(ROOT / "functions"), root=str(ROOT))
    done = subprocess.run([sys.executable, "-I", "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # then every request and response model is defined, and none has built its validator yet
    # (a model deriving from pydantic's BaseModel instead of Body, Query or View would be)
    assert result["models"] > 100
    assert result["built"] == []
