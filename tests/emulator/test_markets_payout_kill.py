"""A market's settlement task killed mid-way (SIGKILL of the process running it, not a flag)
resumes on the next delivery to exactly the frozen plan: every winner paid once, the cut once,
nothing held, reconciliation clean.

The market is settled by services in-process and by child processes, not by the dev server: the
test plays Cloud Tasks (it runs the task again after the kill), so enqueueing is switched off.
Payout batches are made small (PAYOUTS_PER_STEP) so that a few dozen winners give several.
"""
from __future__ import annotations

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
HOLDS_PER_STEP, PAYOUTS_PER_STEP = 9, 6

# Runs settle() for the market, and stalls (to be SIGKILLed) once payout step K has committed
# ("between_batches") or inside payout step K's transaction, its writes buffered but not
# committed ("mid_transaction"). Deliveries that find the progress locked by a dead transaction
# get 503 (Unavailable), so it retries them as Cloud Tasks would.
KILLED_SETTLEMENT = """
import sys, time
from dev.instrument import install
install()
from shared.domain.errors import Unavailable
from shared.integrations import tasks
from shared.services.markets import payouts
tasks.enqueue = lambda *args, **kwargs: True  # the test delivers the task again itself
market_id, where, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
real_run_step, real_payouts = payouts.run_step, payouts._payouts
current = [None]
def stall():
    print("stalled", flush=True)
    time.sleep(600)  # SIGKILLed here
def run_step(market_id, n, step):
    current[0] = n
    real_run_step(market_id, n, step)
    if where == "between_batches" and n == target:
        stall()
def stalling_payouts(txn, market, step):
    real_payouts(txn, market, step)
    if where == "mid_transaction" and current[0] == target:
        stall()
payouts.run_step, payouts._payouts = run_step, stalling_payouts
while True:
    try:
        payouts.settle(market_id, budget_s=600)
        break
    except Unavailable:
        time.sleep(0.5)
print("finished", flush=True)
"""


@pytest.fixture
def no_tasks(monkeypatch):
    """Enqueued settlement tasks are recorded, not delivered: the test delivers them."""
    from shared.integrations import tasks
    from shared.services.markets import resolution

    sent: list[dict] = []
    def enqueue(function: str, payload: dict, **kw) -> bool:
        if function == resolution.TASK:  # not the commits' recounts of the pool
            sent.append(payload)
        return True

    monkeypatch.setattr(tasks, "enqueue", enqueue)
    # HOLDS_PER_STEP forecasters who committed once per holds step
    per_user = resolution.USER_WRITES + resolution.HOLD_WRITES
    monkeypatch.setattr(resolution, "STEP_WRITES", HOLDS_PER_STEP * per_user)
    monkeypatch.setattr(resolution, "PAYOUTS_PER_STEP", PAYOUTS_PER_STEP)
    return sent


def resolved_market(admin) -> tuple[str, dict[str, int], dict[str, str]]:
    """A market with USERS forecasters (every third commits twice: a raise), resolved WINNER, with
    the settlement frozen into steps and not yet run."""
    from shared.domain.idempotency import Operation
    from shared.domain.markets.market import Resolution
    from shared.domain.users import User
    from shared.services import users
    from shared.services.markets import catalog
    from shared.services.markets import forecasts
    from shared.services.markets import resolution

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
    resolution.resolve(Operation.of(admin.uid, "resolve_market", uuid.uuid4().hex, {}),
                               admin, mid, Resolution(WINNER, ("https://example.com/r",),
                                                      "official result", admin.uid))
    return mid, stakes, side


def steps(mid: str) -> list[dict]:
    from shared.store.markets import market as store
    from shared.store.client import db

    count = db().document(store.settlement_path(mid)).get().get("steps")
    return [db().document(store.step_path(mid, n)).get().to_dict() for n in range(count)]


def next_step(mid: str) -> int:
    from shared.store.markets import market as store
    from shared.store.client import db

    return int(db().document(store.settlement_path(mid)).get().get("next_step"))


def payout_transfers(mid: str) -> list[dict]:
    from google.cloud.firestore_v1.base_query import FieldFilter

    from shared.store.client import collection

    query = collection("transfers").where(filter=FieldFilter("reference", "==", mid))
    return [d.to_dict() for d in query.stream()
            if d.get("type") in ("payout", "fee") and d.to_dict().get("memo") != "gather"]


def kill_settlement(mid: str, where: str, target: int) -> None:
    env = {**os.environ, "PYTHONPATH": ROOT}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_SETTLEMENT, mid, where, str(target)],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "stalled", proc.stderr.read()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def deliver_until_settled(mid: str, deadline_s: float = 240) -> None:
    """Run the task again and again, as Cloud Tasks retries a 503, until the plan is done."""
    from shared.domain.errors import Unavailable
    from shared.services.markets import payouts

    def delivered_and_done() -> bool:
        try:
            return payouts.settle(mid, budget_s=60)["done"]
        except Unavailable:  # the dead worker's transaction still holds its locks
            return False

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

    admin = User("demo-admin", role=Role.ADMIN)
    mid, stakes, side = resolved_market(admin)
    market, _ = store.get_market(mid)
    frozen = plan(market, store.commit_records(mid), WINNER)
    kinds = [s["kind"] for s in steps(mid)]
    payout_steps = [n for n, kind in enumerate(kinds) if kind == "payouts"]
    assert len(payout_steps) >= 3 and no_tasks  # several batches; resolution woke the task
    target = payout_steps[1]

    # when the process running the task is killed inside the second payout batch, or after it
    kill_settlement(mid, where, target)
    # then exactly the batches before the kill point are committed, and nothing of the rest
    done_steps = target + 1 if where == "between_batches" else target
    assert next_step(mid) == done_steps
    paid_so_far = sum(len(s["payouts"]) for n, s in enumerate(steps(mid))
                      if s["kind"] == "payouts" and n < done_steps)
    assert len(payout_transfers(mid)) == paid_so_far

    # when the task is delivered again (Cloud Tasks retries it) until it reports done
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
    # and each winner was paid by exactly one transfer, the cut taken once, the pool emptied
    transfers = payout_transfers(mid)
    by_credit: dict[str, list[int]] = {}
    for t in transfers:
        by_credit.setdefault(t["credit_account_id"], []).append(t["amount"])
    winners = {user_account_id(uid, "CHIP"): [p] for uid, p in planned.items() if p > 0}
    fees = spread_account_id(SystemAccount.FEES, mid, "CHIP")  # the market's share of fees
    assert by_credit == {**winners, fees: [cut]}
    system = ledger_store.read(None, [pool_account_id(mid, "CHIP"),
                                      *[market.escrow_account(uid) for uid in stakes]]).accounts
    assert all(a.balance == 0 and a.counters.credits_pending == 0 for a in system.values())
    assert store.get_market(mid)[1]["settlement"]["state"] == "settled"
    assert reconciliation.run()["ok"]
