"""Discovery's pure rules: which titles a query matches, rankings, sentiment."""
from __future__ import annotations

from hypothesis import given, strategies as st

from shared.domain.discovery import (CreatorRow, MAX_KEYWORDS, fold_hours, matches, query_words,
                                     sentiment, title_keywords, top_by_change, top_by_volume)


def finds(title: str, query: str) -> bool:
    return matches(title_keywords(title), query_words(query))


def test_every_query_word_must_start_a_title_word_case_and_accents_ignored():
    title = "Will Bitcoin close above $100k in Décembre?"
    assert finds(title, "bit")
    assert finds(title, "BITCOIN dec")
    assert finds(title, "100k abov")
    assert not finds(title, "coin")            # inside a word, not its start
    assert not finds(title, "bitcoin ethereum")  # every word must match
    assert query_words("?!") == []


@given(st.text(max_size=300))
def test_a_title_always_matches_its_own_words_and_stays_bounded(title):
    keywords = title_keywords(title)
    assert len(keywords) <= MAX_KEYWORDS
    if len(keywords) < MAX_KEYWORDS:
        assert matches(keywords, query_words(title))


def test_sentiment_is_the_taker_buy_share():
    assert sentiment(70, 30) == {"taker_buy_volume": 70, "taker_sell_volume": 30,
                                 "buy_share_bps": 7_000, "mood": "bullish"}
    assert sentiment(30, 70)["mood"] == "bearish"
    assert sentiment(50, 50)["mood"] == "neutral"
    assert sentiment(0, 0) == {"taker_buy_volume": 0, "taker_sell_volume": 0,
                               "buy_share_bps": None, "mood": "none"}


def test_hours_fold_per_book_and_rank_by_volume_then_change():
    candles = [
        {"book": "ANNA-CHIP", "start": 7200, "open": 110, "close": 120, "volume": 5,
         "quote_volume": 600, "taker_buy_volume": 5, "taker_sell_volume": 0},
        {"book": "ANNA-CHIP", "start": 3600, "open": 100, "close": 110, "volume": 2,
         "quote_volume": 210, "taker_buy_volume": 0, "taker_sell_volume": 2},
        {"book": "BOB-CHIP", "start": 3600, "open": 50, "close": 40, "volume": 100,
         "quote_volume": 4_500},
    ]
    rows = fold_hours(candles)
    assert rows["ANNA-CHIP"] == CreatorRow("ANNA", "ANNA-CHIP", 7, 810, 100, 120, 5, 2)
    assert [r.symbol for r in top_by_volume(rows.values(), 10)] == ["BOB", "ANNA"]
    assert [r.symbol for r in top_by_change(rows.values(), 1)] == ["ANNA"]
