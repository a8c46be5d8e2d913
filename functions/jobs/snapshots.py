"""Daily balance snapshots (00:05 UTC)."""
from shared.services.snapshots import snapshot_balances
from shared.web.job import job


@job("job_snapshot_balances")
def job_snapshot_balances(request) -> dict:
    return snapshot_balances()
