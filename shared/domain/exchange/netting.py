"""Settlement batches: a book's new fills grouped, netted per user and asset.

Guarantees: the net positions of a batch sum to zero per asset once the fee account's line is
included (every unit a buyer pays reaches a seller or the fees); a batch's id is derived from the
first and last fill it holds, so retrying the same grouping names the same batch (hash-led).
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import NamedTuple

FEES_OWNER = "sys.fees"


class FillLeg(NamedTuple):
    owner: str
    side: str       # "buy" or "sell"
    price: int
    quantity: int
    fee: int        # in the quote asset


def net_positions(legs: list[FillLeg], base: str, quote: str) -> dict[str, dict[str, int]]:
    """{owner: {asset: signed change}} over the legs, the fee account included."""
    net: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for leg in legs:
        sign = 1 if leg.side == "buy" else -1
        net[leg.owner][base] += sign * leg.quantity
        net[leg.owner][quote] += -sign * leg.price * leg.quantity - leg.fee
        net[FEES_OWNER][quote] += leg.fee
    return {owner: {a: v for a, v in assets.items() if v} for owner, assets in net.items()}


def batch_id(book_id: str, first_seq: int, last_seq: int) -> str:
    """Led by a hash, so a book's batch ids spread over the key space instead of increasing."""
    spread = hashlib.sha256(f"{book_id}.{first_seq}-{last_seq}".encode()).hexdigest()[:8]
    return f"{spread}.{book_id}.{first_seq}-{last_seq}"
