"""Discovery, pure: the search keywords of a market title, the words of a query, and the
rankings and sentiment a discovery job computes from counted rows.

Guarantees:
- Search semantics: a market matches a query when every word of the query is a prefix of some
  word of its title. Words are maximal runs of letters and digits, compared case-folded with
  accents removed. `title_keywords` lists every prefix (up to KEYWORD_CHARS characters) of every
  title word, so one `array_contains` on the longest query word finds the candidates and
  `matches` decides the rest; a query word longer than KEYWORD_CHARS is cut to that length.
- A title yields at most MAX_KEYWORDS keywords (the first words win), so a market document stays
  small whatever its title.
- Rankings are total orders (ties broken by id), so two runs over the same rows agree.
- Sentiment is integers only: the taker buy share in basis points of taker base volume, None
  when nothing traded.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable, NamedTuple

KEYWORD_CHARS = 15
MAX_KEYWORDS = 200
MAX_QUERY_WORDS = 5
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """The distinct words of `text`, case-folded and without accents, in order."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return list(dict.fromkeys(w[:KEYWORD_CHARS] for w in _WORD.findall(plain)))


def title_keywords(title: str) -> list[str]:
    found: dict[str, None] = {}
    for word in words(title):
        for end in range(1, len(word) + 1):
            found[word[:end]] = None
            if len(found) >= MAX_KEYWORDS:
                return list(found)
    return list(found)


def query_words(query: str) -> list[str]:
    """The query's words, longest (most selective) first; at most MAX_QUERY_WORDS."""
    return sorted(words(query), key=lambda w: (-len(w), w))[:MAX_QUERY_WORDS]


def matches(keywords: Iterable[str], wanted: list[str]) -> bool:
    have = set(keywords)
    return all(w in have for w in wanted)


class CreatorRow(NamedTuple):
    symbol: str
    book: str
    volume: int            # base units traded in the window
    quote_volume: int
    open: int | None       # first trade price of the window
    close: int | None      # last trade price
    taker_buy: int         # base volume whose taker bought
    taker_sell: int


def change_bps(row: CreatorRow) -> int | None:
    if not row.open or row.close is None:
        return None
    return (row.close - row.open) * 10_000 // row.open


def buy_share_bps(taker_buy: int, taker_sell: int) -> int | None:
    total = taker_buy + taker_sell
    return None if total == 0 else taker_buy * 10_000 // total


def sentiment(taker_buy: int, taker_sell: int) -> dict:
    """What a reader sees: the two volumes, the buy share, and a word for it."""
    share = buy_share_bps(taker_buy, taker_sell)
    mood = ("none" if share is None else "bullish" if share > 5_500
            else "bearish" if share < 4_500 else "neutral")
    return {"taker_buy_volume": taker_buy, "taker_sell_volume": taker_sell,
            "buy_share_bps": share, "mood": mood}


def fold_hours(candles: Iterable[dict]) -> dict[str, CreatorRow]:
    """Per book, the sum of its hourly candles (taken in start order)."""
    rows: dict[str, CreatorRow] = {}
    for c in sorted(candles, key=lambda c: (c["book"], c["start"])):
        book = c["book"]
        r = rows.get(book) or CreatorRow(book.split("-")[0], book, 0, 0, c.get("open"), None, 0, 0)
        rows[book] = r._replace(volume=r.volume + int(c.get("volume", 0)),
                                quote_volume=r.quote_volume + int(c.get("quote_volume", 0)),
                                close=c.get("close", r.close),
                                taker_buy=r.taker_buy + int(c.get("taker_buy_volume", 0)),
                                taker_sell=r.taker_sell + int(c.get("taker_sell_volume", 0)))
    return rows


def top_by_volume(rows: Iterable[CreatorRow], n: int) -> list[CreatorRow]:
    return sorted(rows, key=lambda r: (-r.quote_volume, r.symbol))[:n]


def top_by_change(rows: Iterable[CreatorRow], n: int) -> list[CreatorRow]:
    changed = [r for r in rows if change_bps(r) is not None]
    return sorted(changed, key=lambda r: (-(change_bps(r) or 0), r.symbol))[:n]


def top_counts(counts: dict[str, int], n: int) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
