"""Flags on suspicious accounts: the facts the rules need, the flag documents, admin actions.

Guarantees:
- Sign-ups are recorded once per new account (`signups/{uid}`: IP, wallets, time), outside the
  transaction that created the user (a lost record only weakens detection, never blocks a user).
- `scan()` reads recent facts (clawbacks owed on a receivable, fills, sign-ups), applies the pure
  rules of shared.domain.flags and, per account, adds only reasons its flag does not hold yet, in
  one transaction per flag; each reason is recorded once, even when cleared since. A new reason
  reopens a cleared flag.
- A flag never restricts the account: only an admin's admin_set_status does.
- Clearing is an audited admin action with a reason, optionally checked against the version read.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain import flags as rules
from shared.domain.accounts import AccountKind, parse_account_id
from shared.domain.errors import NotFound, VersionConflict
from shared.domain.idempotency import Operation
from shared.domain.users import User
from shared.store.client import collection
from shared.store.idempotency import run_idempotent
from shared.store.ledger import TRANSFERS
from shared.store.pages import page
from shared.store.transactions import run_transaction
from shared.store.users import record_audit

FLAGS, SIGNUPS, FILLS = "flags", "signups", "fills"
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


def scan(now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    reasons = (rules.refunds_after_spending(_refunds(now)) + rules.two_way_trading(_trades(now))
               + rules.signup_bursts(_signups(now), now))
    added = 0
    for uid in sorted({r.uid for r in reasons}):
        added += _add(uid, [r for r in reasons if r.uid == uid])
    return {"reasons": len(reasons), "added": added}


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


def _refunds(now: datetime) -> list[rules.Refund]:
    since = now - rules.REFUND_WINDOW - timedelta(days=1)
    owed = [d for d in (s.to_dict() for s in collection(TRANSFERS)
                        .where(filter=FieldFilter("type", "==", "clawback")).stream())
            if parse_account_id(d["debit_account_id"])[2] is AccountKind.RECEIVABLE
            and d.get("created_at") and d["created_at"] >= since]
    out = []
    for d in owed:
        mints = (collection(TRANSFERS).where(filter=FieldFilter("type", "==", "purchase"))
                 .where(filter=FieldFilter("reference", "==", d["reference"])).stream())
        minted = [m.get("created_at") for m in mints if m.get("created_at")]
        if minted:
            out.append(rules.Refund(parse_account_id(d["debit_account_id"])[0], d["reference"],
                                    min(minted), d["created_at"], int(d["amount"])))
    return out


def _trades(now: datetime) -> list[rules.Trade]:
    sides: dict[str, dict] = {}
    for s in collection(FILLS).where(filter=FieldFilter("at", ">=", now - TRADE_WINDOW)).stream():
        trade_id, side = s.id.rsplit(".", 1)
        sides.setdefault(trade_id, {"book": s.get("book")})[side] = s.get("owner")
    return [rules.Trade(t["book"], t["buy"], t["sell"]) for t in sides.values()
            if "buy" in t and "sell" in t]


def _signups(now: datetime) -> list[rules.Signup]:
    query = collection(SIGNUPS).where(filter=FieldFilter("at", ">=", now - rules.SIGNUP_WINDOW))
    return [rules.Signup(d["uid"], d["at"], d.get("ip"), tuple(d.get("wallets") or ()))
            for d in (s.to_dict() for s in query.stream())]


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
