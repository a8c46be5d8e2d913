"""What a sequencer batch leaves for the ledger, per order, and how one order's share is posted.

The batch transaction matches and records (orders, fills, trades) but touches no ledger
document: for every order it gave a fill or finished (filled, cancelled, rejected) it writes a
posting, the order's ledger effects of that batch. Each posting is then applied by a small
transaction of its own (services/exchange/order_settlement.py), so the batch locks no user
account and a settlement that fails never blocks the book.

Guarantees:
- Every leg of a fill is posted exactly once, by exactly one side's posting: the buyer's posts
  its quote hold (notional + its fee) into its own escrow and pays out of it notional - seller
  fee to the seller and both fees to its fee share; the seller's posts its base hold (the
  quantity) into its escrow and pays the quantity to the buyer. Fees go to the buyer's share of
  the fee account in the book (`fee_share`). Transfer ids derive from the
  fill (fill_key + ".buy"/".quote"/".fees" and ".sell"/".base"), so applying a posting twice
  cannot post twice (the ids exist) and postings of one order may be applied in any order.
- Escrow-neutral: each fill's side pays out of its owner's escrow exactly what its own post put
  in, in the same transaction, so an escrow never goes negative whatever the order in which
  postings of different orders are applied (`apply` asserts it).
- An order that is done releases what its hold has left (a void) only once every fill of the
  order is posted: the posting carries what the hold has posted in all by then (`expected`),
  and `apply` refuses (NotReady) while an earlier posting of the order is still unapplied.
- One posting fits one transaction: it carries at most POSTING_FILLS fills (an order with more
  in one batch gets several postings, the last one carrying `done`). A buy's fill writes at
  most 11 documents (three transfers with two journal entries each, the seller's account and
  receivable), a sell's fewer, and a posting at most 7 more (the owner's account, escrow, hold
  and position, the fee share, the posting): 40 fills are at most 447 writes, under 500.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from shared.domain.accounts import (SystemAccount, receivable_account_id, spread_account_id,
                                    user_account_id)
from shared.domain.exchange.books import BookConfig, escrow_account_id, fill_key
from shared.domain.exchange.matching import Order, OrderStatus, Side
from shared.domain.ledger import HoldStatus, LedgerBatch, Transfer, TransferType


POSTING_FILLS = 40


class PostingFill(NamedTuple):
    """One fill as one of its orders sees it."""
    seq: int
    price: int
    quantity: int
    fee: int          # this order's fee for the fill
    other_fee: int    # the counterparty order's fee
    other: str        # the counterparty's owner


@dataclass(frozen=True)
class Posting:
    order_id: str
    owner: str
    side: Side
    fills: tuple[PostingFill, ...]
    done: bool          # the order is finished: release what its hold has left
    expected: int = 0   # when done: what its hold has posted once all its fills are posted

    def as_dict(self) -> dict:
        return {"order_id": self.order_id, "owner": self.owner, "side": self.side.value,
                "fills": [f._asdict() for f in self.fills], "done": self.done,
                "expected": self.expected}

    @classmethod
    def from_dict(cls, data: dict) -> Posting:
        return cls(data["order_id"], data["owner"], Side(data["side"]),
                   tuple(PostingFill(**f) for f in data["fills"]), data["done"],
                   data.get("expected", 0))


class NotReady(Exception):
    """A done order's earlier posting is not applied yet: its release must wait for it."""


def posted_in_all(order: Order) -> int:
    """What an order's hold has posted once each of its fills is: a buy posts notional plus its
    fees, a sell its quantity filled."""
    return order.notional + order.fees if order.side is Side.BUY else order.filled


