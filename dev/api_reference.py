"""The README's function reference and error table, generated from the same endpoint specs and
error codes as the OpenAPI document.

`python -m dev.openapi` rewrites the blocks between their markers in README.md; a unit test fails
when either drifts. Every HTTP function gets one row (method and path, who may call it, whether it
takes an Idempotency-Key, its rate-limit bucket, the error codes it declares besides the common
ones); every event, job and task function gets one row with its trigger. Every error code
(shared/web/error_codes.py) gets one row with its statuses and meaning, followed by the body
limits of the functions.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- functions:start -->", "<!-- functions:end -->"
ERRORS_START, ERRORS_END = "<!-- error-codes:start -->", "<!-- error-codes:end -->"
COMMON = ("`invalid_input` and the other 400 codes, `missing_token`/`invalid_token`/"
          "`token_expired`/`token_revoked`/`account_disabled` (401) when signed-in, "
          "`method_not_allowed` (405), `payload_too_large` (413), `unsupported_media_type` (415), "
          "`rate_limited` (429), `unavailable` (503, retry with the same key); every code is "
          "under [Error codes](#error-codes)")


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


def render_errors(codes: dict, specs: dict, default_limit: int) -> str:
    """One row per code, ordered by status then code, and the body limits under the table."""
    lines = [ERRORS_START, "", "| code | status | meaning |", "| --- | --- | --- |"]
    for code, c in sorted(codes.items(), key=lambda item: (item[1].statuses, item[0])):
        statuses = ", ".join(str(s) for s in c.statuses)
        lines.append(f"| `{code}` | {statuses} | {c.meaning.replace('|', '/')} |")
    special = {name: s.max_body_bytes for name, s in specs.items()
               if s.max_body_bytes and s.max_body_bytes != default_limit}
    others = "; ".join(f"`{name}` {_size(limit)}" for name, limit in sorted(special.items()))
    lines += ["", f"Body limits: {_size(default_limit)} for every function"
                  f"{f' except {others}' if others else ''}; over it: `413 payload_too_large`.",
              "", ERRORS_END]
    return "\n".join(lines)


def _size(n: int) -> str:
    return f"{n // 1024} KiB ({n:,} bytes)" if n % 1024 == 0 else f"{n:,} bytes"


def updated_readme(*blocks: str) -> str:
    """README.md with each block (its first and last lines are its markers) put in place."""
    text = README.read_text()
    for block in blocks:
        start, end = block.split("\n", 1)[0], block.rsplit("\n", 1)[-1]
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no {start} ... {end} block")
        text = pattern.sub(lambda _, block=block: block, text)
    return text
