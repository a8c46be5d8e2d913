"""Rewards paid to users from a sharded rewards pool.

Guarantees:
- The pool of an asset is REWARD_SHARDS system accounts "sys.rewards.<n>:<ASSET>". Admins fund it
  from issuance, spread evenly over the shards, crediting them blind.
- A reward reads exactly one shard, chosen by a hash of the reward id, and is refused with
  rewards_pool_empty when that shard cannot pay: no reward transaction reads the whole pool, so
  concurrent rewards contend on one shard in REWARD_SHARDS, not on one hot document.
- A reward is idempotent per reward id, whoever pays it: its transfer id is derived from the
  reward id alone, and a different reward under the same id is an idempotency conflict.
- The journal entry carries the reward id as reference and the reason as memo.
"""
from __future__ import annotations

import hashlib

from google.cloud import firestore

from shared.config import settings
from shared.domain.accounts import SystemAccount, system_account_id, user_account_id
from shared.domain.errors import Forbidden, NotFound, Rejected
from shared.domain.idempotency import Operation
from shared.domain.ledger import LedgerBatch, Transfer, TransferType
from shared.domain.money import require_amount
from shared.domain.users import Role, User
from shared.store import ledger as ledger_store
from shared.store.assets import get_asset
from shared.store.idempotency import record, run_idempotent
from shared.store.transactions import run_transaction
from shared.store.users import record_audit, user_path

from shared.services.accounts import reads_for


def shard_count() -> int:
    return settings().reward_shards


def shard_account(n: int, asset: str) -> str:
    return system_account_id(f"{SystemAccount.REWARDS.value}.{n}", asset)


def shard_for(reward_id: str) -> int:
    return int.from_bytes(hashlib.sha256(reward_id.encode()).digest()[:8], "big") % shard_count()


def fund(op: Operation, admin: User, asset_code: str, amount: int, reason: str) -> dict:
    """Mint `amount` into the pool, split evenly (the first shards take the remainder)."""
    asset = get_asset(asset_code)
    require_amount(amount)
    issuance = system_account_id(SystemAccount.ISSUANCE, asset.code)
    n = shard_count()
    parts = [amount // n + (1 if i < amount % n else 0) for i in range(n)]

    def work(txn: firestore.Transaction) -> dict:
        capped = asset.supply_cap is not None
        # Issuance is read (and locked) only to enforce a cap; an empty get_all is an error.
        batch = LedgerBatch(ledger_store.read(txn, [issuance]).accounts if capped else {})
        for i, part in enumerate(parts):
            if part:
                batch.transfer(Transfer(id=f"{op.id}.{i}", debit_account_id=issuance,
                                        credit_account_id=shard_account(i, asset.code),
                                        asset=asset.code, amount=part, type=TransferType.ADJUSTMENT,
                                        reference="rewards_pool", memo=reason))
        if capped:
            asset.check_mint(-batch.account(issuance).balance)
        ledger_store.write(txn, batch.result)
        record_audit(txn, actor=admin.uid, action="fund_rewards", target=asset.code,
                     reason=reason, after={"amount": amount, "shards": n})
        return {"asset": asset.code, "amount": amount, "shards": n}

    return run_idempotent(op, work)


def pay(caller: User, reward_id: str, uid: str, asset_code: str, amount: int, reason: str) -> dict:
    if caller.role is not Role.SERVICE and not caller.at_least(Role.ADMIN):
        raise Forbidden("rewards are paid by a service identity or an admin",
                        code="reward_role_required")
    asset = get_asset(asset_code)
    require_amount(amount)
    op = Operation.of("rewards", "reward", reward_id,
                      {"uid": uid, "asset": asset.code, "amount": amount})
    shard = shard_account(shard_for(reward_id), asset.code)
    target = user_account_id(uid, asset.code)

    def work(txn: firestore.Transaction) -> dict:
        read = ledger_store.read(txn, [shard, *reads_for(credited=[target])],
                                 other_paths=[user_path(uid)], operation=op)
        if read.replay is not None:
            return read.replay
        if read.others[user_path(uid)] is None:
            raise NotFound(f"no user {uid!r}", field="uid", code="unknown_user")
        available = read.accounts[shard].available
        if available < amount:
            raise Rejected("the rewards pool cannot pay this reward now", code="rewards_pool_empty",
                           details={"shard": shard, "available": available})
        batch = LedgerBatch(read.accounts)
        batch.transfer(Transfer(id=op.id, debit_account_id=shard, credit_account_id=target,
                                asset=asset.code, amount=amount, type=TransferType.REWARD,
                                reference=reward_id, memo=reason))
        ledger_store.write(txn, batch.result)
        return record(txn, op, {"transfer_id": op.id, "reward_id": reward_id, "uid": uid,
                                "asset": asset.code, "amount": amount, "reason": reason})

    return run_transaction(work, serialize_on=[shard])


def pool(asset_code: str) -> dict:
    asset = get_asset(asset_code)
    shards = [shard_account(i, asset.code) for i in range(shard_count())]
    accounts = ledger_store.read(None, shards).accounts
    return {"asset": asset.code, "total": sum(a.available for a in accounts.values()),
            "shards": [{"account": s, "available": accounts[s].available} for s in shards]}
