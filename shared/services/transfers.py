"""User-to-user transfers and admin adjustments.

Guarantees:
- A user-to-user transfer moves `amount` to the recipient and a fee of ceil(amount x fee rate) from
  the sender to the fee account, in one transaction whose transfer carries the idempotent answer
  (its receipt); the sender pays amount + fee, and the recipient receives exactly `amount` (less
  any receivable it repays).
- The fee account is credited blind: no user transaction reads it.
- The recipient's "transfer received" notification is written in the same transaction
  (services/notices.py), unless they muted it.
- An adjustment mints from (or burns to) issuance with a mandatory reason and an audit entry; a
  debit never overdraws the user; a mint never exceeds the asset's supply cap.
"""
from __future__ import annotations

from google.cloud import firestore

from shared.config import settings
from shared.domain.accounts import (SystemAccount, spread_account_id, system_account_id,
                                    user_account_id)
from shared.domain.errors import InvalidInput, NotFound
from shared.domain.idempotency import Operation
from shared.domain.ledger import LedgerBatch, Transfer, TransferType
from shared.domain.money import fee_for, require_amount
from shared.domain.notices import TRANSFER_RECEIVED
from shared.domain.users import User
from shared.store import ledger as ledger_store
from shared.store.assets import get_asset
from shared.store.idempotency import run_idempotent
from shared.store.transactions import run_transaction
from shared.store.users import record_audit, user_path

from shared.services import notices
from shared.services.accounts import reads_for


def send(op: Operation, sender: User, recipient: str, asset_code: str, amount: int,
         memo: str = "") -> dict:
    asset = get_asset(asset_code)
    require_amount(amount)
    if recipient == sender.uid:
        raise InvalidInput("you cannot transfer to yourself", field="to", code="cannot_transfer_to_self")
    # The sender's status was read moments ago by authentication; the recipient's existence is
    # read in the transaction's one get_all, which saves a round trip.
    sender.require_active()
    fee = fee_for(amount, settings().transfer_fee_bps)
    source, target = user_account_id(sender.uid, asset.code), user_account_id(recipient, asset.code)
    fees = spread_account_id(SystemAccount.FEES, sender.uid, asset.code)  # the sender's share

    def work(txn: firestore.Transaction) -> dict:
        read = ledger_store.read(txn, reads_for(debited=[source], credited=[target]),
                                 other_paths=[user_path(recipient)], receipt_of=op)
        if read.replay is not None:
            return read.replay
        if read.others[user_path(recipient)] is None:
            raise NotFound(f"no user {recipient!r}", field="to", code="unknown_user")
        batch = LedgerBatch(read.accounts)
        batch.transfer(Transfer(id=op.id, debit_account_id=source, credit_account_id=target,
                                asset=asset.code, amount=amount, type=TransferType.TRANSFER,
                                reference=recipient, memo=memo))
        if fee:  # a deployment may set the rate to zero
            batch.transfer(Transfer(id=f"{op.id}.fee", debit_account_id=source,
                                    credit_account_id=fees, asset=asset.code, amount=fee,
                                    type=TransferType.FEE, reference=op.id))
        answer = {"transfer_id": op.id, "asset": asset.code, "amount": amount, "fee": fee,
                  "to": recipient, "available_after": batch.account(source).available}
        ledger_store.write(txn, batch.result, receipt=ledger_store.Receipt(op, answer))
        notices.write(txn, recipient, TRANSFER_RECEIVED, op.id, transfer_id=op.id,
                      asset=asset.code, amount=amount, memo=memo, **{"from": sender.uid})
        return answer

    return run_transaction(work, serialize_on=[source])


def adjust(op: Operation, admin: User, uid: str, asset_code: str, amount: int, reason: str) -> dict:
    """Credit (amount > 0) or debit (amount < 0) a user against issuance."""
    asset = get_asset(asset_code)
    require_amount(abs(amount) if amount else 0)
    account = user_account_id(uid, asset.code)
    issuance = system_account_id(SystemAccount.ISSUANCE, asset.code)
    capped = amount > 0 and asset.supply_cap is not None
    debit, credit = (issuance, account) if amount > 0 else (account, issuance)

    def work(txn: firestore.Transaction) -> dict:
        extra = [issuance] if capped else []  # read (and lock) issuance only to enforce a cap
        read = ledger_store.read(txn, reads_for(debited=[account], credited=[account]) + extra,
                                 other_paths=[user_path(uid)])
        if read.others[user_path(uid)] is None:
            raise NotFound(f"no user {uid!r}", field="uid", code="unknown_user")
        batch = LedgerBatch(read.accounts)
        batch.transfer(Transfer(id=op.id, debit_account_id=debit, credit_account_id=credit,
                                asset=asset.code, amount=abs(amount), type=TransferType.ADJUSTMENT,
                                reference=admin.uid, memo=reason))
        if capped:
            asset.check_mint(-batch.account(issuance).balance)
        ledger_store.write(txn, batch.result)
        record_audit(txn, actor=admin.uid, action="adjust", target=uid, reason=reason,
                     after={"asset": asset.code, "amount": amount, "transfer_id": op.id})
        return {"transfer_id": op.id, "uid": uid, "asset": asset.code, "amount": amount,
                "balance_after": batch.account(account).balance}

    return run_idempotent(op, work, serialize_on=[account])
