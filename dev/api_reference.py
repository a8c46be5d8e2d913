"""The README's function reference, generated from the same endpoint specs as the OpenAPI document.

`python -m dev.openapi` rewrites the block between the two markers in README.md; a unit test fails
when it drifts. Every HTTP function gets one row (method and path, who may call it, whether it
takes an Idempotency-Key, its rate-limit bucket, the error codes it declares besides the common
ones); every event, job and task function gets one row with its trigger.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- functions:start -->", "<!-- functions:end -->"
COMMON = ("`invalid_input` and the other 400 codes, `missing_token`/`invalid_token` (401) when "
          "signed-in, `rate_limited` (429), `unavailable` (503, retry with the same key)")


def render(functions: list, specs: dict) -> str:
    lines = [START, "", f"Common to every call: {COMMON}.", "",
             "| function | call | who | Idempotency-Key | limit | declared errors | what it does |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for f in functions:
        if f.kind != "http":
            continue
        s = specs[f.name]
        who = "anyone" if s.auth is None else s.auth.value
        key = "required" if s.needs_key else "-"
        errors = ", ".join(f"`{code}`" for code in s.errors) or "-"
        summary = (s.summary or "").replace("|", "/")
        lines.append(f"| `{f.name}` | {s.method} `/{f.name}` | {who} | {key} | "
                     f"{s.rate_limit or '-'} | {errors} | {summary} |")
    lines += ["", "| background function | kind | trigger |", "| --- | --- | --- |"]
    for f in functions:
        if f.kind == "event":
            lines.append(f"| `{f.name}` | Firestore trigger | `{f.document}` "
                         f"({f.event_type.rsplit('.', 1)[-1]}) |")
        elif f.kind == "job":
            lines.append(f"| `{f.name}` | scheduled job | `{f.schedule}` (UTC) |")
        elif f.kind == "task":
            lines.append(f"| `{f.name}` | Cloud Tasks handler | enqueued by the API |")
    return "\n".join(lines + ["", END])


def updated_readme(block: str) -> str:
    text = README.read_text()
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {START} ... {END} block")
    return pattern.sub(lambda _: block, text)
