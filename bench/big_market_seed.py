"""bench.big_market's data: N forecasters seeded straight through the ledger's own code, and the
check that the market's accounts add up, before and after settlement.

Seeding: FORECASTERS_PER_TXN forecasters per transaction, each funded from issuance and
committing twice to the market (a commit and a raise: two holds into their own escrow, two
transfers, the journal, the forecast), as services/markets/forecasts.py writes them, through
LedgerBatch and ledger.write. Commit times are set, inside the market's open window except for a
few raises made after the close (settlement voids those), so the seeding may take as long as it
takes. Some forecasters come with a past (their reputation record): nine correct forecasts (a
tenth win earns "ten correct"), some of them with four wins in a row just before (a fifth earns
"five in a row").

Checks (`drift`): each forecaster's account and escrow against what the commits imply before
settlement, and against the pure plan (shared/domain/markets/payouts.py, in this process's
memory: the reference the bounded-memory settlement must equal) after it; every pool empty after
it, and the market's fee share holding the cut.
"""
from __future__ import annotations

import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import NamedTuple

ASSET, FUNDS = "CHIP", 1_000_000
FORECASTERS_PER_TXN = 20
READ_CHUNK = 500


class Forecaster(NamedTuple):
    uid: str
    outcome: str
    first: int          # the commit
    raised: int         # the raise
    late: bool          # the raise came after the close (settlement voids it)
    history: int        # past correct forecasts (0 or 9), the last `streak` of them in a row
    streak: int


def forecaster(i: int) -> Forecaster:
    outcome = "yes" if i % 3 else "no"
    past = i % 10 == 1
    return Forecaster(f"bf-{i:06d}", outcome, 10 + i % 90, 5 + i % 7, i % 199 == 7,
                      9 if past else 0, 4 if i % 50 == 1 else 0)


def uids(n: int) -> list[str]:
    return [forecaster(i).uid for i in range(n)]


def seed(market: dict, n: int, threads: int = 8) -> None:
    """Fund and commit N forecasters (see the module docstring)."""
    chunks = [range(i, min(i + FORECASTERS_PER_TXN, n)) for i in range(0, n, FORECASTERS_PER_TXN)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda chunk: _seed_chunk(market, [forecaster(i) for i in chunk]), chunks))


def _seed_chunk(market: dict, people: list[Forecaster]) -> None:
    from shared.domain.accounts import SystemAccount, system_account_id, user_account_id
    from shared.domain.idempotency import derive_id
    from shared.domain.ledger import LedgerBatch, Transfer, TransferType
    from shared.domain.markets.market import escrow_account_id
    from shared.services.accounts import reads_for
    from shared.store import ledger as ledger_store
    from shared.store.transactions import run_transaction

    issuance = system_account_id(SystemAccount.ISSUANCE, ASSET)
    accounts = [user_account_id(f.uid, ASSET) for f in people]

    def work(txn) -> None:
        read = ledger_store.read(txn, accounts + reads_for(credited=accounts))
        batch, facts = LedgerBatch(read.accounts), {}
        for f, account in zip(people, accounts):
            batch.transfer(Transfer(id=derive_id("bench-fund", account), asset=ASSET,
                                    debit_account_id=issuance, credit_account_id=account,
                                    amount=FUNDS, type=TransferType.ADJUSTMENT,
                                    reference="bench", memo="bench funding"))
            escrow = escrow_account_id(market["id"], f.uid, ASSET)
            for n, (amount, at) in enumerate(_commits(market, f)):
                hold = derive_id("bench-commit", market["id"], f.uid, str(n))
                batch.hold(Transfer(id=hold, debit_account_id=account, credit_account_id=escrow,
                                    asset=ASSET, amount=amount, type=TransferType.COMMIT,
                                    reference=market["id"], pending=True))
                facts[hold] = {"market_id": market["id"], "outcome": f.outcome,
                               "p_ppm": 400_000 + zlib.crc32(f.uid.encode()) % 200_000,
                               "created_at": at}
        ledger_store.write(txn, batch.result, hold_facts=facts)
        for f in people:
            _forecast(txn, market, f)

    run_transaction(work, deadline_s=120)


