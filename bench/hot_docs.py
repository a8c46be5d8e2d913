"""`python -m bench.hot_docs [--ops N] [--clients C]`: the shared documents each hot path writes,
per 1,000 operations, counted at the RPC boundary as production bills them.

Production Firestore sustains about one write a second per document, so a hot path may write
the acting parties' own documents and, besides, only documents that take at most one write per
1,000 of its operations (ARCHITECTURE.md, "Production scale"). This bench measures that through
the HTTP functions, on the stack bench.count starts (emulator, the Firestore counter in front of
it that every process goes through, a dev server with its triggers and no schedule loop, demo
data). The dev server runs with production defaults: the bench refuses to run when the
environment changes a fee rate, the welcome bonus or the reward shards, and prints what it ran
with, read from shared/config.py settings() in the server's environment.

Paths, each run for N operations (default 2,000) by a pool of C HTTP clients (default 8):
- create_transfer among 500 users, each sending to a user half the pool away;
- stripe_webhook+sign_up: signed payment_intent.succeeded events for pending purchases of 500
  buyers (N of them), and the first authenticated calls of 500 new users (the user written, the
  welcome bonus paid), interleaved;
- service_charge_fee: 500 users charged by service identities;
- pay_reward: 500 users rewarded from the pool by service identities;
- execute_swap_offer: 500 takers on one pair (GOLD for CHIP), each taking an offer of its own
  from a maker half the pool away.
Below 500 operations the pools shrink to N. Setup (users, roles, prices, purchases, funding,
offers) runs through the same API before a path's counting starts; purchases are written as
create_purchase leaves them once Stripe answered (no Stripe API runs here), as bench.webhook does.

Rate limits are production's: a service identity makes at most SERVICE_CALLS calls in a path and
a user a handful, under the general 100 a minute however fast the path runs; a 429 or a 503 is
retried with the same Idempotency-Key (and request id) after the hint it carries.

Own and shared. Each write is billed to an operation by the tag the dev server gives its RPCs
(its request id). It is own when the document's id, or its `owner` field, derives from an acting
party of that operation: the caller, the user acted on, for a swap the maker, the offer and its
escrow; a share "sys.<name>.<hash of the uid>" of a spread system account (re-derived with
spread_account_id), or any id that carries a party's hash the same way (16 hex digits of
sha256(uid), which derive_id(uid) also starts with: a per-taker volume counter); an id derived
from the operation (operation id, purchase, offer, reward, welcome transfer, and the transfers
and journal entries named after them); a rate-limit counter of a party (its id re-derived from
(bucket, caller, window)). Everything else is shared: a main system account, a shard of the
rewards pool, volume counters every taker of a pair writes, a Stripe event's record.
Work that followed in the path's window under other tags (triggers) is checked against every
party of the path.

Per path it prints the most-written shared document, its writes per 1,000 operations and its
most writes in any second (a document written once shows 1,000 / N: 0.5 at the default N), then
the next ones. Last line: worst_shared_writes_per_1k=... worst_path=... worst_doc=...; the target
is <= 1.
"""
from __future__ import annotations

import argparse
import hashlib
import math
import random
import re
import sys
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Callable, Iterable

import requests

from bench.count import Stack, counted_stack, settle  # puts the repository on sys.path
from dev.firestore_bill import Rpc
from dev.tokens import unsigned_id_token

