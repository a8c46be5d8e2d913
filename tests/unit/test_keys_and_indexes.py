"""Keys and indexes of the collections written at high rate (dev/high_rate.py): ids that spread,
no index that appends every write of one value to one sequential key range, an exemption or a
named query for every sequential single-field index, and the README's verdicts up to date."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from dev.high_rate import (BY_NAME, HIGH_RATE, README, composite_indexes, exempt_fields,
                           hot_spots, index_key, render)
from dev.query_shapes import INDEXES_FILE, Index

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = json.loads(INDEXES_FILE.read_text())
ASC, DESC = "ASCENDING", "DESCENDING"


def indexes(collection: str, *field_lists: tuple[tuple[str, str], ...]) -> dict:
    return {"indexes": [Index(collection, "COLLECTION", fields).to_json()
                        for fields in field_lists]}


def test_no_index_of_a_high_rate_collection_appends_one_value_to_a_sequential_range():
    assert hot_spots(COMMITTED) == []


@pytest.mark.parametrize("fields", [
    (("status", ASC), ("created_at", ASC)),                        # all pending at the end
    (("status", ASC), ("package_id", ASC), ("created_at", DESC)),  # still few values
    (("created_at", DESC), ("uid", ASC)),                          # sequential first
])
def test_a_sequential_field_after_low_cardinality_ones_or_first_is_refused(fields):
    assert hot_spots(indexes("purchases", fields)) == [("purchases", index_key(
        Index("purchases", "COLLECTION", fields)))]


@pytest.mark.parametrize("fields", [
    (("uid", ASC), ("created_at", DESC)),                          # one user's range
    (("status", ASC), ("uid", ASC), ("created_at", DESC)),         # status, then per user
    (("status_shard", ASC), ("created_at", DESC)),                 # a spread field
    (("status", ASC), ("package_id", ASC)),                        # nothing sequential
])
def test_indexes_that_spread_or_hold_no_sequential_field_pass(fields):
    assert hot_spots(indexes("purchases", fields)) == []


def test_a_collection_not_declared_high_rate_is_not_checked():
    assert "markets" not in BY_NAME
    assert hot_spots(indexes("markets", (("status", ASC), ("created_at", DESC)))) == []


@pytest.mark.parametrize("high_rate", HIGH_RATE, ids=lambda h: h.collection)
def test_each_sequential_field_is_exempt_or_kept_for_a_named_query(high_rate):
    exempt = exempt_fields(COMMITTED, high_rate.collection)
    for name in high_rate.sequential:
        assert (name in exempt) != (name in high_rate.kept), (
            f"{high_rate.collection}.{name}: exempt it in firestore.indexes.json, or say in "
            f"dev/high_rate.py which query needs its single-field index (not both)")
    assert set(high_rate.kept) <= set(high_rate.sequential)


@pytest.mark.parametrize("high_rate", HIGH_RATE, ids=lambda h: h.collection)
def test_each_composite_index_of_a_high_rate_collection_has_a_verdict(high_rate):
    keys = {index_key(i) for i in composite_indexes(COMMITTED, high_rate.collection)}
    assert set(high_rate.verdicts) == keys


def test_each_declared_collection_is_one_the_code_writes():
    code = "\n".join(p.read_text() for p in (ROOT / "shared").rglob("*.py"))
    assert [h.collection for h in HIGH_RATE if f'"{h.collection}"' not in code] == []


def test_the_readme_shows_the_current_verdicts():
    assert render(COMMITTED) in README.read_text(), "run `python -m dev.high_rate`"


def test_forecast_ids_spread_a_market_and_stay_computable_from_market_and_user():
    from shared.store.markets.market import forecast_id

    ids = [forecast_id("m1", f"user{n}") for n in range(1000)]
    assert ids[7] == forecast_id("m1", "user7")
    assert all(i.endswith(f".m1_user{n}") for n, i in enumerate(ids))
    assert len({i[:4] for i in ids}) > 950  # 1,000 ids over 65,536 prefixes
    assert forecast_id("m_a", "b") != forecast_id("m", "a_b")


def test_the_status_shards_of_every_status_fit_one_in_filter():
    from shared.domain.purchases import PurchaseStatus
    from shared.store.purchases import status_shard, status_shards

    assert len(status_shards()) <= 30  # Firestore's limit on the values of an `in` filter
    for n in range(200):
        for status in PurchaseStatus:
            assert status_shard(f"p{n}", status) in status_shards(status)
    assert len({status_shard(f"p{n}", PurchaseStatus.PENDING) for n in range(200)}) == \
        len(status_shards(PurchaseStatus.PENDING))
