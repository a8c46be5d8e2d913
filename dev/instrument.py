"""The one seam where dev and test code attaches to a process that runs Mintbook's product code.

`install()` is called by every process of the local stack: the dev server (which also runs the
local task queue and the schedule loop), the test process (tests/conftest.py), benches, and the
scripts tests start in subprocesses. Product code never imports this module and `make deploy`
never stages dev/, so nothing here can reach production. What it carries:

- the query-shape recorder (dev/query_recorder.py), when MINTBOOK_RECORD_QUERIES names a folder;
- faults injected from outside a transaction (`fault_before_commit`): they run after `work` has
  buffered every write and before the commit is sent, which is where a process that dies
  mid-transaction leaves things; a fault that raises aborts the commit, so nothing is written;
- the operation tag: while `tagged(tag)` runs (the dev server's Router sets it per request it
  serves), every Firestore RPC of this thread carries the gRPC metadata entry OPERATION_KEY:
  tag, which dev/firestore_counter.py bills to that operation. It rides on the client's
  `_rpc_metadata`, which the library's own calls and shared/store/wire's raw calls both pass.
  A contextvar: work a request hands to another thread carries that thread's own tag, or none
  (the counter's "untagged").

Guarantees: `install()` is idempotent and cheap when nothing is attached (one empty-list check
per commit, one contextvar read per RPC); the wrappers never change what a commit sends, and an
RPC outside `tagged` sends exactly the metadata it sent before.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

OPERATION_KEY = "x-mintbook-operation"  # gRPC metadata naming the operation an RPC serves
_operation: ContextVar[str | None] = ContextVar("mintbook_operation", default=None)
_lock = threading.Lock()
_installed: list[bool] = []
# (collection id, fault): the fault runs inside every commit that writes a document there.
_commit_faults: list[tuple[str, Callable[[], None]]] = []


def install() -> None:
    """Attach what this process's environment asks for; safe to call more than once."""
    with _lock:
        if _installed:
            return
        _installed.append(True)
        if os.environ.get("MINTBOOK_RECORD_QUERIES"):
            from dev.query_recorder import install_if_enabled

            install_if_enabled()
        _wrap_commits()
        _tag_rpcs()


def operation_tag(function: str, kind: str, request_id: str) -> str:
    """The tag "<function> <kind> <request id>", in printable ASCII (gRPC metadata values)."""
    text = f"{function} {kind} {request_id}"
    return "".join(c if " " <= c <= "~" else "?" for c in text)[:200]


@contextmanager
def tagged(tag: str) -> Iterator[None]:
    """Bill this thread's Firestore RPCs to `tag` while the block runs."""
    token = _operation.set(tag)
    try:
        yield
    finally:
        _operation.reset(token)


@contextmanager
def fault_before_commit(collection: str, fault: Callable[[], None]) -> Iterator[None]:
    """Run `fault` inside each transaction of this process that writes a document of
    `collection` (a top-level collection id), just before it commits, while the block runs."""
    install()
    entry = (collection, fault)
    _commit_faults.append(entry)
    try:
        yield
    finally:
        _commit_faults.remove(entry)


def _wrap_commits() -> None:
    from google.cloud.firestore_v1.transaction import Transaction

    original = Transaction._commit

    def _commit(self: Transaction) -> list:
        if _commit_faults:
            written = {_collection_of(w) for w in self._write_pbs}
            for collection, fault in list(_commit_faults):
                if collection in written:
                    fault()
        return original(self)

    Transaction._commit = _commit


def _tag_rpcs() -> None:
    from google.cloud.firestore_v1.client import Client

    plain = Client._rpc_metadata  # a property (BaseClient's), computed once per client

    def _rpc_metadata(self: Client) -> list[tuple[str, str]]:
        metadata = plain.fget(self)
        tag = _operation.get()
        return metadata if tag is None else [*metadata, (OPERATION_KEY, tag)]

    Client._rpc_metadata = property(_rpc_metadata)


def _collection_of(write: object) -> str:
    """The top-level collection id of a Write (raw protobuf or proto-plus)."""
    pb = getattr(write, "_pb", write)
    kind = pb.WhichOneof("operation")
    name = {"update": lambda: pb.update.name, "delete": lambda: pb.delete,
            "transform": lambda: pb.transform.document}.get(kind, lambda: "")()
    return name.split("/documents/", 1)[-1].split("/", 1)[0]
