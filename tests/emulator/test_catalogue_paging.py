"""The package lists and the service price table page like the other catalogues (issue 19):
`limit` and `cursor` in, `next_cursor` out, in their display order, each item once."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from .helpers import error, key, ok
from .purchases_helpers import package

pytestmark = pytest.mark.usefixtures("ledger")


def walk(api, function: str, uid: str | None = None, limit: int = 3, **params) -> list[list[dict]]:
    """Every page of a list, following its cursor; the last page is the one without one."""
    pages, cursor = [], None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        got = ok(api.call("GET", function, uid, params=query))
        pages.append(got["items"])
        cursor = got["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor never ends"


def refuses_bad_paging(api, function: str, uid: str | None = None) -> None:
    for limit in (0, 101, "ten"):
        error(api.call("GET", function, uid, params={"limit": limit}), 400, "invalid_input")
    for cursor in ("bm9wZQ", "%%%"):  # a document that does not exist; not base64 at all
        error(api.call("GET", function, uid, params={"cursor": cursor}), 400, "invalid_cursor")


def test_packages_come_a_page_at_a_time_in_display_order_each_once(api, admin_uid):
    # given seven packages on sale, with ties in sort order and in price, and two retired
    on_sale = [package(api, admin_uid, tokens=100 + n, price=price, sort_order=order)
               for n, (order, price) in enumerate([(2, 500), (1, 900), (1, 300), (0, 700),
                                                   (1, 300), (2, 100), (0, 700)])]
    retired = [package(api, admin_uid, tokens=9, price=9, sort_order=1, active=False)
               for _ in range(2)]
    shown = sorted(on_sale, key=lambda p: (p["sort_order"], p["price"], p["id"]))
    # when anyone walks list_packages three at a time
    pages = walk(api, "list_packages")
    # then every package on sale comes once, in display order, and the last page says so
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [p["id"] for page in pages for p in page] == [p["id"] for p in shown]
    # and the admin's list pages through every package, the retired ones too, in the same order
    everything = sorted(on_sale + retired, key=lambda p: (p["sort_order"], p["price"], p["id"]))
    admin_pages = walk(api, "admin_list_packages", admin_uid, limit=4)
    assert [p["id"] for page in admin_pages for p in page] == [p["id"] for p in everything]
    assert [len(p) for p in admin_pages] == [4, 4, 1]
    # and a page of all of them has no next cursor
    whole = ok(api.call("GET", "list_packages", params={"limit": 100}))
    assert len(whole["items"]) == 7 and whole["next_cursor"] is None


def test_the_package_lists_refuse_a_bad_limit_or_cursor(api, admin_uid):
    package(api, admin_uid)
    refuses_bad_paging(api, "list_packages")
    refuses_bad_paging(api, "admin_list_packages", admin_uid)
    error(api.call("GET", "admin_list_packages", "ann"), 403, "role_required")


def set_price(api, admin: str, service_type: str, amount: int, start: datetime) -> dict:
    return ok(api.call("POST", "admin_set_service_price", admin, idempotency_key=key(), json={
        "service_type": service_type, "asset": "CHIP", "amount": amount,
        "valid_from": start.isoformat(), "valid_until": None, "reason": "pricing"}))


def test_the_price_table_pages_its_windows_and_defaults_in_order_each_once(api, admin_uid):
    # given the four default prices (since 2000-01-01), one of them replaced by an admin, and
    # windows before and after the defaults' start, in those and other services
    now = datetime.now(timezone.utc).replace(microsecond=0)
    table = ok(api.call("GET", "list_service_prices", "ann", params={"limit": 100}))["items"]
    assert [p["service_type"] for p in table] == ["analysis", "goal", "notification", "search"]
    default_from = datetime.fromisoformat(table[0]["valid_from"])
    set_price(api, admin_uid, "goal", 150, default_from)  # replaces goal's default
    for n, service_type in enumerate(["analysis", "search", "lookup", "zeta", "goal", "search"]):
        set_price(api, admin_uid, service_type, 10 + n, now - timedelta(days=n + 1))
    set_price(api, admin_uid, "search", 3, default_from - timedelta(days=400))
    set_price(api, admin_uid, "notification", 4, default_from - timedelta(days=1))
    whole = ok(api.call("GET", "list_service_prices", "ann", params={"limit": 100}))
    assert whole["next_cursor"] is None
    order = [(p["service_type"], p["valid_from"]) for p in whole["items"]]
    assert order == sorted(order, key=lambda o: (o[0], datetime.fromisoformat(o[1])))
    assert len(order) == 4 + 1 + 6 + 2 - 1  # defaults + replacement + windows, one replaced
    assert [p["amount"] for p in whole["items"] if p["service_type"] == "goal"] == [150, 14]
    # when a user walks it two stored windows at a time
    pages = walk(api, "list_service_prices", "ann", limit=2)
    # then the pages hold the whole table in the same order, each window once
    assert [p for page in pages for p in page] == whole["items"]
    assert len(pages) == 5  # nine stored windows, two a page
    # and one service's windows page the same way
    search = walk(api, "list_service_prices", "ann", limit=1, service_type="search")
    assert [p["amount"] for page in search for p in page] == [3, 10, 15, 11]


def test_the_price_table_refuses_a_bad_limit_or_cursor(api, admin_uid):
    set_price(api, admin_uid, "lookup", 5, datetime.now(timezone.utc))
    refuses_bad_paging(api, "list_service_prices", "ann")
