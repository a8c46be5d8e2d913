"""The ledger's scheduled jobs: reconciliation (one bounded step every minute) and the
consolidation of spread system accounts into their main accounts (every minute)."""
from shared.services import consolidation, reconciliation
from shared.web.job import job


@job("job_reconcile")
def job_reconcile(request) -> dict:
    report = reconciliation.run()
    # `changed`: the journal entries the step checked (folded, or in its partition's tail),
    # what its read budget grows with (functions/manifest.py; bench.scale reads it)
    return {"id": report["id"], "ok": report["ok"], "drift": len(report["drift"]),
            "accounts": report["accounts"], "changed": report["changed"],
            "period_complete": report["partition"]["period_complete"]}


@job("job_consolidate")
def job_consolidate(request) -> dict:
    return consolidation.run()
