"""Flags on suspicious accounts: the facts the rules need, the flag documents, admin actions.

Guarantees:
- Sign-ups are recorded once per new account (`signups/{uid}`: IP, wallets, time), outside the
  transaction that created the user (a lost record only weakens detection, never blocks a user).
  A clawback that leaves a debt on the receivable is recorded as a `refund_debts` fact in the
  transaction that claws back (`note_refund_debts`), so the scan never searches the journal.
- `scan()` works on what changed: it follows each fact collection from its checkpoint
  (change_feeds/flags.<facts>, re-reading the last LAG_S seconds because commits can become
  visible out of timestamp order, and never further back than the rule's window), so a run reads
  the facts that arrived since the last run plus, per new fact, only what its rule needs beside
  it: the reverse trading direction (`trade_directions`, one document per book and ordered pair
  of accounts, written by the scan) or a count of the sign-ups from the same IP or wallet within
  the hour, and the earlier ones only when they form a burst in this run (at most SIGNUP_BURST
  - 1 of them: earlier members of a burst that was already one were flagged then).
  It applies the pure rules of shared.domain.flags and, per account, adds only reasons its flag
  does not hold yet, in one transaction per flag; each reason is recorded once, even when
  cleared since. A new reason reopens a cleared flag.
- A flag never restricts the account: only an admin's admin_set_status does.
- Clearing is an audited admin action with a reason, optionally checked against the version read.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain import flags as rules
from shared.domain.errors import NotFound, VersionConflict
from shared.domain.idempotency import Operation, derive_id
from shared.domain.ledger import Transfer, TransferType
from shared.domain.users import User
from shared.store import changes
from shared.store.client import collection, db
from shared.store.idempotency import run_idempotent
from shared.store.pages import page
from shared.store.transactions import run_transaction
from shared.store.users import record_audit

FLAGS, SIGNUPS, FILLS = "flags", "signups", "fills"
REFUND_DEBTS, DIRECTIONS = "refund_debts", "trade_directions"
TRADE_WINDOW = timedelta(hours=24)


def note_signup(uid: str, ip: str | None, wallet: str | None = None) -> None:
    collection(SIGNUPS).document(uid).set(
        {"uid": uid, "ip": ip, "wallets": [wallet] if wallet else [],
         "at": firestore.SERVER_TIMESTAMP}, merge=True)


def note_wallet(uid: str, address: str) -> None:
    """A wallet linked to an account created within the sign-up window counts for that wallet."""
    ref = collection(SIGNUPS).document(uid)
    snap = ref.get()
    if snap.exists and snap.get("at") and \
            snap.get("at") >= datetime.now(timezone.utc) - rules.SIGNUP_WINDOW:
        ref.update({"wallets": firestore.ArrayUnion([address])})


def note_refund_debts(txn: firestore.Transaction, transfers: list[Transfer], receivable: str,
                      purchase_id: str, purchased_at: datetime | None) -> None:
    """Record each clawback the receivable owes (tokens already spent when the refund came)."""
    for t in transfers:
        if t.type is TransferType.CLAWBACK and t.debit_account_id == receivable:
            txn.set(collection(REFUND_DEBTS).document(t.id), {
                "uid": receivable.split(":", 1)[0], "purchase_id": purchase_id, "owed": t.amount,
                "purchased_at": purchased_at, "at": firestore.SERVER_TIMESTAMP})


def scan(now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    read = _FactsRead(now)
    signups, counted = _signups(read)
    reasons = (rules.refunds_after_spending(_refunds(read)) + rules.two_way_trading(_trades(read))
               + rules.signup_bursts(signups, now, counted=counted))
    added = 0
    for uid in sorted({r.uid for r in reasons}):
        added += _add(uid, [r for r in reasons if r.uid == uid])
    read.advance()   # only once every reason is recorded: a crash before re-reads the facts
    return {"reasons": len(reasons), "added": added, "changed": read.facts}


class _FactsRead:
    """The facts recorded since the last scan (with the feed's lag), at most a rule's window old,
    and the checkpoints to move past them once the scan is done. A fact read twice gives the same
    reason keys: no harm."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.points: dict[str, changes.Checkpoint] = {}
        self.newest: dict[str, datetime] = {}
        # how many facts the scan read: what changed since the last one, and the earlier
        # members of a sign-up burst that formed in this run (what its reads grow with)
        self.facts = 0

    def since_last_scan(self, facts: str, window: timedelta) -> list[dict]:
        point = self.points[facts] = changes.checkpoint(f"flags.{facts}", 0)
        since = max(point.since, self.now - window)
        docs = [s.to_dict() | {"id": s.id} for s in collection(facts)
                .where(filter=FieldFilter("at", ">=", since)).order_by("at").stream()]
        if docs:
            self.newest[facts] = docs[-1]["at"]
        self.facts += len(docs)
        return docs

    def advance(self) -> None:
        for facts, point in self.points.items():
            if facts in self.newest:
                point.advance(self.newest[facts])
            else:
                point.finish()


def _add(uid: str, reasons: list[rules.Reason]) -> int:
    ref = collection(FLAGS).document(uid)

    def work(txn: firestore.Transaction) -> int:
        snap = ref.get(transaction=txn)
        doc = snap.to_dict() if snap.exists else {}
        fresh = rules.new_reasons(reasons, {uid: set(doc.get("reasons", {}))}).get(uid, [])
        if not fresh:
            return 0
        txn.set(ref, {"uid": uid, "status": "open", "updated_at": firestore.SERVER_TIMESTAMP,
                      "version": doc.get("version", 0) + 1,
                      "reasons": {r.key: {"code": r.code, "subject": r.subject, "detail": r.detail,
                                          "at": firestore.SERVER_TIMESTAMP} for r in fresh}},
                merge=True)
        return len(fresh)

    return run_transaction(work)


def _refunds(read: _FactsRead) -> list[rules.Refund]:
    window = rules.REFUND_WINDOW + timedelta(days=1)
    return [rules.Refund(d["uid"], d["purchase_id"], d["purchased_at"], d["at"], int(d["owed"]))
            for d in read.since_last_scan(REFUND_DEBTS, window) if d.get("purchased_at")]


def _trades(read: _FactsRead) -> list[rules.Trade]:
    """The new trades, and for each new direction (book, buyer, seller) the reverse direction if
    it traded within TRADE_WINDOW; the new directions are recorded for later scans."""
    sides: dict[str, dict] = {}
    for d in read.since_last_scan(FILLS, TRADE_WINDOW):
        trade_id, side = d["id"].rsplit(".", 1)
        sides.setdefault(trade_id, {"book": d.get("book"), "at": d.get("at")})[side] = d.get("owner")
    new = {(t["book"], t["buy"], t["sell"]): t["at"] for t in sides.values()
           if "buy" in t and "sell" in t and t["buy"] != t["sell"]}
    if not new:
        return []
    reverse = [_direction_ref(book, seller, buyer) for book, buyer, seller in new]
    recent = read.now - TRADE_WINDOW
    earlier = [rules.Trade(d["book"], d["buyer"], d["seller"])
               for d in (s.to_dict() for s in db().get_all(reverse) if s.exists)
               if d["at"] >= recent]
    batch = db().batch()
    for (book, buyer, seller), at in new.items():
        batch.set(_direction_ref(book, buyer, seller),
                  {"book": book, "buyer": buyer, "seller": seller, "at": at})
    batch.commit()
    return [rules.Trade(*direction) for direction in new] + earlier


def _direction_ref(book: str, buyer: str, seller: str) -> firestore.DocumentReference:
    return collection(DIRECTIONS).document(derive_id("trade_direction", book, buyer, seller))


def _signups(read: _FactsRead) -> tuple[list[rules.Signup], dict[tuple[str, str], int]]:
    """The new sign-ups, how many sign-ups the window holds from each of their IPs or wallets
    (a count: a read per 1,000), and the earlier sign-ups of a burst that forms in this run.

    Earlier sign-ups are read only when the burst forms now (fewer than SIGNUP_BURST of them
    in the window): when SIGNUP_BURST or more were there already, the scan that read the last
    of them saw them all in its own window (they are younger than an hour now, so they were
    then), and flagged every one; only the new ones need a reason. So a run reads at most
    SIGNUP_BURST - 1 earlier sign-ups per IP or wallet, not every sign-up of the hour."""
    since = read.now - rules.SIGNUP_WINDOW
    new = read.since_last_scan(SIGNUPS, rules.SIGNUP_WINDOW)
    in_window = [d for d in new if d.get("at") and since <= d["at"] <= read.now]
    members: dict[tuple[str, str], set[str]] = {}
    for d in in_window:
        for group in ([("ip", d["ip"])] if d.get("ip") else []) + \
                [("wallet", w) for w in d.get("wallets") or ()]:
            members.setdefault(group, set()).add(d["uid"])
    seen: dict[str, dict] = {d["uid"]: d for d in new}
    counted: dict[tuple[str, str], int] = {}
    for (kind, value), uids in sorted(members.items()):
        field, op = ("ip", "==") if kind == "ip" else ("wallets", "array_contains")
        query = (collection(SIGNUPS).where(filter=FieldFilter(field, op, value))
                 .where(filter=FieldFilter("at", ">=", since))
                 .where(filter=FieldFilter("at", "<=", read.now)))
        counted[(kind, value)] = int(query.count().get()[0][0].value)
        earlier = counted[(kind, value)] - len(uids)
        if earlier < rules.SIGNUP_BURST <= counted[(kind, value)]:
            formed = [s for s in query.stream() if s.id not in seen]
            seen.update({s.id: s.to_dict() for s in formed})
            read.facts += len(formed)
    return [rules.Signup(d["uid"], d["at"], d.get("ip"), tuple(d.get("wallets") or ()))
            for d in seen.values() if d.get("at")], counted


def list_flags(status: str | None, cursor: str | None, limit: int) -> dict:
    query = collection(FLAGS)
    if status:
        query = query.where(filter=FieldFilter("status", "==", status))
    docs, next_cursor = page(query.order_by("__name__"), FLAGS, cursor, limit)
    return {"items": [view(d.to_dict()) for d in docs], "next_cursor": next_cursor}


def view(doc: dict) -> dict:
    reasons = sorted(doc.get("reasons", {}).values(), key=lambda r: (r["code"], r["subject"]))
    return {"uid": doc["uid"], "status": doc.get("status", "open"),
            "version": doc.get("version", 0), "cleared_by": doc.get("cleared_by"),
            "cleared_reason": doc.get("cleared_reason"),
            "reasons": [{k: r[k] for k in ("code", "subject", "detail")} for r in reasons]}


def clear(op: Operation, admin: User, uid: str, reason: str, version: int | None) -> dict:
    ref = collection(FLAGS).document(uid)

    def work(txn: firestore.Transaction) -> dict:
        snap = ref.get(transaction=txn)
        if not snap.exists:
            raise NotFound(f"no flag on {uid!r}", field="uid", code="unknown_flag")
        doc = snap.to_dict()
        if version is not None and version != doc.get("version", 0):
            raise VersionConflict("the flag changed since it was read", field="version")
        cleared = {**doc, "status": "cleared", "cleared_by": admin.uid, "cleared_reason": reason,
                   "version": doc.get("version", 0) + 1}
        txn.update(ref, {k: cleared[k] for k in ("status", "cleared_by", "cleared_reason",
                                                 "version")})
        record_audit(txn, actor=admin.uid, action="clear_flag", target=uid, reason=reason,
                     before={"status": doc.get("status", "open")}, after={"status": "cleared"})
        return view(cleared)

    return run_idempotent(op, work)
