"""Scheduled Stripe sync (every 10 minutes) and expiry of stale pending purchases."""
from shared.services.purchases import sync
from shared.web.job import job


@job("job_stripe_sync")
def job_stripe_sync(request) -> dict:
    result = sync.sync_due()
    return {"checked": result["checked"], "applied": len(result["applied"]),
            "due_left": result["due_left"]}


@job("job_expire_purchases")
def job_expire_purchases(request) -> dict:
    return sync.expire()
