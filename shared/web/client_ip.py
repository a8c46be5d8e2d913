"""Which address a request came from, as far as the proxies we trust can tell.

Each trusted proxy appends the address it received the request from to X-Forwarded-For, so the
last `hops` entries were written by our own infrastructure and everything before them is
whatever the client sent. The client is the entry `hops` places from the end: a client can put
anything before it, but never move it, so it cannot choose its rate-limit bucket. A header
shorter than `hops` did not pass every trusted proxy (a misconfiguration, or a request reaching
the function some other way): the socket's peer is used, never a client-written entry.
"""
from __future__ import annotations


def client_ip(forwarded_for: str, peer: str | None, hops: int) -> str:
    entries = [e.strip() for e in forwarded_for.split(",") if e.strip()]
    if hops <= 0 or len(entries) < hops:
        return peer or "unknown"
    return entries[-hops]
