"""Reads per call stay within the manifest's budget at 50 and at 500 units of data.

The small version of `python -m bench.scale` that `make test` runs, for the functions whose
reads grew with the data before their read models (issue 19): a dev server whose Firestore
traffic passes the counter serves the counted calls; seeding goes through the stack's own
server, which the counter does not see. The budget is functions/manifest.py READS, evaluated
by bench/budgets.py; a flat budget's reads must also be the same at both sizes.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from fractions import Fraction

import pytest

from bench.budgets import DEFAULT_LIMIT, evaluate, is_flat
from bench.scale_seed import seed_reputation
from dev.firestore_bill import total

from .helpers import balance, key, ok
from .test_hot_paths import counted

__all__ = ["counted"]  # the fixture: (an Api on the counted dev server, the counter)
pytestmark = pytest.mark.usefixtures("ledger")
SIZES = (50, 500)


def reads_of(client, counter, function: str, params: dict, uid: str | None = None) -> int:
    mark = counter.mark()
    ok(client.call("GET", function, uid, params=params))
    counter.mark()  # every RPC of the call recorded
    return total(r for r in counter.records(mark) if r.tag.startswith(f"{function} http ")).reads


def test_holders_and_reputation_read_the_same_at_50_and_500(api, admin_uid, counted):
    from functions.manifest import READS

    client, counter = counted
    # given a creator token, whose creator (a service identity, so that seeding is not rate
    # limited) hands it out, and who forecasts
    ok(api.call("GET", "get_me", "dana"))
    ok(api.call("POST", "admin_list_creator", admin_uid, idempotency_key=key(), json={
        "uid": "dana", "symbol": "DANA", "name": "Dana", "initial_supply": 100_000}))
    ok(api.call("POST", "admin_set_role", admin_uid, idempotency_key=key(),
                json={"uid": "dana", "role": "service", "reason": "seeding"}))
    holders, reads = 0, {"list_holders": [], "get_reputation": []}
    for size in SIZES:
        # when the token has `size` holders and the forecaster `size` settled forecasts
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda n: (ok(api.call("GET", "get_me", f"holder{n}")), ok(api.call(
                "POST", "create_transfer", "dana", idempotency_key=f"h{n}",
                json={"to": f"holder{n}", "asset": "DANA", "amount": 1 + n % 7}))),
                range(holders, size)))
        seed_reputation("dana", size - holders)
        holders = size
        reads["list_holders"].append(reads_of(client, counter, "list_holders",
                                              {"symbol": "DANA"}))
        reads["get_reputation"].append(reads_of(client, counter, "get_reputation",
                                                {"uid": "dana"}))
    # then each call reads within its budget, the same at both sizes
    for function, (small, large) in reads.items():
        budget = READS[function]
        assert is_flat(budget), function
        assert large == small <= evaluate(budget, {"limit": DEFAULT_LIMIT}), (function, reads)
    # and the answers are the top of the real ledger
    top = ok(api.call("GET", "list_holders", params={"symbol": "DANA", "limit": 3}))
    assert [(h["uid"], h["balance"]) for h in top["items"]] == [
        ("dana", balance(api, "dana", "DANA")["total"]), ("holder97", 7), ("holder90", 7)]
    assert ok(api.call("GET", "get_reputation", params={"uid": "dana"}))["resolved"] == 500


CATALOGUE_SIZES = (25, 60)  # assets, each priced and with a book: the first exceeds a page


def test_catalogues_and_rates_read_a_page_at_any_number_of_assets(api, admin_uid, counted):
    from functions.manifest import READS

    client, counter = counted
    ok(api.call("POST", "admin_set_price", admin_uid, idempotency_key=key(),
                json={"asset": "CHIP", "usd": 1_000_000, "btc": 1_000}))
    made, reads = 0, {f: [] for f in ("list_assets", "list_books", "list_prices",
                                      "get_conversion_rate", "admin_ledger_stats")}

    def listed(n: int) -> None:
        """Through the services, as the admin calls do (the admin's calls are rate limited)."""
        from shared.domain.assets import Asset, AssetKind
        from shared.domain.exchange.books import BookConfig, book_id_for
        from shared.domain.idempotency import Operation
        from shared.domain.users import Role, User
        from shared.services import assets
        from shared.services.exchange import orders
        from shared.services.prices import market

        code, admin = f"CAT{n:03d}", User(admin_uid, Role.ADMIN)
        op = lambda name: Operation(admin_uid, name, f"{name}-{code}", code)  # noqa: E731
        assets.create_asset(op("asset"), admin, Asset(code, code, 0, AssetKind.CREATOR))
        market.set_price(op("price"), admin, code, 100_000_000 + n, 1_000 + n, None)
        orders.create_book(op("book"), admin, BookConfig(book_id_for(code, "CHIP"), code, "CHIP",
                                                         max_quantity=500))

    for size in CATALOGUE_SIZES:
        # given `size` creator tokens, each with a set price and a book against CHIP
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(listed, range(made, size)))
        made = size
        calls = {"list_assets": {}, "list_books": {}, "list_prices": {},
                 "get_conversion_rate": {"base": "CAT007", "quote": "CHIP"},
                 "admin_ledger_stats": {}}
        for function, params in calls.items():
            uid = admin_uid if function.startswith("admin_") else None
            reads_of(client, counter, function, params, uid)  # a warm instance: assets cached
            reads[function].append(reads_of(client, counter, function, params, uid))
    # then each call reads within its budget, the same at both sizes
    for function, (small, large) in reads.items():
        budget = READS[function]
        assert is_flat(budget), function
        assert large == small <= evaluate(budget, {"limit": DEFAULT_LIMIT}), (function, reads)
    # and walking the pages lists every asset, book and price once, in order
    walked = {}
    for function, field in (("list_assets", "code"), ("list_books", "base"),
                            ("list_prices", "asset")):
        walked[function], cursor = [], None
        while True:
            params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
            got = ok(api.call("GET", function, params=params))
            walked[function] += got["items"]
            cursor = got["next_cursor"]
            if not cursor:
                break
        creators = [item[field] for item in walked[function] if item[field].startswith("CAT")]
        assert creators == [f"CAT{n:03d}" for n in range(made)], function
    # and a rate is the exact ratio of the two prices: CHIP is $0.01 a whole token
    chip = next(a for a in walked["list_assets"] if a["code"] == "CHIP")
    rate = ok(api.call("GET", "get_conversion_rate", params={"base": "CAT007", "quote": "CHIP"}))
    assert Fraction(rate["numerator"], rate["denominator"]) == Fraction(
        100_000_007 * 10 ** chip["decimals"], 1_000_000), rate


