"""Rewards paid to users from a widely sharded rewards pool.

Guarantees:
- The pool of an asset is `reward_shards` (default 1,024) system accounts
  "sys.rewards.<n>:<ASSET>". At 1,000 rewards a second, each shard takes about one write a
  second: no reward writes a document every reward shares.
- Admins fund the pool from issuance, spread evenly over the shards, FUND_CHUNK shards per
  transaction (within Firestore's 500 writes); each chunk's transfers have ids derived from the
  funding operation, so a funding interrupted part-way is completed by retrying it with the same
  Idempotency-Key, and no chunk is minted twice.
- A reward reads its home shard: the next in this instance's turn over the shards, from a
  random start, so an instance's rewards write every shard once before any twice (a hash of
  the reward id would put four writes on the busiest of 1,024 shards in 2,000 rewards; a turn
  puts two). A replay answers from its record, whichever shard it reads. Only when that shard
  cannot pay does
  it read more, in the same transaction: the next WIDEN shards, then every shard. It draws from
  the best-funded shards it read, one transfer each (the first with the reward's own id), at
  most MAX_PARTS of them so its transaction stays within Firestore's 500 writes: it is paid
  whenever the pool's MAX_PARTS best-funded shards can pay it (with the pool funded evenly,
  any reward up to MAX_PARTS / reward_shards of it), else refused with rewards_pool_empty.
- A reward is idempotent per reward id, whoever pays it: its transfer ids are derived from the
  reward id alone, and a different reward under the same id is an idempotency conflict.
- The journal entries carry the reward id as reference and the reason as memo.
"""
from __future__ import annotations

import itertools
import secrets
import threading

from google.cloud import firestore

from shared.config import settings
from shared.domain.accounts import (SystemAccount, system_account_id, system_owner,
                                    user_account_id)
from shared.domain.assets import Asset
from shared.domain.errors import Forbidden, NotFound, Rejected
from shared.domain.idempotency import Operation
from shared.domain.ledger import LedgerBatch, Transfer, TransferType
from shared.domain.notices import REWARD_PAID
from shared.domain.money import require_amount
from shared.domain.users import Role, User
from shared.store import ledger as ledger_store
from shared.store.assets import get_asset
from shared.store.pages import page
from shared.store.idempotency import record, record_ref, replayed, run_idempotent
from shared.store.transactions import run_transaction
from shared.store.users import record_audit, user_path

from shared.services import notices
from shared.services.accounts import reads_for

FUND_CHUNK = 100  # shards funded per transaction: ~4 writes each, under Firestore's 500
WIDEN = 15        # shards a reward reads next when its home shard cannot pay
MAX_PARTS = 100   # shards one reward draws from: ~4 writes each, under Firestore's 500
_turn = itertools.count(secrets.randbelow(1 << 30))  # random start: instances begin apart
_turn_lock = threading.Lock()


def shard_count() -> int:
    return settings().reward_shards


def shard_account(n: int, asset: str) -> str:
    return system_account_id(f"{SystemAccount.REWARDS.value}.{n}", asset)


def next_home() -> int:
    """This instance's next shard in turn."""
    with _turn_lock:
        return next(_turn) % shard_count()


def shard_order(home: int) -> list[list[int]]:
    """The shards a reward may read, in the rounds it reads them: home, the next WIDEN, the rest."""
    n = shard_count()
    ring = [(home + k) % n for k in range(n)]
    return [r for r in (ring[:1], ring[1:1 + WIDEN], ring[1 + WIDEN:]) if r]


