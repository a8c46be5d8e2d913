"""The collections written at high rate, and the verdict on each of their indexes.

Production Firestore takes about 500 writes a second into one key range of an index over a
sequential field (a timestamp, a sequence), and splits a collection only where its ids spread. A
collection declared here is written on a hot path, about once per operation or more. On each:
- ids spread: a hash, or led by a user id or a hash prefix; never clustered or increasing;
- no composite index puts the sequential field right after fields of few values (or first):
  every write of one value ("pending", "fee") would land at the end of one key range
  (`hot_spots`, checked by tests/unit/test_keys_and_indexes.py). A spread field (a bucket of
  a hash of the id: `accounts.feed`, `purchases.status_shard`) is not low-cardinality: it is
  there to split the range, each of its values taking an equal share of the writes;
- each sequential field's single-field index is exempt in firestore.indexes.json unless a query
  needs it, and then `kept` says which query.
Of the exchange's collections only the command queue is declared: orders are written by their
placer and by paced sequencer batches, and fills, trades and settlement batches by those batches
only (at most about 40 fills a second per book), their ids led by a hash; `market_feed` is not
declared yet (see the README).
`python -m dev.high_rate` rewrites the README's table of verdicts from this declaration and
firestore.indexes.json; a unit test fails when it drifts.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from dev.query_shapes import INDEXES_FILE, Index

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- high-rate-indexes:start -->", "<!-- high-rate-indexes:end -->"
OWNER_IS_SPREAD = ("kept: `owner` is a user, or one spread share of a system account "
                   "(`sys.fees.<hash>`), not low-cardinality: one actor's writes per range")
AS_ABOVE = "kept: per owner, as above"


@dataclass(frozen=True)
class HighRate:
    collection: str
    written: str                                  # by what, how often
    low_cardinality: tuple[str, ...]
    sequential: tuple[str, ...]
    verdicts: dict[str, str] = field(default_factory=dict)  # composite index key -> verdict
    kept: dict[str, str] = field(default_factory=dict)      # sequential field -> query needing it
    changed: tuple[str, ...] = ()                  # indexes this collection no longer has


HIGH_RATE: tuple[HighRate, ...] = (
    HighRate("accounts", "every transfer: the parties' accounts, one share per system account",
             low_cardinality=("kind", "asset"), sequential=("changed_at",),
             verdicts={"feed, changed_at": "added: the change feed (store/changes.py) that "
                       "consolidation follows; `feed` is one of 32 buckets of the id",
                       "asset, kind, balance desc": "added: list_holders' page of a token's "
                       "holders by balance; a balance is each account's own amount, not a "
                       "sequence, and equal balances sort by the (user's) account id",
                       "asset, owner, balance": "added: admin_rewards_pool sums the shares of "
                       "the rewards pool (an owner range); owners are user ids and system "
                       "names, not a sequence",
                       "asset, owner": "added: admin_rewards_pool pages the pool's shares by "
                       "owner (as above)"}),
    HighRate("transfers", "every ledger operation",
             low_cardinality=("type", "asset", "pending"), sequential=("created_at",)),
    HighRate("journal", "one entry per account a transfer touches",
             low_cardinality=("type", "asset"), sequential=("created_at",),
             verdicts={"feed, created_at": "added: reconciliation folds each of 32 buckets of "
                       "the journal (a hash of the entry's account) from its watermark; the "
                       "timestamp follows a spread field, 1/32 of the writes per range",
                       "account_id, created_at": "added: reconciliation reads the journal tail "
                       "(entries after the watermark) of a partition's accounts; one account's "
                       "entries per range, as for `owner`",
                       "owner, created_at desc": OWNER_IS_SPREAD,
                       "owner, asset, created_at desc": AS_ABOVE,
                       "owner, type, created_at desc": AS_ABOVE,
                       "owner, asset, type, created_at desc": AS_ABOVE}),
    HighRate("holds", "every forecast commit and resting order",
             low_cardinality=("status", "type", "asset"), sequential=("created_at", "updated_at"),
             verdicts={"market_id, status": "kept: no sequential field",
                       "market_id, outcome, status, amount": "added: the pool's recount sums "
                       "each outcome's pending stake (services/markets/totals.py), and a sum "
                       "scans an index holding the summed field; no sequential field",
                       "market_id, owner": "added: settlement plans a resolved market from its "
                       "commits grouped by forecaster, a page at a time "
                       "(services/markets/planning.py); no sequential field"}),
    HighRate("purchases", "every purchase and each Stripe event applied to it",
             low_cardinality=("status", "currency", "asset", "package_id", "dispute"),
             sequential=("created_at", "updated_at", "sync_at"),
             verdicts={"uid, created_at desc": "kept: one user's purchases (history)",
                       "uid, created_at": "kept: one user's purchases of the last hour (limit)",
                       "status, uid, created_at desc": "kept: one user's purchases by status "
                       "(admin monitor)",
                       "status_shard, created_at desc": "added: purchases by status and time "
                       "(admin monitor, Stripe sync, expiry), 7 shards per status",
                       "status_shard, sync_at": "added: purchases whose next Stripe check is "
                       "due (the scheduled sync), 7 shards per status"},
             changed=("`status, created_at` and `status, created_at desc` removed: every "
                      "pending purchase went to the end of one range; sync, expiry and the "
                      "admin monitor filter `status_shard in [...]` instead",)),
    HighRate("forecasts", "every commit to a market (created by a user's first)",
             low_cardinality=("outcome", "category", "result", "asset"),
             sequential=("created_at", "updated_at", "settled_at"),
             verdicts={"owner, updated_at desc": "kept: one user's forecasts",
                       "market_id, updated_at": "added: trending counts each open market's "
                       "commits of the last 24 h (services/discovery.py); the sequential range "
                       "is one market's, so it takes only that market's commit rate (Firestore's "
                       "limit for one sequential range is about 500 writes a second)"},
             changed=("ids: `<market>_<uid>` became `<4 hex of a hash>.<market>_<uid>`; "
                      "queries by market use the `market_id` field",)),
    HighRate("reputation_events", "one per forecaster of each resolved market, in bursts",
             low_cardinality=("category", "result"), sequential=("at", "changed_at"),
             verdicts={"feed, changed_at": "added: the change feed (store/changes.py) that "
                       "job_leaderboards follows; `feed` is one of 32 buckets of the id"},
             changed=("ids: the forecast's id",
                      "`owner, at` removed: badges are judged from the user's reputation "
                      "record (services/markets/payouts.py), no query reads a user's results "
                      "in order",)),
    HighRate("notifications", "one per forecaster at settlement and at a market's closing",
             low_cardinality=("kind", "read"), sequential=("created_at", "read_at"),
             verdicts={"owner, created_at desc": "kept: one user's notifications",
                       "owner, read, created_at desc": "kept: one user's unread notifications"}),
    HighRate("stripe_events", "every Stripe event applied by the webhook or the sync",
             low_cardinality=("type", "outcome"), sequential=("at",)),
    HighRate("purchase_stat_changes", "each purchase write and each posting to a receivable "
             "(created once, deleted by the fold)", low_cardinality=(), sequential=()),
    HighRate("idempotency", "every mutating call whose answer is not kept on its transfer",
             low_cardinality=("operation",), sequential=("created_at",)),
    HighRate("rate_limits", "every rate-limited request: a counter per caller and window",
             low_cardinality=("bucket",), sequential=("expires_at",)),
    HighRate("order_commands", "every order and cancel (created), then once when sequenced",
             low_cardinality=("book", "status", "type"),
             sequential=("accepted_at", "processed_at", "sequence"),
             verdicts={"queue, accepted_at": "added: the sequencer takes a book's accepted "
                       "commands in acceptance order, merged by one `queue in [...]` query from "
                       "16 lanes per book (a hash of the command id), so they append to 16 "
                       "ranges; a processed command moves to its lane's `.done` value"},
             changed=("`book, status, accepted_at` removed: every accepted command of a book "
                      "went to the end of one range",)),
)
BY_NAME = {h.collection: h for h in HIGH_RATE}


def index_key(index: Index) -> str:
    """"owner, created_at desc": the fields in order, ascending unmarked."""
    marks = {"ASCENDING": "", "DESCENDING": " desc", "CONTAINS": " contains"}
    return ", ".join(f"{name}{marks[kind]}" for name, kind in index.fields)


def composite_indexes(indexes_json: dict, collection: str) -> list[Index]:
    return [i for i in map(Index.of, indexes_json.get("indexes", []))
            if i.collection == collection]


def exempt_fields(indexes_json: dict, collection: str) -> set[str]:
    return {o["fieldPath"] for o in indexes_json.get("fieldOverrides", [])
            if o["collectionGroup"] == collection and not o.get("indexes")}


def hot_spots(indexes_json: dict) -> list[tuple[str, str]]:
    """(collection, index) for each index of a high-rate collection whose first field that is
    not low-cardinality is a sequential one."""
    found = []
    for h in HIGH_RATE:
        for index in composite_indexes(indexes_json, h.collection):
            lead = next((f for f, _ in index.fields if f not in h.low_cardinality), None)
            if lead in h.sequential:
                found.append((h.collection, index_key(index)))
    return found


def render(indexes_json: dict) -> str:
    lines = [START, "", "| collection (written by) | index | verdict |", "| --- | --- | --- |"]
    for h in HIGH_RATE:
        rows = [(index_key(i), h.verdicts.get(index_key(i), "NO VERDICT"))
                for i in composite_indexes(indexes_json, h.collection)]
        exempt = exempt_fields(indexes_json, h.collection)
        rows = [(f"`{key}`", verdict) for key, verdict in rows]
        rows += [(f"`{f}` (single field)", "exempt" if f in exempt else
                  f"kept: {h.kept.get(f, 'NO VERDICT')}") for f in h.sequential]
        rows += [("", f"changed: {note}") for note in h.changed]
        for n, (index, verdict) in enumerate(rows):
            who = f"`{h.collection}` ({h.written})" if n == 0 else ""
            lines.append(f"| {who} | {index} | {verdict} |")
    return "\n".join(lines + ["", END])


def updated_readme(block: str, text: str) -> str:
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {START} ... {END} block")
    return pattern.sub(lambda _: block, text)


def main() -> int:
    block = render(json.loads(INDEXES_FILE.read_text()))
    README.write_text(updated_readme(block, README.read_text()))
    print(f"README.md: {len(block.splitlines())} lines of index verdicts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