def test_packages_and_the_price_table_read_a_page_at_any_number_of_them(api, admin_uid, counted):
    from functions.manifest import READS

    client, counter = counted
    made, reads = 0, {f: [] for f in ("list_packages", "admin_list_packages",
                                      "list_service_prices")}

    def listed(n: int) -> None:
        """Through the services, as the admin calls do (the admin's calls are rate limited)."""
        from shared.domain.fees import ServicePrice
        from shared.domain.idempotency import Operation
        from shared.domain.users import Role, User
        from shared.services import fees
        from shared.services.purchases import checkout

        admin = User(admin_uid, Role.ADMIN)
        op = lambda name: Operation(admin_uid, name, f"{name}-{n}", str(n))  # noqa: E731
        checkout.create_package(op("package"), admin, {
            "name": f"pack {n}", "tokens": 100 + n, "bonus": 0, "price": 1_000 + n,
            "currency": "usd", "active": n % 5 != 0, "sort_order": n % 3, "popular": False})
        fees.set_price(op("price"), admin, ServicePrice(f"svc{n:03d}", "CHIP", 1 + n,
                                                        datetime(2020, 1, 1, tzinfo=timezone.utc)),
                       "seeding")

    def reads_as(uid: str | None, function: str, params: dict) -> tuple[int, dict]:
        mark = counter.mark()
        answer = ok(client.call("GET", function, uid, params=params))
        counter.mark()  # every RPC of the call recorded
        return total(r for r in counter.records(mark)
                     if r.tag.startswith(f"{function} http ")).reads, answer

    callers = {"list_packages": None, "admin_list_packages": admin_uid,
               "list_service_prices": "ann"}
    next_pages = {f: [] for f in callers}
    for size in (30, 60):  # the first size already has more than a page of packages on sale
        # given `size` packages (every fifth retired) and `size` priced services
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(listed, range(made, size)))
        made = size
        for function, uid in callers.items():
            reads_as(uid, function, {})  # a warm instance: the platform asset is cached
            count, first = reads_as(uid, function, {})
            reads[function].append(count)
            # a later page reads its page and the document its cursor names
            next_pages[function].append(reads_as(uid, function, {
                "cursor": first["next_cursor"]})[0])
    # then each first page reads within its budget, the same at both sizes, and so do later pages
    for function, (small, large) in reads.items():
        budget = READS[function]
        assert is_flat(budget), function
        limit = evaluate(budget, {"limit": DEFAULT_LIMIT})
        assert large == small <= limit, (function, reads)
        assert max(next_pages[function]) <= limit, (function, next_pages)
    # and the shop's pages list every package on sale once, in display order
    shop, cursor = [], None
    while True:
        got = ok(api.call("GET", "list_packages", params={"limit": 7, **(
            {"cursor": cursor} if cursor else {})}))
        shop += got["items"]
        cursor = got["next_cursor"]
        if not cursor:
            break
    expected = sorted(((n % 3, 1_000 + n) for n in range(made) if n % 5), key=lambda o: o)
    assert [(p["sort_order"], p["price"]) for p in shop] == expected


