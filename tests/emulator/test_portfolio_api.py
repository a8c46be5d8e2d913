"""Portfolio valuation and history through the dev server."""
from __future__ import annotations

import pytest
import requests

from .helpers import key, ok, reconcile
from .test_hot_paths import counted

__all__ = ["counted"]

pytestmark = pytest.mark.usefixtures("ledger")


def test_holdings_are_valued_in_usd_and_chips_and_history_comes_from_snapshots(
        api, admin_uid, server_url):
    for body in ({"code": "GOLD", "name": "Gold", "decimals": 2},
                 {"code": "IRON", "name": "Iron", "decimals": 0}):
        ok(api.call("POST", "admin_create_asset", admin_uid, idempotency_key=key(), json=body))
    for asset, usd in (("CHIP", 5_000_000), ("GOLD", 100_000_000)):
        ok(api.call("POST", "admin_set_price", admin_uid, idempotency_key=key(),
                    json={"asset": asset, "usd": usd, "btc": 1}))
    api.call("GET", "get_me", "ann")
    for asset, amount in (("GOLD", 250), ("IRON", 7)):
        ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                    json={"uid": "ann", "asset": asset, "amount": amount, "reason": "test setup"}))
    mine = ok(api.call("GET", "get_portfolio", "ann"))
    values = {h["asset"]: (h["value_usd"], h["value_platform"]) for h in mine["holdings"]}
    # 100.00 CHIP at 0.05 USD = 5 USD; 2.50 GOLD at 1 USD = 2.5 USD = 50.00 CHIP.
    assert values == {"CHIP": (500_000_000, 10_000), "GOLD": (250_000_000, 5_000),
                      "IRON": (None, None)}
    assert (mine["total_usd"], mine["total_platform"], mine["unpriced"]) == (750_000_000, 15_000,
                                                                             ["IRON"])
    assert ok(api.call("GET", "get_portfolio_history", "ann"))["points"] == []
    requests.post(f"{server_url}/job_snapshot_balances", timeout=30).raise_for_status()
    points = ok(api.call("GET", "get_portfolio_history", "ann", params={"days": 7}))["points"]
    assert [(p["value_usd"], p["value_platform"]) for p in points] == [(750_000_000, 15_000)]
    assert reconcile(api, admin_uid)["ok"]


def positions(api, uid: str) -> list[tuple]:
    return [(p["asset"], p["quote"], p["quantity"], p["cost"], p["average_cost"], p["last_price"],
             p["market_value"], p["unrealised_pnl"], p["realised_pnl"])
            for p in ok(api.call("GET", "get_portfolio", uid))["positions"]]


def test_creator_token_positions_show_average_cost_and_profit_or_loss(api, admin_uid):
    from .test_prices_api import list_creator, place, set_price

    # given CARA listed (cara holds the supply) and CHIP at 0.05 USD
    list_creator(api, admin_uid, "cara", "CARA")
    set_price(api, admin_uid, "CHIP", 5_000_000, 100_000)
    for uid in ("bob", "dan"):
        api.call("GET", "get_me", uid)
    # when bob buys 40 at 50 (fee 10) and 20 at 60 (fee 6), as taker at 0.5%
    for quantity, price in ((40, 50), (20, 60)):
        place(api, "cara", "CARA-CHIP", "sell", quantity, price)
        assert place(api, "bob", "CARA-CHIP", "buy", quantity, price)["status"] == "filled"
    # then 60 CARA cost 2000 + 10 + 1200 + 6 = 3216 CHIP cents, 53 on average; at 60 he is up 384
    assert positions(api, "bob") == [("CARA", "CHIP", 60, 3216, 53, 60, 3600, 384, 0)]
    # when he sells 30 at 55 into dan's bid (his fee 9, dan's maker fee 5)
    place(api, "dan", "CARA-CHIP", "buy", 30, 55)
    assert place(api, "bob", "CARA-CHIP", "sell", 30, 55)["status"] == "filled"
    # then half his cost went with them (1608) and he realised 1650 - 9 - 1608 = 33
    assert positions(api, "bob") == [("CARA", "CHIP", 30, 1608, 53, 55, 1650, 42, 33)]
    assert positions(api, "dan") == [("CARA", "CHIP", 30, 1655, 55, 55, 1650, -5, 0)]
    assert positions(api, "cara") == []  # her tokens came from the listing, not the book
    # and holdings value CARA at its last trade: 30 x 55 CHIP cents x 0.05 USD
    mine = ok(api.call("GET", "get_portfolio", "bob"))
    values = {h["asset"]: (h["total"], h["value_usd"], h["value_platform"])
              for h in mine["holdings"]}
    assert values == {"CHIP": (8_425, 421_250_000, 8_425), "CARA": (30, 82_500_000, 1_650)}
    assert (mine["total_usd"], mine["total_platform"]) == (503_750_000, 10_075)
    assert mine["units"]["positions"] == "smallest units of each position's quote asset"
    assert reconcile(api, admin_uid)["ok"]