USERS = 500
SERVICE_CALLS = 80   # calls per service identity in one path: under the general 100 a minute
ADMINS = 10          # admins sharing the setup's admin calls (each limited to 100 a minute)
CLIENTS = 8
ATTEMPTS = 12
SUPERADMIN = "demo-admin"
PAIRED = "GOLD"      # swapped against the platform asset
UID_HASH_HEX = 16    # hex digits of a uid's hash an id must carry to count as derived from it
HEX_RUN = re.compile(rf"[0-9a-f]{{{UID_HASH_HEX},}}")
# Production defaults a run must keep (shared/config.py), and the variable that changes each.
DEFAULTS = {"platform_asset": "MINTBOOK_PLATFORM_ASSET", "welcome_bonus": "MINTBOOK_WELCOME_BONUS",
            "transfer_fee_bps": "MINTBOOK_TRANSFER_FEE_BPS",
            "swap_fee_bps": "MINTBOOK_SWAP_FEE_BPS", "swap_band_bps": "MINTBOOK_SWAP_BAND_BPS",
            "reward_shards": "MINTBOOK_REWARD_SHARDS",
            "max_purchase_amount": "MINTBOOK_MAX_PURCHASE_AMOUNT"}


@dataclass
class Op:
    """One HTTP call, and who acts in it."""
    function: str
    caller: str | None                      # None: Stripe calls the webhook
    body: dict | None = None
    method: str = "POST"
    key: str | None = None                  # Idempotency-Key
    event: dict | None = None               # a Stripe event, signed when sent
    parties: tuple[str, ...] = ()           # acting uids
    derived: tuple[str, ...] = ()           # ids derived from them (see the module docstring)
    owners: tuple[str, ...] = ()            # other owners that are parties (an offer's escrow)
    done: Callable[[dict], bool] = lambda data: True
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class Outcome:
    status: int
    attempts: int
    data: dict
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


class Api:
    """HTTP clients of the dev server, one requests session per thread."""

    def __init__(self, base_url: str, project: str, clients: int) -> None:
        self.base_url, self.project, self.clients = base_url, project, clients
        self._local = threading.local()

    def run(self, op: Op) -> Outcome:
        from dev.stripe_events import sign

        session = getattr(self._local, "session", None) or requests.Session()
        self._local.session = session
        headers = {"X-Request-Id": op.request_id}
        if op.caller:
            headers["Authorization"] = f"Bearer {unsigned_id_token(op.caller, self.project)}"
        if op.key:
            headers["Idempotency-Key"] = op.key
        for attempt in range(1, ATTEMPTS + 1):
            raw = None
            if op.event is not None:
                raw, signed = sign(op.event)  # signed now: the webhook accepts 5 minutes' age
                headers.update(signed)
            response = session.request(op.method, f"{self.base_url}/{op.function}",
                                       json=op.body if raw is None else None, data=raw,
                                       headers=headers, timeout=120)
            if response.status_code not in (429, 503) or attempt == ATTEMPTS:
                break
            time.sleep(_retry_after(response, attempt))
        try:
            answer = response.json()
        except ValueError:
            return Outcome(response.status_code, attempt, {}, response.text[:200])
        data = answer.get("data") or {}
        if not answer.get("success"):
            return Outcome(response.status_code, attempt, data, str(answer.get("errors")))
        if not op.done(data):
            return Outcome(response.status_code, attempt, data, f"unexpected answer {data}")
        return Outcome(response.status_code, attempt, data)

    def run_all(self, ops: list[Op]) -> list[Outcome]:
        with ThreadPoolExecutor(self.clients) as pool:
            return list(pool.map(self.run, ops))

    def setup(self, ops: list[Op]) -> list[dict]:
        """Setup calls; raises on the first that failed."""
        outcomes = self.run_all(ops)
        for op, outcome in zip(ops, outcomes):
            if not outcome.ok:
                raise RuntimeError(f"setup: {op.function} as {op.caller} answered "
                                   f"{outcome.status}: {outcome.error}")
        return [o.data for o in outcomes]


def _retry_after(response: requests.Response, attempt: int) -> float:
    hint = response.headers.get("Retry-After", "")
    base = float(hint) if hint.isdigit() else 0.1 * attempt
    return base + random.uniform(0, 0.2)


def _call(function: str, caller: str | None, body: dict | None = None, **fields) -> Op:
    method = "GET" if body is None and function.startswith("get_") else "POST"
    key = None if method == "GET" else uuid.uuid4().hex
    return Op(function, caller, body, method=method, key=key, **fields)


