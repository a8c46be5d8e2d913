"""Discovery job: trending and platform statistics, recomputed every five minutes into one
document each. Safe to run late, twice or concurrently: each run overwrites both documents
with what it counted, stamped with its as-of time."""
from __future__ import annotations

from shared.services import discovery
from shared.web.job import job


@job("job_discovery")
def job_discovery(request) -> dict:
    return discovery.refresh()
