"""Book configuration, order admission, holds, rebuilding a book, batches and settlement netting."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.accounts import Account, AccountKind, Counters, SystemAccount, spread_account_id
from shared.domain.exchange.matching import Order, Side, TimeInForce
from shared.domain.errors import InvalidInput, Rejected
from shared.domain.exchange.books import (BookConfig, CommandType, OrderRequest, OrderType, check_order,
                                    escrow_account_id, hold_amount, market_price_cap, counters,
                                    order_from_state, order_state, restore)
from shared.domain.exchange.batch import (BOOK_DOCS, CANDLE_SECONDS, COMMAND_COST, FILL_COST,
                                          MAX_WRITES, Command, apply_commands, fold_candle,
                                          postings, write_count)
from shared.domain.exchange.postings import POSTING_FILLS, NotReady, apply
from shared.domain.exchange.netting import FillLeg, net_positions
from shared.domain.ledger import HoldStatus, LedgerBatch, Transfer, TransferType

CONFIG = BookConfig("GOLD-CHIP", "GOLD", "CHIP", tick_size=5, min_quantity=2, max_quantity=100)


def req(side=Side.BUY, qty=10, price=100, type_=OrderType.LIMIT, tif=TimeInForce.GTC):
    return OrderRequest("GOLD-CHIP", side, type_, qty, price, tif)


@pytest.mark.parametrize("request_,code", [
    (req(qty=1), "quantity_below_minimum"),
    (req(qty=101), "quantity_above_maximum"),
    (req(price=102), "price_not_on_tick"),
    (req(type_=OrderType.MARKET), "market_order_cannot_rest"),
    (req(price=5 * 2**50), "amount_too_large"),
])
def test_each_book_rule_refuses_with_its_own_code(request_, code):
    with pytest.raises(InvalidInput) as refused:
        check_order(CONFIG, request_)
    assert refused.value.code == code


@pytest.mark.parametrize("status", ["halted", "closed"])
def test_a_halted_or_closed_book_refuses_orders(status):
    config = BookConfig("GOLD-CHIP", "GOLD", "CHIP", status=status)
    assert not config.active and config.as_dict()["status"] == status
    with pytest.raises(Rejected) as refused:
        check_order(config, req())
    assert refused.value.code == f"book_{status}"
    check_order(BookConfig("GOLD-CHIP", "GOLD", "CHIP"), req())   # open accepts


def test_holds_cover_the_taker_fee_and_a_market_buy_is_capped_by_what_is_available():
    assert hold_amount(CONFIG, req(qty=10, price=100), available=10**6) == 1_005
    assert hold_amount(CONFIG, req(side=Side.SELL, qty=10), available=0) == 10
    market = req(qty=10, price=100, type_=OrderType.MARKET, tif=TimeInForce.IOC)
    assert hold_amount(CONFIG, market, available=700) == 700


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Side)), st.integers(95, 105),
                          st.integers(1, 20), st.sampled_from(["ann", "ben"])), max_size=30))
def test_a_book_rebuilt_from_its_order_states_in_any_order_is_the_same_book(orders):
    book = restore(CONFIG, None)
    for n, (side, price, qty, owner) in enumerate(orders):
        book.submit(Order(f"o{n}", owner, side, price, qty, TimeInForce.GTC, 10**9))
    rows = [order_state(o) for o in book.orders.values()][::-1]  # as a query might return them
    again = restore(CONFIG, counters(book), rows)
    assert counters(again) == counters(book)
    assert [order_state(o) for o in again.orders.values()] == \
        sorted((order_state(o) for o in book.orders.values()), key=lambda r: r["seq"])
    for side in Side:
        assert again.depth(side, 50) == book.depth(side, 50)
    def probe() -> Order:
        return Order("p", "cy", Side.BUY, 200, 50, TimeInForce.IOC, 10**9)
    assert again.walk(probe()) == book.walk(probe())
    assert again.submit(probe()).fills == book.submit(probe()).fills


def escrow(config: BookConfig, asset: str, owner: str) -> str:
    return escrow_account_id(config.id, owner, asset)


def _ledger(holds):
    accounts = {}
    for owner in ("ann", "ben"):
        for asset in ("GOLD", "CHIP"):
            for account_id, kind in ((f"{owner}:{asset}", AccountKind.USER),
                                     (f"{owner}:{asset}:receivable", AccountKind.RECEIVABLE),
                                     (escrow(CONFIG, asset, owner), AccountKind.SYSTEM)):
                funded = Counters(credits_posted=10_000) if kind is AccountKind.USER else Counters()
                accounts[account_id] = Account(account_id, account_id.split(":")[0], asset, kind,
                                               funded)
    batch = LedgerBatch(accounts)
    for oid, owner, asset, amount in holds:
        batch.hold(Transfer(oid, f"{owner}:{asset}", escrow(CONFIG, asset, owner), asset, amount,
                            TransferType.TRADE, pending=True))
    return batch


def _crossing_batch():
    book = restore(CONFIG, None)
    return apply_commands(book, [
        Command("c1", CommandType.PLACE, "ann", order=("s1", "ann", "sell", 90, 10, "gtc", 0)),
        Command("c2", CommandType.PLACE, "ben", order=("b1", "ben", "buy", 100, 10, "gtc", 1_005)),
    ])


def test_a_batch_leaves_postings_that_settle_fills_from_escrow_and_release_what_is_left():
    batch = _ledger([("s1", "ann", "GOLD", 10), ("b1", "ben", "CHIP", 1_005)])
    out = _crossing_batch()
    left = postings(out)
    assert {(p.order_id, p.done) for p in left} == {("s1", True), ("b1", True)}
    for p in reversed(left):   # each order's posting stands alone: any order will do
        apply(batch, CONFIG, p)
    balance = lambda account_id: batch.account(account_id).balance  # noqa: E731
    # 10 @ 90 = 900; ben (taker) pays ceil(4.5) = 5; ann (maker) pays ceil(2.7) = 3.
    assert balance("ben:GOLD") == 10_010 and balance("ben:CHIP") == 10_000 - 905
    assert balance("ann:GOLD") == 9_990 and balance("ann:CHIP") == 10_000 + 897
    assert batch.account("ben:CHIP").available == 10_000 - 905      # the 100 left is released
    for owner in ("ann", "ben"):   # each escrow paid out exactly what its owner's holds posted
        assert balance(escrow(CONFIG, "CHIP", owner)) == 0 == balance(escrow(CONFIG, "GOLD", owner))
    fees = spread_account_id(SystemAccount.FEES, f"{CONFIG.id}.ben", "CHIP")  # the buyer's share
    assert batch.result.blind[fees].credits_posted == 8
    assert batch.hold_state("b1").status is HoldStatus.VOIDED and batch.hold_state("b1").posted == 905
    assert batch.hold_state("s1").status is HoldStatus.POSTED
    assert out.results == {"c1": "open", "c2": "filled"}


def test_a_done_order_releases_its_hold_only_after_its_earlier_fills_are_posted():
    batch = _ledger([("b1", "ben", "CHIP", 1_005)])
    out = _crossing_batch()
    (buy,) = [p for p in postings(out) if p.order_id == "b1"]
    release_only = buy.__class__(buy.order_id, buy.owner, buy.side, (), True, buy.expected)
    with pytest.raises(NotReady):
        apply(batch, CONFIG, release_only)
    assert batch.hold_state("b1").status is HoldStatus.PENDING   # nothing voided early


def test_an_order_with_more_fills_than_a_posting_holds_settles_in_several_in_any_order():
    # ann rests 45 asks of 2 at 90; ben's buy of 90 at 100 takes them all in one batch
    asks = [Command(f"c{n}", CommandType.PLACE, "ann", order=(f"s{n}", "ann", "sell", 90, 2,
                                                              "gtc", 0)) for n in range(45)]
    buy = Command("cb", CommandType.PLACE, "ben", order=("b1", "ben", "buy", 100, 90, "gtc",
                                                         10**4))
    out = apply_commands(restore(CONFIG, None), [*asks, buy])
    mine = [p for p in postings(out) if p.order_id == "b1"]
    assert [(len(p.fills), p.done) for p in mine] == [(POSTING_FILLS, False), (5, True)]
    holds = [(f"s{n}", "ann", "GOLD", 2) for n in range(45)] + [("b1", "ben", "CHIP", 10**4)]
    with pytest.raises(NotReady):   # the release waits for the first posting's fills
        apply(_ledger(holds), CONFIG, mine[1])
    batch = _ledger(holds)
    for p in [mine[0], mine[1], *(p for p in postings(out) if p.order_id != "b1")]:
        apply(batch, CONFIG, p)
    # 90 @ 90 = 8,100 and the taker's fees; the rest of the hold is released
    assert batch.account("ben:GOLD").balance == 10_090
    assert mine[1].expected == 8_100 + out.touched["b1"].fees > 8_100
    assert batch.account("ben:CHIP").balance == 10_000 - mine[1].expected
    assert batch.account("ben:CHIP").available == 10_000 - mine[1].expected
    assert batch.hold_state("b1").status is HoldStatus.VOIDED
    for owner in ("ann", "ben"):
        assert batch.account(escrow(CONFIG, "CHIP", owner)).balance == 0


def test_a_rejected_order_leaves_a_posting_that_releases_its_whole_hold():
    batch = _ledger([("b9", "ben", "CHIP", 500)])
    out = apply_commands(restore(CONFIG, None), [Command(
        "c9", CommandType.PLACE, "ben", order=("b9", "ben", "buy", 100, 10, "fok", 500))])
    (p,) = postings(out)
    assert (p.order_id, p.fills, p.done, p.expected) == ("b9", (), True, 0)
    apply(batch, CONFIG, p)
    assert batch.account("ben:CHIP").available == 10_000


def test_cancelling_an_order_that_is_not_resting_is_reported_not_applied():
    book = restore(CONFIG, None)
    out = apply_commands(book, [Command("c", CommandType.CANCEL, "ann", order_id="nope")])
    assert out.results == {"c": "not_open"} and out.touched == {}


def test_candles_keep_open_high_low_close_volume_and_taker_sides():
    first = fold_candle(None, [(100, 2, Side.BUY), (104, 1, Side.SELL)])
    later = fold_candle(first, [(98, 3, Side.BUY)])
    assert (later["open"], later["high"], later["low"], later["close"]) == (100, 104, 98, 98)
    assert (later["volume"], later["quote_volume"], later["trades"]) == (6, 598, 3)
    assert (later["taker_buy_volume"], later["taker_sell_volume"]) == (5, 1)


def test_net_positions_of_a_settlement_batch_sum_to_zero_per_asset():
    legs = [FillLeg("ben", "buy", 90, 10, 5), FillLeg("ann", "sell", 90, 10, 3)]
    net = net_positions(legs, "GOLD", "CHIP")
    assert net == {"ben": {"GOLD": 10, "CHIP": -905}, "ann": {"GOLD": -10, "CHIP": 897},
                   "sys.fees": {"CHIP": 8}}


def test_a_batch_stops_taking_commands_once_its_budget_is_spent():
    book = restore(CONFIG, None)
    commands = [Command(f"s{n}", CommandType.PLACE, "ann",
                        order=(f"s{n}", "ann", "sell", 100, 2, "gtc", 0)) for n in range(5)]
    commands += [Command(f"b{n}", CommandType.PLACE, "ben",
                         order=(f"b{n}", "ben", "buy", 100, 2, "gtc", 10**6)) for n in range(5)]
    out = apply_commands(book, commands,
                         budget=8 * COMMAND_COST + 3 * FILL_COST)
    assert [c.id for c in out.applied] == [c.id for c in commands[:8]]
    assert len(out.fills) == 3 and set(out.results) == {c.id for c in out.applied}


@pytest.mark.parametrize("side,touch,tick,expected", [
    (Side.BUY, 100, 1, 105), (Side.BUY, 101, 1, 107),   # 106.05 rounds against the taker: up
    (Side.BUY, 100, 10, 110), (Side.SELL, 100, 1, 95), (Side.SELL, 101, 1, 95),
    (Side.SELL, 100, 10, 90), (Side.SELL, 1, 1, 1)])   # a sell cap never drops below one tick
def test_the_default_market_cap_is_the_touch_moved_by_the_slippage(side, touch, tick, expected):
    config = BookConfig("GOLD-CHIP", "GOLD", "CHIP", tick_size=tick, slippage_bps=500)
    assert market_price_cap(config, side, touch) == expected


def test_a_market_order_with_nothing_opposite_is_refused():
    with pytest.raises(Rejected) as err:
        market_price_cap(BookConfig("GOLD-CHIP", "GOLD", "CHIP"), Side.BUY, None)
    assert err.value.code == "no_liquidity"


def _in_steps(book, command, budget):
    """Apply one command in steps of `budget`, resuming from the order's stored state as a new
    sequencer would; the steps' fills, cancels and final state."""
    fills, touched, resume = [], {}, None
    while True:
        out = apply_commands(book, [command], budget, resume)
        fills += [(f, t.id, m.id) for f, t, m in out.fills]
        touched |= {oid: order_state(o) | {"reason": o.reason} for oid, o in out.touched.items()}
        if out.paused is None:
            return fills, touched, out.results[command.id]
        if command.order:
            resume = order_from_state(order_state(out.touched[command.order[0]]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(95, 105), st.integers(1, 4), st.sampled_from(["ann", "ben",
                                                                                     "cy"])),
                min_size=1, max_size=40),
       st.sampled_from([CommandType.PLACE, CommandType.CANCEL_ALL, CommandType.CLOSE]),
       st.integers(1, 150))
