"""Scheduled reconciliation (every 15 minutes)."""
from shared.services import reconciliation
from shared.web.job import job


@job("job_reconcile")
def job_reconcile(request) -> dict:
    report = reconciliation.run()
    return {"id": report["id"], "ok": report["ok"], "drift": len(report["drift"])}