def _operation_id(caller: str, function: str, key: str) -> str:
    from shared.domain.idempotency import Operation

    return Operation(caller, function, key, "").id


class Bench:
    """The user pools and setup helpers every path shares."""

    def __init__(self, stack: Stack, ops: int, clients: int) -> None:
        from shared.config import settings

        self.stack, self.n = stack, ops
        self.api = Api(stack.client.base_url, stack.client.project, clients)
        self.asset = settings().platform_asset
        self.users = [f"hd-user-{i:03d}" for i in range(min(USERS, ops))]
        self.admins = [f"hd-admin-{i}" for i in range(ADMINS)]
        self.api.setup([_call("get_me", uid) for uid in self.admins + self.users])
        self.api.setup([_call("admin_set_role", SUPERADMIN, {"uid": uid, "role": "admin",
                                                             "reason": "bench.hot_docs setup"})
                        for uid in self.admins])

    def as_admins(self, function: str, bodies: Iterable[dict]) -> list[dict]:
        """Admin calls, taking turns among the bench admins."""
        return self.api.setup([_call(function, self.admins[k % ADMINS], body)
                               for k, body in enumerate(bodies)])

    def services(self, name: str) -> list[str]:
        """Enough service identities for N calls, SERVICE_CALLS each at most."""
        uids = [f"hd-{name}-{i}" for i in range(math.ceil(self.n / SERVICE_CALLS))]
        self.api.setup([_call("get_me", uid) for uid in uids])
        self.as_admins("admin_set_role", ({"uid": uid, "role": "service",
                                           "reason": "bench.hot_docs setup"} for uid in uids))
        return uids


