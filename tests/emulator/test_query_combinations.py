"""Every combination of the optional filters each list offers runs, so the session's recorded
query shapes (tests/conftest.py) always include every composite index those lists can need,
whatever the randomized suites (schemathesis, the simulation) happen to send in a given run."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import product

import pytest

pytestmark = pytest.mark.usefixtures("ledger")
EITHER = (None, "x")


def test_every_filter_combination_of_every_list_runs():
    from shared.services import admin, balances, flags, swaps
    from shared.services.exchange import market_data
    from shared.services.markets import notifications
    from shared.services.markets import social
    from shared.services.purchases import checkout
    from shared.services.purchases import sync

    since = datetime.now(timezone.utc) - timedelta(days=1)
    runs = [
        *(lambda c=c: social.feed(None, 5, c) for c in EITHER),
        *(lambda b=b, o=o: market_data.my_orders("u", b, None, 5, only_open=o)
          for b, o in product(EITHER, (False, True))),
        *(lambda b=b: market_data.my_fills("u", b, None, 5) for b in EITHER),
        *(lambda s=s: flags.list_flags(s, None, 5) for s in (None, "open")),
        *(lambda s=s, u=u, a=a, z=z: checkout.monitor(status=s, uid=u, since=a, until=z,
                                                        cursor=None, limit=5)
          for s, u, a, z in product((None, "pending"), EITHER, (None, since), (None, since))),
        *(lambda a=a, t=t: balances.transactions("u", asset=a, type_=t, cursor=None, limit=5)
          for a, t in product(EITHER, (None, "transfer"))),
        *(lambda r=r: sync.failures(r, None, 5) for r in (False, True)),
        *(lambda a=a, t=t: admin.audit_log(actor=a, target=t, cursor=None, limit=5)
          for a, t in product(EITHER, EITHER)),
        *(lambda s=s, g=g, w=w, m=m: swaps.list_offers(s, g, w, m, None, 5)
          for s, g, w, m in product((None, "open"), EITHER, EITHER, EITHER)),
        *(lambda u=u: notifications.list_mine("u", u, None, 5) for u in (False, True)),
    ]
    for run in runs:
        result = run()
        assert result is not None
