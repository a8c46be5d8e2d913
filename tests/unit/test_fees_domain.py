"""Service price windows."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.domain.errors import MintbookError
from shared.domain.fees import ServicePrice, price_in_force

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
H = timedelta(hours=1)


def test_the_latest_started_window_in_force_applies():
    prices = [ServicePrice("search", "CHIP", 10, T0, T0 + 2 * H),
              ServicePrice("search", "CHIP", 20, T0 + H),
              ServicePrice("search", "CHIP", 30, T0 + 5 * H, T0 + 6 * H)]
    assert price_in_force(prices, T0).amount == 10
    assert price_in_force(prices, T0 + H).amount == 20
    assert price_in_force(prices, T0 + 5 * H).amount == 30
    assert price_in_force(prices, T0 + 6 * H).amount == 20
    with pytest.raises(MintbookError) as caught:
        price_in_force(prices, T0 - H)
    assert caught.value.code == "no_price_in_force"


def test_an_empty_window_is_invalid():
    with pytest.raises(MintbookError) as caught:
        ServicePrice("search", "CHIP", 1, T0, T0)
    assert caught.value.code == "invalid_window"
