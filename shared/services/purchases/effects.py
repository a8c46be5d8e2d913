"""What a payment fact does to a purchase and the ledger, in ONE Firestore transaction.

Webhooks, the Stripe sync and admin replays all end here (`apply`), so every path has the same
effect and the same idempotency:
- by event id: stripe_events/{id} is read and created in the transaction that applies the
  effect; a redelivered event finds it and changes nothing;
- by effect: the purchase's status and largest refunded total are read in the same transaction,
  and every transfer id derives from the purchase id (plus the cumulative refunded amount), so
  a second event with the same meaning (another event id, a sync) adds nothing either.
Facts that contradict the purchase (PaymentIntent id, amount, currency) raise Rejected and write
nothing. The user's spendable account and receivable are read (the clawback needs what is
available; a credit repays the receivable first); issuance is debited and credited blind. A
clawback the receivable owes is recorded for the suspicious-activity scan in the same
transaction (services/flags.py). The buyer's notification of what changed (credited, failed,
clawed back) is set in the same transaction (services/notices.py), with an id derived from
the purchase or the event. What the write changes in the purchase statistics is recorded in
the same transaction too (store/purchase_stats.py).
"""
from __future__ import annotations

from typing import NamedTuple

from google.cloud import firestore

from shared.domain.accounts import (SystemAccount, receivable_account_id, spread_account_id,
                                    user_account_id)
from shared.domain.errors import Rejected
from shared.domain.idempotency import derive_id
from shared.domain.ledger import LedgerBatch, Transfer, TransferType
from shared.domain.notices import PURCHASE_CREDITED, PURCHASE_FAILED, REFUND_CLAWBACK
from shared.domain.purchases import (DisputeStatus, Purchase, PurchaseStatus, at_stake,
                                     check_payment, dispute_hold_id,
                                     mint_transfer_id, refund_clawback, refund_transfer_id)
from shared.domain.purchase_stats import change
from shared.store import ledger as ledger_store
from shared.store import purchase_stats as stats_store
from shared.store import wire
from shared.store.client import collection, db
from shared.store.purchases import (PURCHASES, event_path, failure_path, purchase_doc,
                                    purchase_from, purchase_path, record_event)
from shared.store.transactions import run_transaction

from shared.services import flags, notices

SUCCEEDED, FAILED, CANCELED = "succeeded", "failed", "canceled"
REFUNDED, DISPUTE_OPENED, DISPUTE_CLOSED = "refunded", "dispute_opened", "dispute_closed"


class PaymentFact(NamedTuple):
    """What Stripe says happened to a purchase's payment, whatever the source."""

    kind: str
    payment_intent_id: str
    amount: int = 0
    currency: str = ""
    refunded: int = 0          # cumulative, for REFUNDED
    dispute_won: bool = False  # for DISPUTE_CLOSED


class PurchaseRef(NamedTuple):
    """Who a purchase belongs to, known before its document is read (from PaymentIntent
    metadata, or a lookup); checked against the document inside the transaction."""

    id: str
    uid: str
    asset: str


def apply(event_id: str, event_type: str, purchase: PurchaseRef | Purchase, fact: PaymentFact) -> str:
    """Apply `fact` once; returns the outcome ('duplicate' for an event seen before)."""
    spendable = user_account_id(purchase.uid, purchase.asset)
    receivable = receivable_account_id(purchase.uid, purchase.asset)
    # Only a dispute touches the dispute hold; every other fact skips reading it.
    holds = [dispute_hold_id(purchase.id)] if fact.kind in (DISPUTE_OPENED, DISPUTE_CLOSED) else []

    def work(txn: firestore.Transaction) -> str:
        read = ledger_store.read(txn, [spendable, receivable], hold_ids=holds,
                                 other_paths=[purchase_path(purchase.id), event_path(event_id),
                                              failure_path(event_id)])
        if read.others[event_path(event_id)] is not None:
            return "duplicate"
        if read.others[failure_path(event_id)] is not None:  # an earlier attempt failed
            txn.update(db().document(failure_path(event_id)),
                       {"resolved": True, "resolved_at": firestore.SERVER_TIMESTAMP})
        stored = read.others[purchase_path(purchase.id)]
        if stored is None:
            return "ignored: not a purchase"
        current = purchase_from(purchase.id, stored)
        if (current.uid, current.asset) != (purchase.uid, purchase.asset):
            raise Rejected("the payment names another user than the purchase", code="uid_mismatch")
        batch = LedgerBatch(read.accounts, read.holds)
        updated, outcome = _decide(batch, current, fact)
        ledger_store.write(txn, batch.result)
        flags.note_refund_debts(txn, batch.result.transfers, receivable, current.id,
                                stored.get("created_at"))
        if updated != current:
            wire.merge(txn, collection(PURCHASES).document(current.id),
                       purchase_doc(updated._replace(version=current.version + 1)))
            stats_store.record(txn, stats_store.purchase_change_id(current.id,
                                                                   current.version + 1),
                               change(current, updated))
        record_event(txn, event_id, event_type, current.id, outcome)
        _notify(txn, event_id, current, updated)
        return outcome

    return run_transaction(work, serialize_on=[spendable])


