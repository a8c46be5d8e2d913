"""Scheduled detection of suspicious accounts (every 15 minutes); see shared.services.flags."""
from shared.services import flags
from shared.web.job import job


@job("job_flag_suspicious")
def job_flag_suspicious(request) -> dict:
    return flags.scan()
