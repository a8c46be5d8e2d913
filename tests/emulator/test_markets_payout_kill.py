"""A market's settlement task killed mid-way (SIGKILL of the process running it, not a flag)
resumes on the next delivery to exactly the frozen plan: every winner paid once, the cut once,
nothing held, reconciliation clean.

The market is settled by services in-process and by child processes, not by the dev server: the
test plays Cloud Tasks (it runs the main task and each partition's task again and again), so
enqueueing is switched off. The market is planned into two partitions and steps are made small
(at most ENTRIES_PER_STEP entries), so that a few dozen forecasters give several steps each.
"""
from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from shared.config import settings
from shared.domain.accounts import SystemAccount, spread_account_id, user_account_id
from shared.domain.markets.market import ARRIVAL_GRACE, Category, Outcome, pool_account_id
from tests.support.waiting import eventually

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USERS, WINNER, CUT_BPS = 36, "yes", 250
ENTRIES_PER_STEP, FORECASTERS_PER_PARTITION = 4, 20  # 36 forecasters: 2 partitions


def drive(market_id: str, budget_s: float) -> None:
    """Play Cloud Tasks for a settlement until it is done: the main task, then each partition's
    task, again and again. (The killed process runs it too.)"""
    from shared.services.markets import settlement
    from shared.store.markets import settlement as plans

    while not settlement.settle(market_id, budget_s=budget_s)["done"]:
        for p in range(int(plans.read(plans.control_ref(market_id))["partitions"])):
            settlement.settle(market_id, p, budget_s=budget_s)


# Runs the settlement, and stalls (to be SIGKILLed) once partition 0's payouts step K has
# committed ("between_batches") or inside that step's transaction, its writes buffered but not
# committed ("mid_transaction"). Deliveries that find the partition locked by a dead
# transaction get 503 (Unavailable), so it retries them as Cloud Tasks would.
KILLED_SETTLEMENT = inspect.getsource(drive) + """
import sys, time
from dev.instrument import install
install()
from shared.domain.errors import Unavailable
from shared.integrations import tasks
from shared.services.markets import payouts, settlement
tasks.enqueue = lambda *args, **kwargs: True  # the test delivers the tasks itself
market_id, where, target, per_step = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
settlement.MAX_ENTRIES = per_step
real_run_step, real_pay = settlement.run_step, payouts.pay
steps = [0]
def stall():
    print("stalled", flush=True)
    time.sleep(600)  # SIGKILLed here
def run_step(market, part, p, entries):
    counted = part["phase"] == "payouts" and p == 0
    steps[0] += counted
    committed = real_run_step(market, part, p, entries)
    if where == "between_batches" and counted and steps[0] == target:
        stall()
    return committed
def stalling_pay(txn, market, p, entries):
    real_pay(txn, market, p, entries)
    if where == "mid_transaction" and p == 0 and steps[0] == target:
        stall()
settlement.run_step, payouts.pay = run_step, stalling_pay
while True:
    try:
        drive(market_id, 600)
        break
    except Unavailable:
        time.sleep(0.5)
print("finished", flush=True)
"""


@pytest.fixture
def no_tasks(monkeypatch):
    """Enqueued settlement tasks are recorded, not delivered: the test delivers them."""
    from shared.integrations import tasks
    from shared.services.markets import planning, resolution, settlement

    sent: list[dict] = []
    def enqueue(function: str, payload: dict, **kw) -> bool:
        if function == resolution.TASK:  # not the commits' recounts of the pool
            sent.append(payload)
        return True

    monkeypatch.setattr(tasks, "enqueue", enqueue)
    monkeypatch.setattr(settlement, "MAX_ENTRIES", ENTRIES_PER_STEP)
    monkeypatch.setattr(planning, "FORECASTERS_PER_PARTITION", FORECASTERS_PER_PARTITION)
    return sent


def resolved_market(admin) -> tuple[str, dict[str, int], dict[str, str]]:
    """A market with USERS forecasters (every third commits twice: a raise), resolved WINNER and
    planned (the main task ran), its partitions not yet run."""
    from shared.domain.idempotency import Operation
    from shared.domain.markets.market import Resolution
    from shared.domain.users import User
    from shared.services import users
    from shared.services.markets import catalog, forecasts, resolution, settlement

    uids = [f"kill{i:02d}" for i in range(USERS)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(users.ensure_user, uids))
    closes = datetime.now(timezone.utc) + timedelta(seconds=15)
    fields = {"slug": f"kill-{uuid.uuid4().hex[:8]}", "title": "Will the worker survive?",
              "category": Category.OTHER, "outcomes": (Outcome("yes", "Yes"), Outcome("no", "No")),
              "closes_at": closes, "max_per_user": 10_000, "asset": "CHIP", "cut_bps": CUT_BPS}
    mid = catalog.create(Operation.of(admin.uid, "create_market", uuid.uuid4().hex, {}), admin,
                         fields)["id"]
    side = {uid: WINNER if i % 4 else "no" for i, uid in enumerate(uids)}
    stakes = {uid: 50 + 37 * i for i, uid in enumerate(uids)}

    def place(uid: str) -> None:
        parts = [stakes[uid] - 20, 20] if int(uid[-2:]) % 3 == 0 else [stakes[uid]]
        for part in parts:
            forecasts.commit(Operation.of(uid, "commit_forecast", uuid.uuid4().hex, {}),
                             User(uid), mid, side[uid], part)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(place, uids))
    pause = (closes + ARRIVAL_GRACE - datetime.now(timezone.utc)).total_seconds() + 0.3
    time.sleep(max(pause, 0))
    answer = resolution.resolve(Operation.of(admin.uid, "resolve_market", uuid.uuid4().hex, {}),
                                admin, mid, Resolution(WINNER, ("https://example.com/r",),
                                                       "official result", admin.uid))
    assert answer["settlement"]["state"] == "planning"  # the request plans nothing itself
    assert settlement.settle(mid, budget_s=120)["phase"] == "holds"
    return mid, stakes, side


