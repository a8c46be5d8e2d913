"""Every function declares a read budget, and budgets evaluate as bench.scale reads them."""
from __future__ import annotations

import pytest

from bench.budgets import evaluate, is_flat


def test_every_function_of_the_manifest_declares_a_budget_that_evaluates():
    from functions.manifest import FUNCTIONS, READS

    assert set(READS) == {f.name for f in FUNCTIONS}
    for name, budget in READS.items():
        assert evaluate(budget, {"limit": 20, "changed": 7, "levels": 10, "markets": 3, "assets": 4}) >= 0, name


def test_a_budget_naming_only_the_page_is_flat_and_one_naming_a_size_is_not():
    assert is_flat("limit + 3") and is_flat("4")
    assert not is_flat("changed + 5")
    assert evaluate("2 * limit + 3", {"limit": 20}) == 43


def test_limit_is_the_page_size_the_call_got_its_own_or_its_query_s_default():
    from bench.count_setups import Call
    from bench.scale import _spec, page_size
    from functions.manifest import BY_NAME

    def size(function: str, query: dict | None = None) -> int:
        spec = _spec(BY_NAME[function].target)
        return page_size(spec, Call(function, "http", "GET", "demo-alice", query=query))

    assert size("export_my_data") == 200          # an export's default page
    assert size("export_my_data", {"limit": 7}) == 7
    assert size("list_transactions") == 20 and size("get_me") == 20


@pytest.mark.parametrize("bad", ["limit - 1", "__import__('os')", "limit ** 2", "'1'"])
def test_anything_but_sums_and_products_is_refused(bad):
    with pytest.raises((ValueError, KeyError)):
        evaluate(bad, {"limit": 20})


def test_category_rows_add_up_to_the_record_they_ride_with():
    from shared.domain.markets.social import CategoryRecord, Record

    record, rows = Record(), {"crypto": CategoryRecord(), "sports": CategoryRecord()}
    for category, result, score, net in (("crypto", "won", 300, 50), ("sports", "lost", -10, -5),
                                         ("crypto", "lost", -20, -7)):
        record = record.after(result, score, net)
        rows[category] = rows[category].after(result, score, net)
    assert rows["crypto"] == CategoryRecord(score_ppm=280, resolved=2, correct=1, net_won=43)
    for field in ("score_ppm", "resolved", "correct", "net_won"):
        assert sum(getattr(r, field) for r in rows.values()) == getattr(record, field)
