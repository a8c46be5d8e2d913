"""Which bucket a public call counts in, and what one instance refuses before writing a counter."""
from __future__ import annotations

import pytest

from shared.domain.errors import RateLimited
from shared.domain.rate_limits import Limit, PreLimit
from shared.web.client_ip import client_ip


@pytest.mark.parametrize("claims", ["", "1.1.1.1", "1.1.1.1, 2.2.2.2", "evil, , 9.9.9.9"])
def test_a_client_cannot_choose_its_address_by_writing_x_forwarded_for(claims):
    # given Google's front end (1 hop) appended the address it saw
    header = f"{claims}, 203.0.113.5" if claims else "203.0.113.5"
    # then the client is that address whatever the client wrote before it
    assert client_ip(header, "10.0.0.1", hops=1) == "203.0.113.5"


def test_behind_hosting_or_a_load_balancer_the_client_is_two_hops_from_the_end():
    # given a client claim, the client's address, and the proxy's address appended after it
    assert client_ip("6.6.6.6, 198.51.100.2, 35.191.0.1", "10.0.0.1", hops=2) == "198.51.100.2"


def test_a_header_shorter_than_the_trusted_hops_falls_back_to_the_peer():
    # a request that did not pass every trusted proxy: no entry of it is trusted
    assert client_ip("6.6.6.6", "10.0.0.1", hops=2) == "10.0.0.1"
    assert client_ip("6.6.6.6, 7.7.7.7", "10.0.0.1", hops=0) == "10.0.0.1"


def test_the_pre_limit_refuses_past_the_limit_without_asking_anyone():
    pre, limit = PreLimit(), Limit(calls=3, seconds=60)
    for _ in range(3):
        pre.admit("public", "ip:a", limit, now_s=120.0)
    with pytest.raises(RateLimited):
        pre.admit("public", "ip:a", limit, now_s=130.0)
    pre.admit("public", "ip:b", limit, now_s=130.0)      # another caller is unaffected
    pre.admit("public", "ip:a", limit, now_s=180.0)      # and the next window starts afresh


def test_once_the_shared_counter_refused_the_instance_refuses_the_rest_of_the_window():
    pre, limit = PreLimit(), Limit(calls=100, seconds=60)
    pre.admit("public", "ip:a", limit, now_s=120.0)
    pre.refused("public", "ip:a", limit, now_s=121.0)  # other instances took the rest
    with pytest.raises(RateLimited) as err:
        pre.admit("public", "ip:a", limit, now_s=122.0)
    assert err.value.details["retry_after_s"] == 59
    pre.admit("public", "ip:a", limit, now_s=181.0)


def test_the_pre_limit_forgets_finished_windows_and_stays_bounded():
    pre, limit = PreLimit(max_keys=10), Limit(calls=1, seconds=60)
    for n in range(10):
        pre.admit("public", f"ip:{n}", limit, now_s=0.0)
    for n in range(25):                                  # many callers in the next window
        pre.admit("public", f"ip:new{n}", limit, now_s=60.0)
    assert len(pre) <= 10
