"""The order book in operation against the emulator: depth as deep as asked, halts and
delisting, poison commands and invariant violations, settlement that is resubmitted. Each test
trades a book of its own (see the comment at the top of test_exchange_sequencer.py)."""
from __future__ import annotations

import itertools

import pytest

from shared.domain.exchange.books import OrderRequest, OrderType
from shared.domain.exchange.matching import Side, TimeInForce
from tests.emulator.test_exchange_sequencer import open_funded_book

_books = itertools.count()
TRADERS = 4


@pytest.fixture
def book(ledger) -> str:
    """A fresh book OPSn-CHIP whose traders trader0..3 hold 1,000 OPSn and 200,000 CHIP more
    than a new user's chips."""
    return open_funded_book(f"OPS{next(_books)}", "Ops", TRADERS)


def accept(book_id: str, key: str, uid: str, side: Side, quantity: int, price: int,
           tif: TimeInForce = TimeInForce.GTC) -> str:
    """An order accepted (funds held, command recorded) without waking the sequencer."""
    from shared.domain.idempotency import Operation
    from shared.services.exchange import orders
    from shared.store.users import get_user

    req = OrderRequest(book_id, side, OrderType.LIMIT, quantity, price, tif)
    return orders.accept(Operation.of(uid, "place_order", key, {}), get_user(uid), req)


def order(order_id: str) -> dict:
    from shared.store import exchange as store
    return store.ref(store.ORDERS, order_id).get().to_dict()


def available(uid: str, asset: str) -> int:
    from shared.domain.accounts import user_account_id
    from shared.store import ledger as ledger_store
    account = user_account_id(uid, asset)
    return ledger_store.read(None, [account]).accounts[account].available


def test_depth_returns_as_many_levels_as_it_accepts(book):
    from shared.services.exchange import market_data, sequencer

    for n in range(30):
        accept(book, f"ask{n}", f"trader{n % TRADERS}", Side.SELL, 1, 101 + n)
    for n in range(25):
        accept(book, f"bid{n}", f"trader{n % TRADERS}", Side.BUY, 2, 100 - n)
    sequencer.run(book)

    depth = market_data.depth(book, 50)
    assert [level["price"] for level in depth["asks"]] == list(range(101, 131))
    assert [level["price"] for level in depth["bids"]] == list(range(100, 75, -1))
    assert len(market_data.depth(book, 22)["asks"]) == 22


def set_status(book_id: str, status: str, reason: str) -> dict:
    from shared.domain.exchange.books import BookStatus
    from shared.domain.idempotency import Operation
    from shared.services.exchange import book_status
    from shared.store.users import get_user

    key = f"{book_id}-{status}-{reason}".replace(" ", "_")
    return book_status.set_status(Operation.of("demo-admin", "admin_set_book_status", key, {}),
                                  get_user("demo-admin"), book_id, BookStatus(status), reason)


def refused(call) -> str:
    from shared.domain.errors import MintbookError
    with pytest.raises(MintbookError) as err:
        call()
    return err.value.code


def audit(book_id: str) -> list[tuple[str, str, dict]]:
    from google.cloud.firestore_v1.base_query import FieldFilter
    from shared.store.client import collection
    rows = [s.to_dict() for s in collection("audit_log")
            .where(filter=FieldFilter("target", "==", book_id)).stream()]
    return sorted((r["actor"], r["reason"], r["after"]) for r in rows
                  if r["action"] == "set_book_status")