def test_a_command_split_into_steps_does_exactly_what_it_does_at_once(asks, kind, budget):
    """A sweep (which also self-trade cancels ann's asks), a cancel_all of ann's orders or a
    close of the book."""
    def seeded():
        book = restore(CONFIG, None)
        for n, (price, qty, owner) in enumerate(asks):
            book.submit(Order(f"a{n}", owner, Side.SELL, price * 5, qty * 2, TimeInForce.GTC))
        return book

    command = Command("c", kind, "ann", order=("sweep", "ann", "buy", 105 * 5, 60, "gtc", 10**9)
                      if kind is CommandType.PLACE else None)
    whole, stepped = seeded(), seeded()
    expected = _in_steps(whole, command, budget=10**9)
    assert _in_steps(stepped, command, budget) == expected
    assert counters(stepped) == counters(whole)
    for side in Side:
        assert stepped.depth(side, 50) == whole.depth(side, 50)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["ann", "ben", "cy"]), st.sampled_from(list(Side)),
                          st.integers(95, 105), st.integers(1, 4),
                          st.sampled_from([CommandType.PLACE] * 4 + [CommandType.CANCEL,
                                                                     CommandType.CANCEL_ALL])),
                min_size=1, max_size=80),
       st.integers(1, 400))
def test_a_step_writes_no_more_documents_than_its_budget_counted(commands, budget):
    """The step budget's costs bound the documents a batch writes (write_count), so a step
    within STEP_BUDGET fits one transaction: a full step never has to be halved."""
    book = restore(CONFIG, None)
    for n in range(30):   # a resting book of both sides and owners to fill and cancel
        side = Side.SELL if n % 2 else Side.BUY
        book.submit(Order(f"r{n}", ("ann", "ben", "cy")[n % 3], side, (100 + (3 if n % 2 else -3)
                          + n % 4) * 5, 2, TimeInForce.GTC, 10**9 if side is Side.BUY else 0))
    applied = [Command(f"c{n}", kind, owner,
                       order_id=f"r{(n * 7) % 30}" if kind is CommandType.CANCEL else None,
                       order=(f"o{n}", owner, side.value, price * 5, qty * 2, "gtc",
                              10**9 if side is Side.BUY else 0)
                       if kind is CommandType.PLACE else None)
               for n, (owner, side, price, qty, kind) in enumerate(commands)]
    out = apply_commands(book, applied, budget)
    assert write_count(out) <= out.work + BOOK_DOCS + len(CANDLE_SECONDS)
    full = apply_commands(restore(CONFIG, None), applied)
    assert write_count(full) <= MAX_WRITES


def test_a_closed_book_cancels_every_order_in_steps_and_rejects_later_places():
    book = restore(CONFIG, None)
    for n in range(30):
        book.submit(Order(f"a{n}", ("ann", "ben", "cy")[n % 3], Side.SELL, 100 + n, 1,
                          TimeInForce.GTC))
    close = Command("close", CommandType.CLOSE, "admin")
    late = Command("late", CommandType.PLACE, "ben", order=("late", "ben", "buy", 200, 1, "gtc",
                                                           10**6))
    first = apply_commands(book, [close, late], budget=60)
    assert first.paused is close and 0 < len(first.touched) < 30 and not first.rejected
    rest = apply_commands(restore(CONFIG, counters(book), [order_state(o) for o in
                                                           book.orders.values()]),
                          [close, late])
    assert rest.results == {"close": "closed", "late": "rejected"}
    assert rest.rejected == {"late": "book_closed"} and not rest.fills
    cancelled = {**first.touched, **rest.touched}
    assert set(cancelled) == {f"a{n}" for n in range(30)}
    assert {(o.status.value, o.reason) for o in cancelled.values()} == {("cancelled",
                                                                         "book_closed")}
