"""Write functions/openapi.json from the code (`python -m dev.openapi`), or check it (--check)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "functions" / "openapi.json"


def render() -> str:
    sys.path[:0] = [str(ROOT), str(ROOT / "functions")]
    from manifest import FUNCTIONS

    from shared.web import openapi

    return json.dumps(openapi.build(openapi.specs(FUNCTIONS)), indent=2, sort_keys=False) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        current = TARGET.read_text() if TARGET.exists() else ""
        if current != text:
            print("functions/openapi.json is out of date: run `python -m dev.openapi`")
            return 1
        return 0
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