def test_a_halted_book_refuses_orders_but_cancels_and_drains_and_a_closed_one_releases_all(book):
    from shared.domain.idempotency import Operation
    from shared.services.exchange import market_data, orders, sequencer
    from shared.store.users import get_user

    base = book.split("-")[0]
    chips = {uid: available(uid, "CHIP") for uid in ("trader1", "trader3")}
    ask = accept(book, "ask", "trader0", Side.SELL, 5, 110)
    bid = accept(book, "bid", "trader1", Side.BUY, 3, 90)
    sequencer.run(book)
    before_halt = accept(book, "early", "trader2", Side.SELL, 2, 120)   # accepted, not sequenced

    assert set_status(book, "halted", "maintenance")["status"] == "halted"
    assert refused(lambda: accept(book, "late", "trader3", Side.BUY, 1, 100)) == "book_halted"
    assert market_data.depth(book, 10)["status"] == "halted"
    assert [b["status"] for b in market_data.books(None, 100)["items"] if b["id"] == book] == ["halted"]
    cancelled = orders.cancel(Operation.of("trader1", "cancel_order", "c-bid", {}),
                              get_user("trader1"), bid)
    sequencer.run(book)
    assert (cancelled["status"], order(bid)["status"]) in {("cancelled", "cancelled"),
                                                           ("open", "cancelled")}
    assert order(before_halt)["status"] == "open"     # the sequencer drained what was accepted
    assert available("trader1", "CHIP") == chips["trader1"]

    set_status(book, "open", "maintenance over")
    reopened = accept(book, "reopened", "trader3", Side.BUY, 1, 100)
    set_status(book, "closed", "delisted")
    sequencer.run(book)
    assert {(order(o)["status"], order(o)["reason"]) for o in (ask, before_halt, reopened)} == {
        ("cancelled", "book_closed")}
    assert (available("trader0", base), available("trader2", base),
            available("trader3", "CHIP")) == (1_000, 1_000, chips["trader3"])
    depth = market_data.depth(book, 10)
    assert (depth["status"], depth["bids"], depth["asks"]) == ("closed", [], [])
    assert refused(lambda: accept(book, "after", "trader3", Side.BUY, 1, 100)) == "book_closed"
    assert refused(lambda: orders.cancel_all(Operation.of("trader0", "cancel_all_orders", "ca",
                                                          {}), get_user("trader0"), book)
                   ) == "book_closed"
    assert refused(lambda: set_status(book, "open", "undo")) == "book_closed"
    assert audit(book) == sorted([("demo-admin", "maintenance", {"status": "halted"}),
                                  ("demo-admin", "maintenance over", {"status": "open"}),
                                  ("demo-admin", "delisted", {"status": "closed"})])


def poison_flow(book_id: str) -> dict[str, str]:
    """Six orders; `poison` (trader3's buy, which would fill `s2`) is the fourth."""
    return {"s0": accept(book_id, "s0", "trader0", Side.SELL, 2, 100),
            "b1": accept(book_id, "b1", "trader1", Side.BUY, 2, 100),
            "s2": accept(book_id, "s2", "trader0", Side.SELL, 3, 105),
            "poison": accept(book_id, "poison", "trader3", Side.BUY, 4, 105),
            "b4": accept(book_id, "b4", "trader1", Side.BUY, 1, 99),
            "s5": accept(book_id, "s5", "trader2", Side.SELL, 1, 99)}


def failing_for(monkeypatch, name: str, poison: str, error: Exception) -> list[int]:
    """Make the batch module's `name` (a domain function it calls with the batch's Outcome or
    commands) raise `error` whenever the batch holds the command `poison`; the sizes of the
    batches it failed."""
    from shared.services.exchange import batches

    real, failed = getattr(batches, name), []

    def injected(*args, **kwargs):
        commands = args[1] if name == "apply_commands" else args[0].applied
        if any(c.id == poison for c in commands):
            failed.append(len(commands))
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(batches, name, injected)
    return failed


def dead_letters() -> list[dict]:
    from shared.services.exchange import dead_letters as letters
    return letters.listing(None, 10)["items"]