def postings_of(fills: list, touched: dict[str, Order],
                rejected: dict[str, tuple[str, Side]]) -> list[Posting]:
    """The postings of one batch: `fills` are (fill, taker, maker) in fill order, `touched` the
    orders the batch changed, `rejected` order id -> (owner, side) of the orders it rejected."""
    mine: dict[str, list[PostingFill]] = {}
    for fill, taker, maker in fills:
        for order, other, fee, other_fee in ((taker, maker, fill.taker_fee, fill.maker_fee),
                                             (maker, taker, fill.maker_fee, fill.taker_fee)):
            mine.setdefault(order.id, []).append(PostingFill(
                fill.seq, fill.price, fill.quantity, fee, other_fee, other.owner))
    out = []
    for oid, o in touched.items():
        done = o.status in (OrderStatus.FILLED, OrderStatus.CANCELLED)
        if oid in mine or done:
            chunks = _chunks(mine.get(oid, []))
            out += [Posting(oid, o.owner, o.side, chunk, False) for chunk in chunks[:-1]]
            out.append(Posting(oid, o.owner, o.side, chunks[-1], done,
                               posted_in_all(o) if done else 0))
    out += [Posting(oid, owner, side, (), True, 0) for oid, (owner, side) in rejected.items()]
    return out


def _chunks(fills: list[PostingFill]) -> list[tuple[PostingFill, ...]]:
    """The fills in postings of at most POSTING_FILLS, in fill order; one empty for none."""
    return [tuple(fills[i:i + POSTING_FILLS])
            for i in range(0, len(fills), POSTING_FILLS)] or [()]


def accounts_to_read(config: BookConfig, p: Posting) -> list[str]:
    """The posting's owner's account and escrow in what its side pays, and each counterparty's
    account and receivable in what it receives (a credit repays a debt first)."""
    paid = config.quote if p.side is Side.BUY else config.base   # what the counterparty receives
    ids = [user_account_id(p.owner, paid), escrow_account_id(config.id, p.owner, paid)]
    for other in sorted({f.other for f in p.fills}):
        ids += [user_account_id(other, paid), receivable_account_id(other, paid)]
    return ids


def apply(batch: LedgerBatch, config: BookConfig, p: Posting) -> None:
    """Post `p` on the ledger (see the module guarantees); NotReady if it is a done order's
    release and an earlier posting of the order is still unapplied."""
    escrow = escrow_account_id(config.id, p.owner, config.quote if p.side is Side.BUY
                               else config.base)
    for f in p.fills:
        fid = fill_key(config.id, f.seq)
        notional = f.price * f.quantity
        if p.side is Side.BUY:
            batch.post(f"{fid}.buy", p.order_id, notional + f.fee)
            if notional > f.other_fee:
                batch.transfer(Transfer(f"{fid}.quote", escrow,
                                        user_account_id(f.other, config.quote), config.quote,
                                        notional - f.other_fee, TransferType.TRADE, reference=fid))
            if f.fee + f.other_fee:
                batch.transfer(Transfer(f"{fid}.fees", escrow, fee_share(config, p.owner),
                                        config.quote, f.fee + f.other_fee, TransferType.FEE,
                                        reference=config.id))
        else:
            batch.post(f"{fid}.sell", p.order_id, f.quantity)
            batch.transfer(Transfer(f"{fid}.base", escrow, user_account_id(f.other, config.base),
                                    config.base, f.quantity, TransferType.TRADE, reference=fid))
    if p.done:
        hold = batch.hold_state(p.order_id)
        if hold.posted != p.expected:
            raise NotReady(f"order {p.order_id}: {hold.posted} of {p.expected} posted")
        if hold.status is HoldStatus.PENDING and hold.remaining > 0:
            batch.void(f"{p.order_id}.release", p.order_id)
    if batch.account(escrow).balance < 0:
        raise AssertionError(f"{escrow} would go negative")  # a bug, never a user error


def fee_share(config: BookConfig, buyer: str) -> str:
    """The share of the fee account a buyer's fills in the book pay into, credited blind: one
    per (book, buyer), since settlement writes it once per fill (the book's one share would
    take every fill's write); job_consolidate sweeps the shares into the fee account."""
    return spread_account_id(SystemAccount.FEES, f"{config.id}.{buyer}", config.quote)