def test_history_values_each_day_at_that_days_prices_not_todays(api, admin_uid):
    from datetime import datetime, timezone

    from shared.services import snapshots

    from shared.services.prices import feed

    from .test_prices_api import set_price

    def at(day: int, hour: int) -> datetime:
        return datetime(2025, 1, day, hour, tzinfo=timezone.utc)

    def adjust(asset: str, amount: int) -> None:
        ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                    json={"uid": "ann", "asset": asset, "amount": amount, "reason": "setup"}))

    # given ann with 100.00 CHIP and 2.50 GOLD, snapshotted on three past days, while the
    # feed recorded GOLD at 1 USD on day 1, 2 USD on day 2, and CHIP at 0.10 USD on day 3
    ok(api.call("POST", "admin_create_asset", admin_uid, idempotency_key=key(),
                json={"code": "GOLD", "name": "Gold", "decimals": 2}))
    api.call("GET", "get_me", "ann")
    adjust("GOLD", 250)
    set_price(api, admin_uid, "CHIP", 5_000_000, 1)
    set_price(api, admin_uid, "GOLD", 100_000_000, 1)
    feed.run(at=at(1, 12))
    snapshots.snapshot_balances(now=at(1, 0))
    set_price(api, admin_uid, "GOLD", 200_000_000, 1)
    feed.run(at=at(2, 12))
    snapshots.snapshot_balances(now=at(2, 0))
    adjust("GOLD", 250)  # 5.00 GOLD from day 3 on, when the feed's source moves CHIP
    feed.run(source=lambda current: {"CHIP": (10_000_000, 1)}, at=at(3, 23))
    snapshots.snapshot_balances(now=at(3, 0))
    # when ann asks for her history (today's prices: CHIP 0.10, GOLD 2 USD)
    history = ok(api.call("GET", "get_portfolio_history", "ann", params={"days": 30}))
    # then each day is valued at that day's closing prices
    assert [(p["date"], p["value_usd"], p["value_platform"], p["unpriced"])
            for p in history["points"]] == [
        ("2025-01-01", 500_000_000 + 250_000_000, 10_000 + 5_000, []),
        ("2025-01-02", 500_000_000 + 500_000_000, 10_000 + 10_000, []),
        ("2025-01-03", 1_000_000_000 + 1_000_000_000, 10_000 + 10_000, [])]
    assert history["units"]["usd"] == "1e-8 USD"
    assert reconcile(api, admin_uid)["ok"]


def test_history_carries_a_balance_over_the_days_it_did_not_change(api, admin_uid):
    from datetime import datetime, timezone

    from shared.services import snapshots
    from shared.services.prices import feed

    from .test_prices_api import set_price

    def at(day: int) -> datetime:
        return datetime(2025, 3, day, 12, tzinfo=timezone.utc)

    # given ann with 100.00 CHIP (0.05 USD) snapshotted on March 1st, no run on the 2nd and 3rd,
    # and 50.00 CHIP more before the run of the 4th
    api.call("GET", "get_me", "ann")
    set_price(api, admin_uid, "CHIP", 5_000_000, 1)
    feed.run(at=at(1))
    snapshots.snapshot_balances(now=at(1))
    ok(api.call("POST", "admin_adjust", admin_uid, idempotency_key=key(),
                json={"uid": "ann", "asset": "CHIP", "amount": 5_000, "reason": "bonus"}))
    snapshots.snapshot_balances(now=at(4))
    # when she asks for her history
    history = ok(api.call("GET", "get_portfolio_history", "ann", params={"days": 30}))
    # then the days without a run show the balance of the last snapshot before them
    assert [(p["date"], p["value_platform"]) for p in history["points"]] == [
        ("2025-03-01", 10_000), ("2025-03-02", 10_000), ("2025-03-03", 10_000),
        ("2025-03-04", 15_000)]
    # and a window that starts after the first snapshot still starts from it
    recent = ok(api.call("GET", "get_portfolio_history", "ann", params={"days": 2}))
    assert [(p["date"], p["value_platform"]) for p in recent["points"]] == [
        ("2025-03-03", 10_000), ("2025-03-04", 15_000)]