def _notify(txn: firestore.Transaction, event_id: str, before: Purchase, after: Purchase) -> None:
    """Tell the buyer what this event did to their money (services/notices.py)."""
    ids = {"purchase_id": before.id, "asset": before.asset, "tokens": before.tokens,
           "bonus": before.bonus}
    if after.status is PurchaseStatus.COMPLETED and before.status is not PurchaseStatus.COMPLETED:
        notices.write(txn, before.uid, PURCHASE_CREDITED, before.id, **ids)
    elif after.status in (PurchaseStatus.FAILED, PurchaseStatus.CANCELED) and \
            before.status is PurchaseStatus.PENDING:
        notices.write(txn, before.uid, PURCHASE_FAILED, before.id, status=after.status.value,
                      **ids)
    if after.clawed_back > before.clawed_back:
        notices.write(txn, before.uid, REFUND_CLAWBACK, event_id,
                      amount=after.clawed_back - before.clawed_back, **ids)


def _decide(batch: LedgerBatch, p: Purchase, fact: PaymentFact) -> tuple[Purchase, str]:
    if fact.kind == SUCCEEDED:
        return _succeeded(batch, p, fact)
    if fact.kind in (FAILED, CANCELED):
        if p.status is not PurchaseStatus.PENDING:
            return p, f"ignored: purchase is {p.status.value}"
        status = PurchaseStatus.FAILED if fact.kind == FAILED else PurchaseStatus.CANCELED
        return p._replace(status=status), status.value
    if fact.kind == REFUNDED:
        return _refunded(batch, p, fact.refunded)
    if fact.kind == DISPUTE_OPENED:
        return _dispute_opened(batch, p)
    if fact.kind == DISPUTE_CLOSED:
        return _dispute_closed(batch, p, fact.dispute_won)
    return p, "ignored"


def _accounts(p: Purchase) -> tuple[str, str]:
    return user_account_id(p.uid, p.asset), spread_account_id(SystemAccount.ISSUANCE, p.uid, p.asset)


def _succeeded(batch: LedgerBatch, p: Purchase, fact: PaymentFact) -> tuple[Purchase, str]:
    check_payment(p, fact.payment_intent_id, fact.amount, fact.currency)
    if p.minted:
        return p, "already completed"
    spendable, issuance = _accounts(p)
    for part, amount, kind in (("tokens", p.tokens, TransferType.PURCHASE),
                               ("bonus", p.bonus, TransferType.BONUS)):
        if amount:
            batch.transfer(Transfer(id=mint_transfer_id(p.id, part), debit_account_id=issuance,
                                    credit_account_id=spendable, asset=p.asset, amount=amount,
                                    type=kind, reference=p.id))
    done = p._replace(status=PurchaseStatus.COMPLETED, payment_intent_id=fact.payment_intent_id,
                   refunded=0)
    if p.refunded:  # a refund arrived before the success: take it back in the same transfer set
        done, _ = _refunded(batch, done, p.refunded)
        return done, "completed, refund applied"
    return done, "completed"


def _refunded(batch: LedgerBatch, p: Purchase, cumulative: int) -> tuple[Purchase, str]:
    if cumulative <= p.refunded:
        return p, "ignored: an equal or larger refund was applied"
    claw = min(refund_clawback(p, cumulative), at_stake(p))
    if claw:
        spendable, issuance = _accounts(p)
        batch.claw_back(refund_transfer_id(p.id, cumulative), spendable, claw, issuance,
                        reference=p.id)
    return p._replace(refunded=cumulative, clawed_back=p.clawed_back + claw), f"clawed back {claw}"


def _dispute_opened(batch: LedgerBatch, p: Purchase) -> tuple[Purchase, str]:
    if p.dispute is not DisputeStatus.NONE:
        return p, f"ignored: dispute is {p.dispute.value}"
    spendable, issuance = _accounts(p)
    held = min(max(batch.account(spendable).available, 0), at_stake(p))
    if held:
        batch.hold(Transfer(id=dispute_hold_id(p.id), debit_account_id=spendable,
                            credit_account_id=issuance, asset=p.asset, amount=held,
                            type=TransferType.CLAWBACK, reference=p.id, pending=True))
    return p._replace(dispute=DisputeStatus.OPEN, dispute_held=held), f"held {held}"


def _dispute_closed(batch: LedgerBatch, p: Purchase, won: bool) -> tuple[Purchase, str]:
    if p.dispute in (DisputeStatus.WON, DisputeStatus.LOST):
        return p, f"ignored: dispute already {p.dispute.value}"
    hold_id = dispute_hold_id(p.id)
    if won:
        if p.dispute_held:
            batch.void(derive_id("purchase.dispute.release", p.id), hold_id)
        return p._replace(dispute=DisputeStatus.WON, dispute_held=0), "released"
    spendable, issuance = _accounts(p)
    stake = at_stake(p)
    if p.dispute_held:
        batch.post(derive_id("purchase.dispute.post", p.id), hold_id, p.dispute_held, final=True)
    rest = stake - p.dispute_held
    if rest > 0:
        batch.claw_back(derive_id("purchase.dispute.claw", p.id), spendable, rest, issuance,
                        reference=p.id)
    return (p._replace(dispute=DisputeStatus.LOST, dispute_held=0, clawed_back=p.clawed_back + stake),
            f"clawed back {stake}")