def fund(op: Operation, admin: User, asset_code: str, amount: int, reason: str) -> dict:
    """Mint `amount` into the pool, split evenly (the first shards take the remainder), in
    chunks of FUND_CHUNK shards; the audit entry and the answer commit with the last chunk."""
    asset = get_asset(asset_code)
    require_amount(amount)
    n = shard_count()
    parts = [amount // n + (1 if i < amount % n else 0) for i in range(n)]
    chunks = [[i for i in range(start, min(start + FUND_CHUNK, n)) if parts[i]]
              for start in range(0, n, FUND_CHUNK)]
    chunks = [c for c in chunks if c]
    answer = {"asset": asset.code, "amount": amount, "shards": n}
    snap = record_ref(op).get()
    done = replayed(op, snap.to_dict() if snap.exists else None)  # or IdempotencyConflict
    if done is not None:
        return done
    for chunk in chunks[:-1]:
        run_transaction(lambda txn, c=chunk: _mint(txn, op, asset, c, parts, reason, amount))

    def last(txn: firestore.Transaction) -> dict:
        _mint(txn, op, asset, chunks[-1], parts, reason, amount)
        record_audit(txn, actor=admin.uid, action="fund_rewards", target=asset.code,
                     reason=reason, after={"amount": amount, "shards": n})
        return answer

    return run_idempotent(op, last)


def _mint(txn: firestore.Transaction, op: Operation, asset: Asset, shards: list[int],
          parts: list[int], reason: str, amount: int) -> None:
    """One chunk, unless an earlier attempt committed it (its first transfer exists)."""
    ids = {i: f"{op.id}.{i}" for i in shards}
    issuance = system_account_id(SystemAccount.ISSUANCE, asset.code)
    capped = asset.supply_cap is not None
    # Issuance is read (and locked) only to enforce a cap (a capped asset is minted only
    # through it, so its balance is the exact supply); the whole funding is checked up front.
    read = ledger_store.read(txn, [issuance] if capped else [], transfer_ids=[ids[shards[0]]])
    if ids[shards[0]] in read.transfers:
        return
    batch = LedgerBatch(read.accounts)
    if capped and shards[0] == 0:
        asset.check_mint(-batch.account(issuance).balance + amount)
    for i in shards:
        batch.transfer(Transfer(id=ids[i], debit_account_id=issuance,
                                credit_account_id=shard_account(i, asset.code),
                                asset=asset.code, amount=parts[i], type=TransferType.ADJUSTMENT,
                                reference="rewards_pool", memo=reason))
    if capped:
        asset.check_mint(-batch.account(issuance).balance)
    ledger_store.write(txn, batch.result)


def pay(caller: User, reward_id: str, uid: str, asset_code: str, amount: int, reason: str) -> dict:
    if caller.role is not Role.SERVICE and not caller.at_least(Role.ADMIN):
        raise Forbidden("rewards are paid by a service identity or an admin",
                        code="reward_role_required")
    asset = get_asset(asset_code)
    require_amount(amount)
    op = Operation.of("rewards", "reward", reward_id,
                      {"uid": uid, "asset": asset.code, "amount": amount})
    rounds = [[shard_account(i, asset.code) for i in r] for r in shard_order(next_home())]
    target = user_account_id(uid, asset.code)

    def work(txn: firestore.Transaction) -> dict:
        read = ledger_store.read(txn, [*rounds[0], *reads_for(credited=[target])],
                                 other_paths=[user_path(uid)], operation=op)
        if read.replay is not None:
            return read.replay
        if read.others[user_path(uid)] is None:
            raise NotFound(f"no user {uid!r}", field="uid", code="unknown_user")
        accounts = dict(read.accounts)
        for wider in rounds[1:]:
            if sum(accounts[s].available for s in _shards(rounds, accounts)) >= amount:
                break
            accounts |= ledger_store.read(txn, wider).accounts
        batch = LedgerBatch(accounts)
        _pay_from(batch, _shards(rounds, accounts), op.id, target, asset.code, amount,
                  reward_id, reason)
        ledger_store.write(txn, batch.result)
        notices.write(txn, uid, REWARD_PAID, op.id, transfer_id=op.id, reward_id=reward_id,
                      asset=asset.code, amount=amount, reason=reason)
        return record(txn, op, {"transfer_id": op.id, "reward_id": reward_id, "uid": uid,
                                "asset": asset.code, "amount": amount, "reason": reason})

    return run_transaction(work, serialize_on=rounds[0])


def _shards(rounds: list[list[str]], accounts: dict) -> list[str]:
    """The MAX_PARTS best-funded shards read so far, the order they are drawn from."""
    read = [s for r in rounds for s in r if s in accounts]
    return sorted(read, key=lambda s: -accounts[s].available)[:MAX_PARTS]


def _pay_from(batch: LedgerBatch, shards: list[str], transfer_id: str, target: str, asset: str,
              amount: int, reward_id: str, reason: str) -> None:
    left = amount
    for k, shard in enumerate(shards):
        part = min(left, batch.account(shard).available)
        if part <= 0:
            continue
        first = left == amount
        batch.transfer(Transfer(id=transfer_id if first else f"{transfer_id}.{k}",
                                debit_account_id=shard, credit_account_id=target, asset=asset,
                                amount=part, type=TransferType.REWARD, reference=reward_id,
                                memo=reason))
        left -= part
        if not left:
            return
    raise Rejected("the rewards pool cannot pay this reward now", code="rewards_pool_empty",
                   details={"available": amount - left})


def pool(asset_code: str, cursor: str | None, limit: int) -> dict:
    """The pool's total (one aggregation over the shard accounts: a read per 1,000 shards; a
    shard only pays by transfer, so it never has a pending debit and its balance is what it
    can pay) and a page of its shards that have been written, by owner."""
    asset = get_asset(asset_code)
    shards = ledger_store.owned_with_prefix(system_owner(f"{SystemAccount.REWARDS.value}."),
                                            asset.code)
    docs, next_cursor = page(shards, ledger_store.ACCOUNTS, cursor, limit)
    accounts = [ledger_store.account_from(s.id, s.to_dict()) for s in docs]
    return {"asset": asset.code, "total": ledger_store.sum_balance(shards),
            "next_cursor": next_cursor,
            "shards": [{"account": a.id, "available": a.available} for a in accounts]}