def partitions(mid: str) -> list[dict]:
    from shared.store.markets import settlement as plans

    n = int(plans.read(plans.control_ref(mid))["partitions"])
    return [plans.read(plans.partition_ref(mid, p)) for p in range(n)]


def winner_entries(mid: str, p: int) -> list[str]:
    from shared.store.markets import settlement as plans

    return [s.id for s in plans.entry_page(mid, p, None, 1_000, winners_only=True)]


def payout_transfers(mid: str) -> list[dict]:
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared.store.client import collection

    query = collection("transfers").where(filter=FieldFilter("reference", "==", mid))
    return [d.to_dict() for d in query.stream() if d.get("type") in ("payout", "fee")
            and d.to_dict().get("memo") not in ("gather", "balance")]


def kill_settlement(mid: str, where: str, target: int) -> None:
    env = {**os.environ, "PYTHONPATH": ROOT}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SETTLEMENT, mid, where, str(target),
                             str(ENTRIES_PER_STEP)],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "stalled", proc.stderr.read()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def deliver_until_settled(mid: str, deadline_s: float = 240) -> None:
    """Run the tasks again and again, as Cloud Tasks retries a 503, until the plan is done."""
    from shared.domain.errors import Unavailable
    from shared.store.markets import settlement as plans

    def delivered_and_done() -> bool:
        try:
            drive(mid, 60)
        except Unavailable:  # the dead worker's transaction still holds its locks
            return False
        return bool(plans.read(plans.control_ref(mid))["done"])

    eventually(delivered_and_done, timeout_s=deadline_s, interval_s=1, what=f"settlement of {mid}")


@pytest.mark.parametrize("where", [
    "between_batches",
    # The emulator frees a killed transaction's locks only after a timeout (tens of seconds),
    # so this case waits that long before the next delivery can commit.
    "mid_transaction",
])
def test_a_payout_task_killed_mid_way_resumes_to_exactly_the_planned_balances(ledger, no_tasks,
                                                                              where):
    from shared.domain.markets.payouts import plan
    from shared.domain.users import Role, User
    from shared.services import reconciliation
    from shared.store import ledger as ledger_store
    from shared.store.markets import market as store
    from shared.store.markets import settlement as plans

    admin = User("demo-admin", role=Role.ADMIN)
    mid, stakes, side = resolved_market(admin)
    market, _ = store.get_market(mid)
    frozen = plan(market, list(plans.commits(mid)), WINNER)
    assert len(partitions(mid)) == 2 and len(winner_entries(mid, 0)) > 2 * ENTRIES_PER_STEP
    assert {p["partition"] for p in no_tasks if "partition" in p} == {0, 1}  # both woken
    target = 2

    # when the process running the tasks is killed inside partition 0's second payouts step,
    # or after it
    kill_settlement(mid, where, target)
    # then exactly the steps before the kill point are committed, and nothing of the rest (the
    # cut was paid when the pools were balanced, before any payout)
    first = partitions(mid)[0]
    done_steps = target if where == "between_batches" else target - 1
    assert (first["phase"], first["steps"]) == ("payouts", done_steps)
    assert len(payout_transfers(mid)) == done_steps * ENTRIES_PER_STEP + 1  # and the cut
    paid = winner_entries(mid, 0)[:done_steps * ENTRIES_PER_STEP]
    assert first["cursor"] == paid[-1]

    # when the tasks are delivered again (Cloud Tasks retries them) until the plan is done
    deliver_until_settled(mid)
    # then every user has exactly the planned balance: stake back only through the plan
    pool = sum(stakes.values())
    cut = pool * CUT_BPS // 10_000
    winning = sum(s for uid, s in stakes.items() if side[uid] == WINNER)
    assert (frozen.pool, frozen.cut, frozen.paid) == (pool, cut, pool - cut)
    planned = {u.uid: u.payout for u in frozen.users}
    accounts = ledger_store.read(None, [user_account_id(uid, "CHIP") for uid in stakes]).accounts
    welcome = settings().welcome_bonus  # each user's balance before committing
    for uid, stake in stakes.items():
        account = accounts[user_account_id(uid, "CHIP")]
        assert account.counters.debits_pending == 0, uid
        assert account.balance == welcome - stake + planned[uid], uid
        if side[uid] == WINNER:
            assert abs(planned[uid] - (pool - cut) * stake / winning) < 1, uid
        else:
            assert planned[uid] == 0, uid
    # and each winner was paid by exactly one transfer, the cut taken once, the pools emptied
    transfers = payout_transfers(mid)
    by_credit: dict[str, list[int]] = {}
    for t in transfers:
        by_credit.setdefault(t["credit_account_id"], []).append(t["amount"])
    winners = {user_account_id(uid, "CHIP"): [p] for uid, p in planned.items() if p > 0}
    fees = spread_account_id(SystemAccount.FEES, mid, "CHIP")  # the market's share of fees
    assert by_credit == {**winners, fees: [cut]}
    pools = [pool_account_id(mid, "CHIP"), pool_account_id(mid, "CHIP", 0),
             pool_account_id(mid, "CHIP", 1)]
    system = ledger_store.read(None, [*pools, *[market.escrow_account(uid) for uid in stakes]])
    assert all(a.balance == 0 and a.counters.credits_pending == 0
               for a in system.accounts.values())
    assert store.get_market(mid)[1]["settlement"]["state"] == "settled"
    assert reconciliation.run()["ok"]
