"""Two dev-server processes serve one book at once: each place call runs a sequencer in its own
process, so the two race for the book's lease; every order still matches exactly once."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.stack import extra_server

from .helpers import ok
from .test_exchange_sequencer import book, check_exactly_once_in_recorded_order, pending

__all__ = ["book"]  # the fixture, shared with the sequencer tests


@pytest.fixture
def second_server(emulator, api, tmp_path):
    with extra_server(emulator, tmp_path / "second-dev-server.log") as client:
        yield client


def test_two_server_processes_on_one_book_never_duplicate_a_fill(api, second_server, book):
    from shared.services.exchange import sequencer

    def trade(n: int) -> dict:
        server = (api, second_server)[n % 2]
        side = "buy" if n % 3 else "sell"
        price = 100 + n % 4 - (2 if side == "sell" else 0)
        return ok(server.call("POST", "place_order", f"trader{n % 6}", idempotency_key=f"k{n}",
                              json={"book": book, "side": side, "quantity": 1 + n % 3,
                                    "price": price}))

    with ThreadPoolExecutor(max_workers=8) as pool:
        placed = list(pool.map(trade, range(40)))
    # What a busy wake-up left to its task, as the sweep would; a server may still hold the
    # lease for a moment (a run that stopped for time keeps it 1 s): this run is busy until then.
    deadline = time.monotonic() + 30
    while pending() and time.monotonic() < deadline:
        if sequencer.run(book)["status"] == "busy":
            time.sleep(0.2)
    assert len({p["id"] for p in placed}) == 40
    check_exactly_once_in_recorded_order(accepted_one_by_one=False)
    # Which server's sequencer wins each lease is timing: often both take turns, sometimes one
    # takes every batch. Asserting that both did made this test flaky, so it is not asserted;
    # test_two_sequencers_racing_on_one_book_fill_every_order_exactly_once forces the race.
