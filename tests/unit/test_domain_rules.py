"""Accounts, users, reconciliation and idempotency rules."""
from __future__ import annotations

import pytest

from shared.domain.accounts import Account, AccountKind, Counters, parse_account_id
from shared.domain.errors import Forbidden
from shared.domain.idempotency import Operation
from shared.domain.reconciliation import Drift, reconcile
from shared.domain.users import Role, User, check_can_manage


def test_account_ids_round_trip():
    assert parse_account_id("ann:CHIP") == ("ann", "CHIP", AccountKind.USER)
    assert parse_account_id("ann:CHIP:receivable") == ("ann", "CHIP", AccountKind.RECEIVABLE)
    assert parse_account_id("sys.fees:CHIP") == ("sys.fees", "CHIP", AccountKind.SYSTEM)


def test_keys_of_different_users_never_collide():
    a = Operation.of("ann", "create_transfer", "k1", {"amount": 1})
    b = Operation.of("ben", "create_transfer", "k1", {"amount": 1})
    assert a.id != b.id and a.fingerprint == b.fingerprint


def test_reconciliation_names_the_drifting_account_and_the_difference():
    ann = Account("ann:CHIP", "ann", "CHIP", AccountKind.USER, Counters(credits_posted=150))
    issuance = Account("sys.issuance:CHIP", "sys.issuance", "CHIP", AccountKind.SYSTEM,
                       Counters(debits_posted=100))
    journal = {"ann:CHIP": Counters(credits_posted=100), "sys.issuance:CHIP": Counters(debits_posted=100)}
    drift = reconcile([ann, issuance], journal, [])
    assert Drift("zero_sum", "CHIP", "balance", 0, 50) in drift
    assert Drift("journal", "ann:CHIP", "credits_posted", 100, 150) in drift


@pytest.mark.parametrize("actor,target,role,allowed", [
    (Role.ADMIN, Role.USER, Role.MODERATOR, True),
    (Role.ADMIN, Role.USER, Role.ADMIN, False),
    (Role.ADMIN, Role.ADMIN, Role.USER, False),
    (Role.SUPERADMIN, Role.USER, Role.ADMIN, True),
    (Role.MODERATOR, Role.MODERATOR, None, False),
])
def test_only_higher_ranks_manage_lower_ones(actor, target, role, allowed):
    a, t = User("a", role=actor), User("t", role=target)
    if allowed:
        check_can_manage(a, t, role)
    else:
        with pytest.raises(Forbidden):
            check_can_manage(a, t, role)


def test_nobody_changes_their_own_role():
    boss = User("boss", role=Role.SUPERADMIN)
    with pytest.raises(Forbidden):
        check_can_manage(boss, boss, Role.USER)


def test_a_limit_refuses_the_call_past_its_count_and_says_when_to_retry():
    from shared.domain.errors import RateLimited
    from shared.domain.rate_limits import Limit

    limit = Limit(calls=5, seconds=60)
    limit.check("auth", 5, now_s=120.0)
    with pytest.raises(RateLimited) as err:
        limit.check("auth", 6, now_s=150.0)
    assert err.value.details["retry_after_s"] == 31