def test_a_poison_command_is_rejected_and_dead_lettered_and_the_book_goes_on(book, monkeypatch):
    from shared.services.exchange import sequencer
    from shared.store import exchange as store

    chips = available("trader3", "CHIP")
    ids = poison_flow(book)
    failed = failing_for(monkeypatch, "apply_commands", ids["poison"], RuntimeError("injected"))
    sequencer.run(book)

    assert failed.count(1) == 3          # alone, it failed three times before it was rejected
    assert (order(ids["poison"])["status"], order(ids["poison"])["reason"]) == ("rejected",
                                                                                "internal")
    assert available("trader3", "CHIP") == chips
    assert {k: order(v)["status"] for k, v in ids.items() if k != "poison"} == {
        "s0": "filled", "b1": "filled", "s2": "open", "b4": "filled", "s5": "filled"}
    assert store.pending_command_ids(book, 10) == []
    letter = dead_letters()[0]
    assert {k: letter[k] for k in ("id", "book", "kind", "attempts", "order_id", "owner")} == {
        "id": ids["poison"], "book": book, "kind": "poison", "attempts": 3,
        "order_id": ids["poison"], "owner": "trader3"}
    assert "injected" in letter["error"]
    assert store.get_book(book, fresh=True).status == "open"


def test_an_invariant_violation_is_logged_critical_dead_lettered_and_halts_the_book(
        book, monkeypatch, caplog):
    import logging

    from shared.services.exchange import sequencer
    from shared.store import exchange as store

    chips = available("trader3", "CHIP")
    ids = poison_flow(book)
    failing_for(monkeypatch, "postings", ids["poison"],
                AssertionError("sys.escrow.book.x would go negative"))
    with caplog.at_level(logging.CRITICAL):
        sequencer.run(book)

    critical = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert [(r.book, r.command) for r in critical] == [(book, ids["poison"])]
    assert store.get_book(book, fresh=True).status == "halted"
    assert refused(lambda: accept(book, "after", "trader2", Side.BUY, 1, 100)) == "book_halted"
    assert order(ids["poison"])["status"] == "rejected"
    assert available("trader3", "CHIP") == chips
    assert order(ids["s5"])["status"] == "filled"   # accepted before the halt: still sequenced
    letter = dead_letters()[0]
    assert (letter["id"], letter["kind"], letter["attempts"]) == (ids["poison"], "invariant", 1)
    assert [(actor, after) for actor, _, after in audit(book)] == [
        ("system.sequencer", {"status": "halted"})]


class FlakyAdapter:
    """A settlement adapter that records every batch id it is given and, on its first call,
    fails (`mode` "fail") or answers after the caller stopped waiting (`mode` "slow")."""

    def __init__(self, mode: str, slow_s: float = 3.0) -> None:
        self.mode, self.slow_s, self.calls = mode, slow_s, []

    def submit(self, batch: dict) -> str:
        import time

        self.calls.append(batch["id"])
        if len(self.calls) == 1 and self.mode == "fail":
            raise ConnectionError("the chain's node is down")
        if len(self.calls) == 1 and self.mode == "slow":
            time.sleep(self.slow_s)
        return f"chain:{batch['id']}"


@pytest.mark.parametrize("mode", ["fail", "slow"])
def test_settlement_an_adapter_did_not_confirm_stays_submitted_and_the_sweep_resubmits_it(
        book, monkeypatch, mode):
    from shared.services.exchange import netting, sequencer
    from shared.store import exchange as store

    monkeypatch.setattr(netting, "SUBMIT_TIMEOUT_S", 0.5)
    accept(book, "s", "trader0", Side.SELL, 2, 100)
    accept(book, "b", "trader1", Side.BUY, 2, 100)
    sequencer.run(book)
    adapter = FlakyAdapter(mode)

    first = netting.settle(book, adapter)
    [batch_id] = first["batches"]
    batch = store.ref(netting.BATCHES, batch_id).get().to_dict()
    assert (first["settled"], batch["status"]) == ([], "submitted")
    assert netting.resubmit(adapter)["resubmitted"] == []    # submitted under RESUBMIT_AFTER_S ago

    again = netting.resubmit(adapter, older_than_s=0)
    batch = store.ref(netting.BATCHES, batch_id).get().to_dict()
    assert (again["settled"], batch["status"], batch["reference"]) == (
        [batch_id], "settled", f"chain:{batch_id}")
    assert adapter.calls == [batch_id, batch_id]             # the same batch, by its id
    assert netting.resubmit(adapter, older_than_s=0)["resubmitted"] == []
    assert netting.settle(book, adapter)["batches"] == []    # no fill went into a second batch
