"""Sweep expired wallet challenges and spent-nonce markers (every 15 minutes)."""
from shared.services.wallets import expire_nonces
from shared.web.job import job


@job("job_expire_wallet_nonces")
def job_expire_wallet_nonces(request) -> dict:
    return expire_nonces()
