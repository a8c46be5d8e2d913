"""The ledger's scheduled jobs: reconciliation (one bounded step every 15 minutes) and the
consolidation of spread system accounts into their main accounts (every minute)."""
from shared.services import consolidation, reconciliation
from shared.web.job import job


@job("job_reconcile")
def job_reconcile(request) -> dict:
    report = reconciliation.run()
    return {"id": report["id"], "ok": report["ok"], "drift": len(report["drift"]),
            "accounts": report["accounts"], "folded": report["journal"]["folded"],
            "period_complete": report["partition"]["period_complete"]}


@job("job_consolidate")
def job_consolidate(request) -> dict:
    return consolidation.run()