def _commits(market: dict, f: Forecaster) -> list[tuple[int, datetime]]:
    number = int(f.uid.split("-")[1])
    first = market["opens_at"] + timedelta(microseconds=1 + number * 997 % 10**8)
    raised = (market["closes_at"] + timedelta(seconds=1) if f.late
              else first + timedelta(seconds=1))
    return [(f.first, first), (f.raised, raised)]


def _forecast(txn, market: dict, f: Forecaster) -> None:
    from google.cloud import firestore

    from shared.store import wire
    from shared.store.client import collection
    from shared.store.markets import market as store

    wire.create(txn, collection(store.FORECASTS).document(store.forecast_id(market["id"], f.uid)),
                {"market_id": market["id"], "owner": f.uid, "category": market["category"],
                 "market_title": market["title"], "outcome": f.outcome,
                 "amount": f.first + f.raised, "p_ppm": 500_000, "commits": 2, "asset": ASSET,
                 "result": "pending", "updated_at": firestore.SERVER_TIMESTAMP,
                 "created_at": firestore.SERVER_TIMESTAMP})
    if f.history:  # nine correct before, the last `streak` of them in a row
        wire.set(txn, collection(store.REPUTATION).document(f.uid),
                 {"owner": f.uid, "score_ppm": 0, "resolved": f.history + 1,
                  "correct": f.history, "net_won": 0, "streak": f.streak,
                  "best_streak": max(f.streak, 3)})


def expected_badges(market: dict, n: int, winner: str) -> dict[str, int]:
    """How many of each judged badge the settlement should award."""
    winners = [f for f in map(forecaster, range(n)) if f.outcome == winner]
    return {"ten_correct": sum(1 for f in winners if f.history),
            "five_in_a_row": sum(1 for f in winners if f.streak)}


def drift(market: dict, n: int, frozen=None) -> list[str]:
    """Problems with the market's accounts: before settlement when `frozen` (the plan) is None,
    else after it."""
    from shared.domain.accounts import user_account_id
    from shared.domain.markets.market import escrow_account_id

    people = [forecaster(i) for i in range(n)]
    ids = [a for f in people for a in (user_account_id(f.uid, ASSET),
                                       escrow_account_id(market["id"], f.uid, ASSET))]
    accounts = _read(ids)
    plan = {u.uid: u for u in frozen.users} if frozen is not None else {}
    problems = []
    for f in people:
        own = accounts[user_account_id(f.uid, ASSET)].counters
        escrow = accounts[escrow_account_id(market["id"], f.uid, ASSET)].counters
        staked = f.first + f.raised
        if frozen is None:
            want = ((own.credits_posted - own.debits_posted, own.debits_pending,
                     escrow.credits_pending, escrow.credits_posted) == (FUNDS, staked, staked, 0))
        else:
            u = plan[f.uid]
            want = (own.credits_posted - own.debits_posted == FUNDS - u.stake + u.payout
                    and own.debits_pending == 0 and escrow == type(escrow)(
                        escrow.debits_posted, escrow.debits_posted, 0, 0))
        if not want:
            problems.append(f"{f.uid}: account {own}, escrow {escrow}")
    return problems


def pools_after(market: dict, partitions: int, cut: int) -> list[str]:
    """The pools must be empty and the market's fee share hold the cut."""
    from shared.domain.accounts import SystemAccount, spread_account_id
    from shared.domain.markets.market import pool_account_id

    pools = [pool_account_id(market["id"], ASSET)] + [
        pool_account_id(market["id"], ASSET, p) for p in range(partitions)]
    fees = spread_account_id(SystemAccount.FEES, market["id"], ASSET)
    accounts = _read(pools + [fees])
    problems = [f"{p} holds {accounts[p].balance}" for p in pools if accounts[p].balance]
    if accounts[fees].balance != cut:
        problems.append(f"the fee share holds {accounts[fees].balance}, the cut is {cut}")
    return problems


def _read(ids: list[str]) -> dict:
    from shared.store import ledger as ledger_store

    chunks = [ids[i:i + READ_CHUNK] for i in range(0, len(ids), READ_CHUNK)]
    with ThreadPoolExecutor(8) as pool:
        parts = list(pool.map(lambda chunk: ledger_store.read(None, chunk).accounts, chunks))
    return {k: v for part in parts for k, v in part.items()}
