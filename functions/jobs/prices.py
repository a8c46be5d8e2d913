"""The price feed (hourly): set prices from the configured source and record price history."""
from shared.services.prices.feed import run
from shared.web.job import job


@job("job_price_feed")
def job_price_feed(request) -> dict:
    return run()
