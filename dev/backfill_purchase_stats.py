"""`python -m dev.backfill_purchase_stats`: once, when the purchase statistics read model is
deployed over existing purchases, recompute its totals from every purchase and receivable
(services/purchases/stats.rebuild: one transaction, exact; it refuses a backlog of waiting
changes, which `job_fold_purchase_stats` folds first). Running it again recomputes the same."""
from __future__ import annotations

import sys

from shared.services.purchases.stats import rebuild

if __name__ == "__main__":
    print(rebuild(), file=sys.stderr)