def test_closing_soon_reads_the_markets_new_to_its_window_not_every_market_closing_soon(
        api, admin_uid, counted):
    """job_markets_closing_soon runs every 10 minutes: each run reads the markets whose close
    entered the 24-hour window since the last run, or that were created since inside it."""
    from datetime import datetime, timedelta, timezone

    from functions.manifest import READS
    from shared.store.client import collection

    from .test_markets_lifecycle import commit, create_market
    from .test_markets_social import kinds

    client, counter = counted
    budget = READS["job_markets_closing_soon"]

    def run() -> int:
        mark = counter.mark()
        ok(client.call("POST", "job_markets_closing_soon"))
        counter.mark()
        return total(r for r in counter.records(mark)
                     if r.tag.startswith("job_markets_closing_soon http ")).reads

    def forecast(slug: str, uid: str, closes_in_s: float) -> dict:
        market = create_market(api, admin_uid, slug, closes_in_s=closes_in_s)
        ok(commit(api, uid, market["id"], "yes", 100))
        return market

    # given 12 markets closing within the hour, one with a forecaster
    forecast("first", "ann", 3_600)
    for n in range(11):
        create_market(api, admin_uid, f"quiet-{n}", closes_in_s=3_600)
    run()
    assert kinds(api, "ann")["market_closing_soon"] == 1
    # a run with nothing new reads no market: not the 12 it reminded already
    assert run() <= evaluate(budget, {"changed": 0})
    # a market created since, closing within the window, is reminded
    forecast("second", "bob", 7_200)
    assert run() <= evaluate(budget, {"changed": 1})
    assert kinds(api, "bob")["market_closing_soon"] == 1
    # a market created long ago whose close entered the window since the last run (an hour ago)
    late = forecast("late", "cat", 23.5 * 3_600)
    ago = datetime.now(timezone.utc) - timedelta(hours=1)
    collection("markets").document(late["id"]).update({"created_at": ago - timedelta(hours=1)})
    collection("change_feeds").document("markets_closing.run").set({"at": ago})
    run()
    assert kinds(api, "cat")["market_closing_soon"] == 1
    assert kinds(api, "ann")["market_closing_soon"] == kinds(api, "bob")["market_closing_soon"] == 1


def test_an_export_page_reads_its_page_and_a_constant_and_the_pages_hold_everything_once(
        api, admin_uid, counted):
    from functions.manifest import READS

    client, counter = counted
    ok(api.call("GET", "get_me", "exq"))
    sent, per_page = 0, []
    for size in (15, 60):
        # given a user whose history is several pages of 10
        for n in range(sent, size):
            ok(api.call("POST", "create_transfer", "exp", idempotency_key=key(),
                        json={"to": "exq", "asset": "CHIP", "amount": 1 + n}))
        sent = size
        # when they page through their export 10 documents a page on the counted server
        pages, reads, cursor = [], [], None
        while True:
            params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
            mark = counter.mark()
            pages.append(ok(client.call("GET", "export_my_data", "exp", params=params)))
            counter.mark()  # every RPC of the call recorded
            reads.append(total(r for r in counter.records(mark)
                               if r.tag.startswith("export_my_data http ")).reads)
            cursor = pages[-1]["next_cursor"]
            if cursor is None:
                break
        # then each page reads at most its budget, whatever the history
        assert len(pages) > size // 10 and max(reads) <= evaluate(
            READS["export_my_data"], {"limit": 10}), reads
        per_page.append(max(reads))
        # and the pages hold every journal entry the user's history lists, each once
        journal = [d["id"] for p in pages for d in p["sections"].get("journal", [])]
        listed, after = [], None
        while True:
            page = ok(api.call("GET", "list_transactions", "exp",
                               params={"limit": 100, **({"cursor": after} if after else {})}))
            listed += [e["id"] for e in page["items"]]
            after = page["next_cursor"]
            if after is None:
                break
        assert len(journal) == len(set(journal)) and set(journal) == set(listed)
        assert len(journal) >= size
    assert per_page[0] == per_page[1], per_page
