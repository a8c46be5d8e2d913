"""Write functions/openapi.json and the README's function reference and error table from the
code (`python -m dev.openapi`), or check them (--check)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "functions" / "openapi.json"
README = ROOT / "README.md"
sys.path[:0] = [p for p in (str(ROOT), str(ROOT / "functions")) if p not in sys.path]


def render() -> str:
    from manifest import FUNCTIONS

    from shared.web import openapi

    return json.dumps(openapi.build(openapi.specs(FUNCTIONS)), indent=2, sort_keys=False) + "\n"


def render_readme() -> str:
    from manifest import FUNCTIONS

    from shared.web import openapi
    from shared.web.error_codes import CODES

    from . import api_reference

    specs = {s.name: s for s in openapi.specs(FUNCTIONS)}
    return api_reference.updated_readme(
        api_reference.render(list(FUNCTIONS), specs),
        api_reference.render_errors(CODES, specs, openapi.DEFAULT_BODY_LIMIT))


def main() -> int:
    outputs = ((TARGET, render()), (README, render_readme()))
    if "--check" in sys.argv:
        stale = [path.name for path, text in outputs if path.read_text() != text]
        if stale:
            print(f"{', '.join(stale)} out of date: run `python -m dev.openapi`")
        return 1 if stale else 0
    for path, text in outputs:
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
