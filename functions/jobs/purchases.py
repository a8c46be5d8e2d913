"""Scheduled Stripe sync (every 10 minutes), expiry of stale pending purchases, and the fold of
the purchase statistics (every minute)."""
from shared.services.purchases import stats, sync
from shared.web.job import job


@job("job_stripe_sync")
def job_stripe_sync(request) -> dict:
    result = sync.sync_due()
    return {"checked": result["checked"], "applied": len(result["applied"]),
            "due_left": result["due_left"]}


@job("job_expire_purchases")
def job_expire_purchases(request) -> dict:
    return sync.expire()


@job("job_fold_purchase_stats")
def job_fold_purchase_stats(request) -> dict:
    return stats.fold()