def transfers(b: Bench) -> list[Op]:
    u, ops = b.users, []
    for n in range(b.n):
        # half the pool away, moving on each round: no two calls in flight share a user
        sender, recipient = u[n % len(u)], u[(n + len(u) // 2 + n // len(u)) % len(u)]
        if recipient == sender:
            recipient = u[(n + 1) % len(u)]
        op = _call("create_transfer", sender, {"to": recipient, "asset": b.asset, "amount": 100,
                                               "memo": "bench.hot_docs"}, parties=(sender, recipient))
        op.derived = (_operation_id(sender, op.function, op.key),)
        ops.append(op)
    return ops


def webhook_credits_and_sign_ups(b: Bench) -> list[Op]:
    from dev.stripe_events import payment_event
    from shared.domain.purchases import mint_transfer_id
    from shared.services.users import welcome_transfer_id

    package = b.as_admins("admin_create_package", [{"name": "bench chips", "tokens": 1_000,
                                                    "bonus": 100, "price": 999,
                                                    "currency": "usd"}])[0]
    credits = [Op("stripe_webhook", None, event=payment_event("succeeded", p),
                  parties=(p["uid"],),
                  derived=(p["id"], mint_transfer_id(p["id"], "tokens"),
                           mint_transfer_id(p["id"], "bonus")),
                  done=lambda data: data.get("outcome") == "completed")
               for p in _pending_purchases(b.users, b.n, package, b.asset)]
    sign_ups = [_call("get_me", uid, parties=(uid,), derived=(welcome_transfer_id(uid),))
                for uid in (f"hd-new-{i:03d}" for i in range(len(b.users)))]
    step = math.ceil(len(credits) / len(sign_ups))
    ops = []
    for i, sign_up in enumerate(sign_ups):
        ops += credits[i * step:(i + 1) * step] + [sign_up]
    return ops


def _pending_purchases(buyers: list[str], count: int, package: dict, asset: str) -> list[dict]:
    """Pending purchases as create_purchase leaves them once Stripe answered, written directly
    (setup: no Stripe API here); ids derived from the buyer as create_purchase derives them."""
    from google.cloud import firestore

    from shared.domain.idempotency import Operation
    from shared.domain.purchases import Purchase
    from shared.store.client import collection, db
    from shared.store.purchases import PURCHASES, purchase_doc

    made, batch = [], db().batch()
    for n in range(count):
        uid = buyers[n % len(buyers)]
        op = Operation.of(uid, "create_purchase", uuid.uuid4().hex, {"package_id": package["id"]})
        p = Purchase(id=op.id, uid=uid, package_id=package["id"], asset=asset,
                     tokens=package["tokens"], bonus=package["bonus"], amount=package["price"],
                     currency=package["currency"], payment_intent_id=f"pi_{uuid.uuid4().hex[:24]}")
        batch.set(collection(PURCHASES).document(p.id),
                  {**purchase_doc(p), "fingerprint": op.fingerprint,
                   "created_at": firestore.SERVER_TIMESTAMP})
        made.append({"id": p.id, "uid": uid, "payment_intent_id": p.payment_intent_id,
                     "amount": p.amount, "currency": p.currency})
        if len(made) % 400 == 0:
            batch.commit()
            batch = db().batch()
    batch.commit()
    return made


def service_fees(b: Bench) -> list[Op]:
    services, u = b.services("fee-svc"), b.users
    start = datetime.now(timezone.utc) - timedelta(minutes=1)
    b.as_admins("admin_set_service_price", [{"service_type": "search", "asset": b.asset,
                                             "amount": 1, "valid_from": start.isoformat(),
                                             "reason": "bench.hot_docs"}])
    ops = []
    for n in range(b.n):
        service, uid, request_id = services[n % len(services)], u[n % len(u)], uuid.uuid4().hex
        ops.append(Op("service_charge_fee", service,
                      {"uid": uid, "service_type": "search", "request_id": request_id,
                       "description": "bench.hot_docs"}, key=request_id, parties=(service, uid),
                      derived=(_operation_id(service, "service_charge_fee", request_id),)))
    return ops


def rewards(b: Bench) -> list[Op]:
    from shared.config import settings

    services, u = b.services("reward-svc"), b.users
    # 1,000 a shard: a reward of 10 is paid by its home shard, however the rewards hash
    b.as_admins("admin_fund_rewards", [{"asset": b.asset,
                                        "amount": settings().reward_shards * 1_000,
                                        "reason": "bench.hot_docs"}])
    ops = []
    for n in range(b.n):
        service, uid = services[n % len(services)], u[n % len(u)]
        reward_id = f"daily-{uid}-{n // len(u)}"  # a reward id names its user, as apps do
        ops.append(_call("pay_reward", service, {"reward_id": reward_id, "uid": uid,
                                                 "asset": b.asset, "amount": 10,
                                                 "reason": "bench.hot_docs"},
                         parties=(service, uid),
                         derived=(_operation_id("rewards", "reward", reward_id),)))
    return ops


def swaps(b: Bench) -> list[Op]:
    from shared.services.swaps import escrow_account

    u, per = b.users, math.ceil(b.n / len(b.users))
    b.as_admins("admin_create_asset", [{"code": PAIRED, "name": "Gold", "decimals": 2}])
    # one PAIRED unit is worth 20 platform units: offers of 10 for 200 sit on the market rate
    b.as_admins("admin_set_price", [{"asset": b.asset, "usd": 5_000_000, "btc": 500},
                                    {"asset": PAIRED, "usd": 100_000_000, "btc": 10_000}])
    b.as_admins("admin_adjust", ({"uid": m, "asset": PAIRED, "amount": 10 * per,
                                  "reason": "bench.hot_docs setup"} for m in u))
    made = b.api.setup([_call("create_swap_offer", m, {"give_asset": PAIRED, "give_amount": 10,
                                                      "want_asset": b.asset, "want_amount": 200})
                        for _ in range(per) for m in u])
    offers: dict[str, list[str]] = defaultdict(list)
    for offer in made:
        offers[offer["maker"]].append(offer["id"])
    ops = []
    for n in range(b.n):
        taker = u[n % len(u)]
        maker = u[(n % len(u) + max(1, len(u) // 2)) % len(u)]
        offer = offers[maker][n // len(u)]
        op = _call("execute_swap_offer", taker, {"offer_id": offer}, parties=(taker, maker),
                   owners=(escrow_account(offer, PAIRED).split(":")[0],))
        op.derived = (_operation_id(taker, op.function, op.key), offer)
        ops.append(op)
    return ops


def commits(b: Bench) -> list[Op]:
    """N commits by the users to one market, each user's forecast raised on later turns."""
    closes = datetime.now(timezone.utc) + timedelta(hours=1)
    [market] = b.as_admins("create_market", [{
        "slug": f"hot-docs-{uuid.uuid4().hex[:8]}", "title": "Will bench.hot_docs hold?",
        "category": "crypto", "outcomes": [{"id": "yes", "label": "Yes"},
                                           {"id": "no", "label": "No"}],
        "closes_at": closes.isoformat(), "max_per_user": 1_000_000, "asset": b.asset}])
    ops = []
    for n in range(b.n):
        uid = b.users[n % len(b.users)]
        side = "yes" if (n % len(b.users)) % 3 else "no"  # one outcome per user, always
        op = _call("commit_forecast", uid, {"market_id": market["id"], "outcome": side,
                                            "amount": 10}, parties=(uid,))
        op.derived = (_operation_id(uid, op.function, op.key),)
        ops.append(op)
    return ops


PATHS: dict[str, Callable[[Bench], list[Op]]] = {
    "create_transfer": transfers, "stripe_webhook+sign_up": webhook_credits_and_sign_ups,
    "service_charge_fee": service_fees, "pay_reward": rewards, "execute_swap_offer": swaps,
    "commit_forecast": commits}


# -- own or shared ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Parties:
    owners: frozenset[str]   # owner names: uids, their spread shares, escrows
    derived: frozenset[str]  # ids derived from them
    hashes: frozenset[str]   # the first UID_HASH_HEX hex digits of sha256(uid) of each party
    callers: tuple[str, ...]  # whose rate-limit counters are theirs

    @classmethod
    def of(cls, ops: Iterable[Op], asset: str) -> Parties:
        from shared.domain.accounts import SystemAccount, spread_account_id

        spread = (SystemAccount.FEES, SystemAccount.ISSUANCE, SystemAccount.TREASURY)
        owners, derived, hashes, callers = set(), set(), set(), set()
        for op in ops:
            owners.update(op.parties, op.owners)
            owners.update(spread_account_id(name, uid, asset).split(":")[0]
                          for uid in op.parties for name in spread)
            derived.update(op.derived)
            hashes.update(_uid_hash(uid) for uid in op.parties)
            callers.update(op.parties)
        return cls(frozenset(owners), frozenset(derived), frozenset(hashes),
                   tuple(sorted(callers)))

    def own_by_id(self, doc: str, at: float) -> bool:
        """`doc` is "collection/id[/collection/id...]"; `at` when it was written."""
        segments = doc.split("/")
        if segments[0] == "rate_limits":
            return segments[-1] in _rate_limit_ids(self.callers, at)
        for doc_id in segments[1::2]:
            for part in doc_id.split("~"):  # a journal entry: "<transfer id>~<account id>"
                if part.split(":")[0] in self.owners or part.split(".")[0] in self.derived:
                    return True
            # a key named by a party's hash (a per-user counter), however it is framed
            if any(run[:UID_HASH_HEX] in self.hashes for run in HEX_RUN.findall(doc_id)):
                return True
        return False


def _uid_hash(uid: str) -> str:
    """What ids derived from a uid alone start with: spread_account_id's key and
    derive_id(uid) are both prefixes of sha256(uid)."""
    return hashlib.sha256(uid.encode()).hexdigest()[:UID_HASH_HEX]


def _rate_limit_ids(callers: tuple[str, ...], at: float) -> set[str]:
    from shared.domain.rate_limits import LIMITS

    return {_rate_limit_id(bucket, caller, limit.window(at) + back)
            for bucket, limit in LIMITS.items() for caller in callers for back in (-1, 0)}


@lru_cache(maxsize=None)
def _rate_limit_id(bucket: str, caller: str, window: int) -> str:
    from shared.domain.idempotency import derive_id

    return derive_id(bucket, caller, str(window))  # as shared/store/rate_limits.hit names it


def _owner_fields(docs: set[str]) -> dict[str, str | None]:
    from shared.store.client import db

    refs, owners = [db().document(d) for d in sorted(docs)], {}
    for start in range(0, len(refs), 300):
        for snap in db().get_all(refs[start:start + 300], field_paths=["owner"]):
            owners[snap.reference.path] = (snap.to_dict() or {}).get("owner") if snap.exists else None
    return owners


@dataclass
class PathReport:
    name: str
    ops: int
    failed: int
    retried: int
    seconds: float
    writes: int = 0
    own: int = 0
    follower_writes: int = 0
    mismatched: int = 0                                       # answers naming an underived id
    shared: dict[str, list[float]] = field(default_factory=dict)  # doc -> when it was written
    first_error: str = ""

    def ranked(self) -> list[tuple[str, int, int]]:
        """Shared documents, most written first: (doc, writes, most writes in one second)."""
        rows = [(doc, len(times), _most_in_one_second(times)) for doc, times in self.shared.items()]
        return sorted(rows, key=lambda r: (-r[1], -r[2], r[0]))

    def per_1k(self, writes: int) -> float:
        return writes * 1000 / self.ops if self.ops else 0.0


def _most_in_one_second(times: list[float]) -> int:
    times, best, start = sorted(times), 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def _short(path: str) -> str:
    return path.split("/documents/", 1)[-1]


def attribute(name: str, ops: list[Op], outcomes: list[Outcome], rpcs: list[Rpc], seconds: float,
              asset: str) -> PathReport:
    """Each write to its operation by request id (others to the path as a whole), own or shared."""
    parties = {op.request_id: Parties.of([op], asset) for op in ops}
    everyone = Parties.of(ops, asset)
    failed = [o for o in outcomes if not o.ok]
    report = PathReport(name, len(ops), len(failed), sum(o.attempts > 1 for o in outcomes),
                        seconds, first_error=failed[0].error if failed else "")
    for op, outcome in zip(ops, outcomes):
        transfer = outcome.data.get("transfer_id")
        if transfer and not parties[op.request_id].own_by_id(f"transfers/{transfer}", 0):
            report.mismatched += 1
    unclaimed: list[tuple[str, Parties, float]] = []
    for rpc in rpcs:
        mine = parties.get(rpc.tag.split(" ")[-1])
        for path in rpc.writes + rpc.deletes:
            report.writes += 1
            report.follower_writes += mine is None
            doc = _short(path)
            if (mine or everyone).own_by_id(doc, rpc.at):
                report.own += 1
            else:
                unclaimed.append((doc, mine or everyone, rpc.at))
    owners = _owner_fields({doc for doc, _, _ in unclaimed}) if unclaimed else {}
    for doc, who, at in unclaimed:
        if owners.get(doc) in who.owners:
            report.own += 1
        else:
            report.shared.setdefault(doc, []).append(at)
    return report


def describe(r: PathReport, top: int = 4) -> list[str]:
    shared_writes = sum(len(t) for t in r.shared.values())
    lines = [f"{r.name}: {r.ops} ops in {r.seconds:.1f} s ({r.ops / r.seconds:.1f}/s; "
             f"{r.failed} failed, {r.retried} retried); {r.writes} writes: {r.own} own, "
             f"{shared_writes} to {len(r.shared)} shared documents "
             f"(followers under other tags: {r.follower_writes} writes)"]
    ranked = r.ranked()
    if ranked:
        doc, writes, per_s = ranked[0]
        lines.append(f"  most-written shared document: {doc}: {writes} writes = "
                     f"{r.per_1k(writes):.2f} per 1,000 ops, at most {per_s} in one second "
                     f"(the {len(ranked)} shared documents average "
                     f"{r.per_1k(shared_writes / len(ranked)):.2f} per 1,000 ops)")
        if len(ranked) > 1:
            lines.append("  next: " + ", ".join(f"{d} ({w})" for d, w, _ in ranked[1:top]))
    else:
        lines.append("  most-written shared document: none (every write was own)")
    if r.failed:
        lines.append(f"  first failure: {r.first_error}")
    if r.mismatched:
        lines.append(f"  warning: {r.mismatched} answers name a transfer whose id the bench "
                     "does not derive from the operation (id derivation changed?)")
    return lines


# -- the run ---------------------------------------------------------------------------------

def production_settings() -> str:
    """What the dev server runs with (it inherits this process's environment), refusing any
    change to the production defaults."""
    from shared.config import Settings, settings

    settings.cache_clear()
    s = settings()
    changed = [f"{variable} (sets {name}={getattr(s, name)}, default "
               f"{Settings._field_defaults[name]})" for name, variable in DEFAULTS.items()
               if getattr(s, name) != Settings._field_defaults[name]]
    if changed:
        raise SystemExit("bench.hot_docs runs with production defaults; unset " +
                         ", ".join(changed))
    from shared.domain.rate_limits import LIMITS
    from shared.store import swaps as swap_store

    try:
        from shared.store.changes import BUCKETS as feed_buckets
    except ImportError:
        feed_buckets = "none"
    general = LIMITS["general"]
    return (f"transfer_fee_bps={s.transfer_fee_bps} swap_fee_bps={s.swap_fee_bps} "
            f"welcome_bonus={s.welcome_bonus} reward_shards={s.reward_shards} "
            f"swap_volume_shards={getattr(swap_store, 'VOLUME_SHARDS', 'none')} "
            f"change_feed_buckets={feed_buckets} "
            f"rate_limit_general={general.calls}/{general.seconds}s")


def run_path(b: Bench, name: str) -> PathReport:
    ops = PATHS[name](b)  # setup, uncounted
    settle(b.stack)
    mark = b.stack.counter.mark()
    started = time.perf_counter()
    outcomes = b.api.run_all(ops)
    seconds = time.perf_counter() - started
    settle(b.stack)  # what the path's writes set off (triggers) belongs to the path
    return attribute(name, ops, outcomes, b.stack.counter.records(mark), seconds, b.asset)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hot_docs",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=2_000,
                        help="operations per path (default 2,000; at least 2)")
    parser.add_argument("--clients", type=int, default=CLIENTS,
                        help=f"concurrent HTTP clients (default {CLIENTS})")
    parser.add_argument("--path", action="append", choices=list(PATHS),
                        help="run only this path (repeatable; default: all)")
    args = parser.parse_args(argv)
    if args.ops < 2:
        parser.error("--ops must be at least 2")
    reports = []
    with counted_stack("hot_docs") as stack:
        print(f"bench.hot_docs: {args.ops} operations per path, {args.clients} clients, "
              f"{min(USERS, args.ops)} users; {production_settings()} (shared/config.py "
              f"settings() in the dev server's environment); a document written once in "
              f"{args.ops} ops counts {1000 / args.ops:.2f} per 1,000", flush=True)
        bench = Bench(stack, args.ops, args.clients)
        for name in args.path or PATHS:
            report = run_path(bench, name)
            reports.append(report)
            print("\n".join(describe(report)), flush=True)
    worst = max(((r.per_1k(r.ranked()[0][1]) if r.shared else 0.0, r) for r in reports),
                key=lambda pair: pair[0])
    per_1k, report = worst
    doc = report.ranked()[0][0] if report.shared else "-"
    print(f"worst_shared_writes_per_1k={per_1k:.2f} worst_path={report.name} worst_doc={doc}",
          flush=True)
    return 1 if any(r.failed for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