def test_positions_read_the_same_at_4_and_16_fills_and_equal_the_fills_listed(api, admin_uid,
                                                                              counted):
    from bench.budgets import evaluate
    from dev.firestore_bill import total
    from functions.manifest import READS
    from shared.domain.portfolio import Fill, position

    from .test_prices_api import list_creator, place, set_price

    client, counter = counted
    list_creator(api, admin_uid, "cora", "CORA", supply=10_000)
    set_price(api, admin_uid, "CHIP", 5_000_000, 100_000)
    api.call("GET", "get_me", "eve")
    reads, traded = [], 0
    for size in (4, 16):
        # given eve bought and sold CORA `size` times, each a fill of its own
        for n in range(traded, size):
            side, other = ("buy", "sell") if n % 3 != 2 else ("sell", "buy")
            place(api, "cora", "CORA-CHIP", other, 5, 40 + n)
            assert place(api, "eve", "CORA-CHIP", side, 5, 40 + n)["status"] == "filled"
        traded = size
        # when she reads her portfolio on the counted server (once before, so that its
        # process caches of assets and books are warm at both sizes), twice: the fewer reads
        # count, so a one-off (a retried transaction, a cache entry expiring) is not taken for
        # growth with her fills, which would show in both
        ok(client.call("GET", "get_portfolio", "eve"))
        counts = []
        for _ in range(2):
            mark = counter.mark()
            mine = ok(client.call("GET", "get_portfolio", "eve"))
            counter.mark()  # every RPC of the call recorded
            counts.append(total(r for r in counter.records(mark)
                                if r.tag.startswith("get_portfolio http ")).reads)
        reads.append(min(counts))
        # then her position is the fold of every fill list_my_fills shows her, in order
        fills, cursor = [], None
        while True:
            page = ok(api.call("GET", "list_my_fills", "eve",
                               params={"limit": 10, **({"cursor": cursor} if cursor else {})}))
            fills += [Fill(f["seq"], f["side"], f["price"], f["quantity"], f.get("fee") or 0)
                      for f in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert len(fills) == size
        held = position(fills)
        [shown] = mine["positions"]
        assert (shown["quantity"], shown["cost"], shown["realised_pnl"]) == (
            held.quantity, held.cost, held.realised)
    # and reading it costs the same at both sizes, within the budget
    assert reads[0] == reads[1] <= evaluate(READS["get_portfolio"], {"limit": 20}), reads

    # when a posting came later than the position's window (as if: the stored fold lost a fill
    # and is marked stale), the next read rebuilds it from her fills, once
    from shared.store.positions import position_ref

    ref = position_ref("eve", "CORA-CHIP")
    ref.update({"stale": True, "tail": ref.get().get("tail")[1:]})  # her first buy lost
    [again] = ok(api.call("GET", "get_portfolio", "eve"))["positions"]
    assert (again["quantity"], again["cost"], again["realised_pnl"]) == (
        held.quantity, held.cost, held.realised)
    stored = ref.get().to_dict()
    assert stored["stale"] is False and stored["rebuilt_through"] == max(f.seq for f in fills)
    # and a fill after the rebuild is counted on top of it
    place(api, "cora", "CORA-CHIP", "sell", 5, 99)
    assert place(api, "eve", "CORA-CHIP", "buy", 5, 99)["status"] == "filled"
    [after] = ok(api.call("GET", "get_portfolio", "eve"))["positions"]
    assert after["quantity"] == held.quantity + 5


def test_fills_settled_before_the_read_model_are_counted_after_the_backfill(api, admin_uid):
    from dev.backfill_positions import backfill
    from shared.store.positions import position_ref

    from .test_prices_api import list_creator, place, set_price

    # given fills settled before positions were kept (their documents are not there)
    list_creator(api, admin_uid, "cleo", "CLEO")
    set_price(api, admin_uid, "CHIP", 5_000_000, 100_000)
    api.call("GET", "get_me", "fay")
    for quantity, price in ((10, 50), (6, 70)):
        place(api, "cleo", "CLEO-CHIP", "sell", quantity, price)
        assert place(api, "fay", "CLEO-CHIP", "buy", quantity, price)["status"] == "filled"
    before = positions(api, "fay")
    for uid in ("fay", "cleo"):
        position_ref(uid, "CLEO-CHIP").delete()
    assert positions(api, "fay") == []
    # when the backfill marks every (owner, book) with fills, and one more fill settles
    assert backfill(page=1) == 2
    place(api, "cleo", "CLEO-CHIP", "sell", 4, 70)
    assert place(api, "fay", "CLEO-CHIP", "buy", 4, 70)["status"] == "filled"
    # then her position counts every fill once: the old ones and the new one
    [(asset, quote, quantity, cost, *_)] = positions(api, "fay")
    assert (asset, quantity) == ("CLEO", 20) and before[0][2] == 16
    assert cost == before[0][3] + 4 * 70 + 2   # taker fee 0.5% of 280, rounded up


def test_reconciliation_names_a_position_that_differs_from_its_fills(
        api, admin_uid, firestore_rest):
    from .test_prices_api import list_creator, place, set_price

    # given bob bought 40 CARA at 50 through the book, his position settled
    list_creator(api, admin_uid, "cara", "CARA")
    set_price(api, admin_uid, "CHIP", 5_000_000, 100_000)
    api.call("GET", "get_me", "bob")
    place(api, "cara", "CARA-CHIP", "sell", 40, 50)
    assert place(api, "bob", "CARA-CHIP", "buy", 40, 50)["status"] == "filled"
    clean = reconcile(api, admin_uid)
    assert clean["ok"] and clean["positions"]["verified"] >= 1
    # when his position document is edited behind the read model (3 more bought, 7 less cost)
    path = "positions/bob.CARA-CHIP"
    tail = firestore_rest.read(path)["tail"]
    assert tail and tail[0]["quantity"] == 40
    firestore_rest.update(path, {"tail": [{**tail[0], "quantity": 43}]})
    # then reconciliation names the position and each field that is off, exactly
    drift = {(d["check"], d["subject"], d["field"]): d["difference"]
             for d in reconcile(api, admin_uid)["drift"]}
    assert drift[("position", "bob.CARA-CHIP", "quantity")] == 3
    assert drift[("position", "bob.CARA-CHIP", "bought")] == 3
    assert {k for k in drift if k[0] == "position"} == {
        ("position", "bob.CARA-CHIP", "quantity"), ("position", "bob.CARA-CHIP", "bought"),
        ("position", "bob.CARA-CHIP", "cost")}


def test_history_reads_a_days_close_however_often_its_price_was_set(api, admin_uid, counted):
    from dev.firestore_bill import total
    from shared.services import snapshots

    from .test_prices_api import set_price

    # given ann holding 100.00 CHIP, snapshotted yesterday and today (a window of two days)
    from datetime import datetime, timedelta, timezone

    client, counter = counted
    api.call("GET", "get_me", "ann")
    snapshots.snapshot_balances(now=datetime.now(timezone.utc) - timedelta(days=1))
    snapshots.snapshot_balances()
    reads, values, set_times = [], [], 0
    for size in (2, 20):
        # when CHIP's price has been set `size` times today, the last at 0.01 USD per unit more
        for n in range(set_times, size):
            set_price(api, admin_uid, "CHIP", 5_000_000 + n, 1)
        set_times = size
        counts = []
        for _ in range(2):   # the fewer of two counted calls (a cache warmed by the first)
            mark = counter.mark()
            history = ok(client.call("GET", "get_portfolio_history", "ann"))
            counter.mark()
            counts.append(total(r for r in counter.records(mark)
                                if r.tag.startswith("get_portfolio_history http ")).reads)
        reads.append(min(counts))
        values.append(history["points"][-1]["value_usd"])
    # then today is valued at the last price set, and reading it costs the same at both
    assert values == [100 * (5_000_000 + 1), 100 * (5_000_000 + 19)]
    assert reads[0] == reads[1], reads
