"""What production Firestore would bill for one RPC, read from its raw request and responses.

dev/firestore_counter.py forwards every RPC of the local stack to the emulator and asks this
module what it cost. The rules, and where they come from (looked up, not guessed):

- Reads: one per document returned by BatchGetDocuments (a get), RunQuery and ListDocuments,
  with a minimum of one read for a query that returns nothing (Firestore's pricing page:
  documents read, and that minimum charge per query). A get of a missing document is billed
  one read: the pricing pages the search reached do not say it in so many words; public
  accounts of real bills do (NOT_FOUND document reads "billed and return nothing", and "a
  document get is 1, whether or not it exists"), and the emulator answers it from the same
  lookup as a found one. Billed so here.
- Aggregations (`count()`, `sum()`, `avg()`): one read per batch of up to 1,000 index entries
  the query matched, at least one (Firebase's aggregation docs: 0-1,000 entries cost 1 read,
  1,500 cost 2; Google's SUM/AVG launch post: "billed using the existing aggregations query
  pricing. You are charged one document read for each batch of up to 1000 index entries
  matched by the query"). A count's answer says how many it matched. A sum or average does
  not: its query is counted again upstream by a companion count() (not itself billed, outside
  any transaction, at the same read time), and if that fails the RPC is marked unmeasured.
- ListCollectionIds and PartitionQuery: one read per request.
- Writes: one per document written by Commit and BatchWrite (a set, update or create; a
  field transform riding on a write is part of that write; a standalone transform is a write);
  deletes are billed as deletes. Failed RPCs are not billed (a maintainer's answer in
  googleapis/google-cloud-go#2765: "A failed RPC to Firestore in general isn't billed"): an
  aborted commit costs nothing, but the reads of every attempt were billed, so a retried
  transaction pays its reads once per attempt. BatchWrite bills only the writes whose status
  is OK.
- Bytes are the protobuf size of what crossed the wire: each Write of a commit, each Document
  read. They are not a bill (storage and egress are billed otherwise); they show how big
  commits and documents get, against the 1 MiB document and 10 MiB request limits.

Not seen here: listener reads (production bills one read per changed document per listener;
clients listen over their own channel to the emulator, and a Listen stream through the proxy
is marked unmeasured), the Write stream (mobile SDKs), index entries a query reads beyond the
documents it returns (the pricing page's "index reads", billed for some query shapes), and
security rules' get()/exists() lookups (billed to the client's request in production; the
emulator evaluates them inside). Requests that reach the emulator over REST (the rules tests,
the JS SDK) do not pass the proxy at all.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, NamedTuple

from google.cloud.firestore_v1.types import document, firestore, write

UNTAGGED = "untagged"
AGGREGATION_BATCH = 1_000

_BatchGetResponse = firestore.BatchGetDocumentsResponse.pb()
_RunQueryResponse = firestore.RunQueryResponse.pb()
_AggregationRequest = firestore.RunAggregationQueryRequest.pb()
_AggregationResponse = firestore.RunAggregationQueryResponse.pb()
_CommitRequest = firestore.CommitRequest.pb()
_BatchWriteRequest = firestore.BatchWriteRequest.pb()
_BatchWriteResponse = firestore.BatchWriteResponse.pb()
_ListDocumentsResponse = firestore.ListDocumentsResponse.pb()
_DeleteRequest = firestore.DeleteDocumentRequest.pb()
_Document = document.Document.pb()
_Write = write.Write.pb()

# Upstream call for a companion count: a RunAggregationQuery request -> its responses.
Upstream = Callable[[bytes], list[bytes]]


class Rpc(NamedTuple):
    """One forwarded RPC and what production would bill for it."""
    method: str                    # "Commit", "RunQuery", ...
    tag: str                       # the operation it served (dev/instrument.py), or UNTAGGED
    at: float                      # time.time() when it finished
    code: str = "OK"               # its gRPC status
    reads: int = 0
    bytes_read: int = 0
    read_paths: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()   # one document path per billed write
    deletes: tuple[str, ...] = ()
    bytes_written: int = 0
    unmeasured: str = ""           # why its cost is unknown, when it is


class Cost(NamedTuple):
    reads: int = 0
    bytes_read: int = 0
    read_paths: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    deletes: tuple[str, ...] = ()
    bytes_written: int = 0
    unmeasured: str = ""


def cost(method: str, request: bytes, responses: list[bytes], code: str,
         upstream: Upstream | None = None) -> Cost:
    """What `method` cost, given the raw request, the raw responses and the final status."""
    ok = code == "OK"
    if method == "BatchGetDocuments":
        return _batch_get(responses)
    if method == "RunQuery":
        return _documents(responses, _RunQueryResponse, "document", ok)
    if method == "RunAggregationQuery":
        return _aggregation(request, responses, ok, upstream)
    if method == "ListDocuments":
        found = [_ListDocumentsResponse.FromString(r).documents for r in responses]
        return _read([d for page in found for d in page], minimum=ok)
    if method in ("ListCollectionIds", "PartitionQuery"):
        return Cost(reads=int(ok))
    if method == "GetDocument":
        docs = [_Document.FromString(r) for r in responses]
        return _read(docs, minimum=ok or code == "NOT_FOUND")
    if method == "Commit":
        return _writes(list(_CommitRequest.FromString(request).writes)) if ok else Cost()
    if method == "BatchWrite":
        return _batch_write(request, responses) if ok else Cost()
    if method in ("CreateDocument", "UpdateDocument"):
        docs = [_Document.FromString(r) for r in responses]
        return Cost(writes=tuple(d.name for d in docs),
                    bytes_written=sum(d.ByteSize() for d in docs))
    if method == "DeleteDocument":
        return Cost(deletes=(_DeleteRequest.FromString(request).name,)) if ok else Cost()
    if method in ("BeginTransaction", "Rollback"):
        return Cost()
    if method == "Listen":
        return Cost(unmeasured="Listen: listener reads (one per changed document) not counted")
    return Cost(unmeasured=f"{method}: not billed by this counter")


def _read(docs: list, minimum: bool) -> Cost:
    """One read per document (at least one when `minimum`), bytes per document."""
    return Cost(reads=max(len(docs), int(minimum)), bytes_read=sum(d.ByteSize() for d in docs),
                read_paths=tuple(d.name for d in docs))


def _batch_get(responses: list[bytes]) -> Cost:
    found, missing = [], []
    for raw in responses:
        pb = _BatchGetResponse.FromString(raw)
        result = pb.WhichOneof("result")
        if result == "found":
            found.append(pb.found)
        elif result == "missing":
            missing.append(pb.missing)
    read = _read(found, minimum=False)
    return read._replace(reads=read.reads + len(missing),
                         read_paths=read.read_paths + tuple(missing))


def _documents(responses: list[bytes], message: type, field: str, ok: bool) -> Cost:
    docs = []
    for raw in responses:
        pb = message.FromString(raw)
        if pb.HasField(field):
            docs.append(getattr(pb, field))
    return _read(docs, minimum=ok)


def _aggregation(request: bytes, responses: list[bytes], ok: bool,
                 upstream: Upstream | None) -> Cost:
    if not ok:
        return Cost()
    pb = _AggregationRequest.FromString(request)
    aggregations = pb.structured_aggregation_query.aggregations
    counts = [a.alias for a in aggregations if a.WhichOneof("operator") == "count"]
    matched = _counted(responses, counts)
    if len(counts) < len(aggregations):  # a sum or an average: it does not say what it scanned
        companion = _companion_count(pb, upstream)
        if companion is None:
            return Cost(reads=_batches(matched), unmeasured="sum/avg: entries scanned unknown")
        matched = max(matched, companion)
    return Cost(reads=_batches(matched))


def _batches(entries: int) -> int:
    return max(1, math.ceil(entries / AGGREGATION_BATCH))


def _counted(responses: list[bytes], aliases: list[str]) -> int:
    most = 0
    for raw in responses:
        pb = _AggregationResponse.FromString(raw)
        if pb.HasField("result"):
            fields = pb.result.aggregate_fields
            most = max([most, *(fields[a].integer_value for a in aliases if a in fields)])
    return most


def _companion_count(request, upstream: Upstream | None) -> int | None:
    """The same query counted, outside any transaction, at the same read time if it had one."""
    if upstream is None:
        return None
    companion = _AggregationRequest(parent=request.parent)
    companion.structured_aggregation_query.structured_query.CopyFrom(
        request.structured_aggregation_query.structured_query)
    companion.structured_aggregation_query.aggregations.add(alias="n").count.SetInParent()
    if request.HasField("read_time"):
        companion.read_time.CopyFrom(request.read_time)
    try:
        return _counted(upstream(companion.SerializeToString()), ["n"])
    except Exception:  # the emulator refused it: the caller reports the cost as unmeasured
        return None


def _writes(writes: list) -> Cost:
    written, deleted = [], []
    for w in writes:
        kind = w.WhichOneof("operation")
        if kind == "update":
            written.append(w.update.name)
        elif kind == "transform":
            written.append(w.transform.document)
        elif kind == "delete":
            deleted.append(w.delete)
    return Cost(writes=tuple(written), deletes=tuple(deleted),
                bytes_written=sum(w.ByteSize() for w in writes))


def _batch_write(request: bytes, responses: list[bytes]) -> Cost:
    writes = list(_BatchWriteRequest.FromString(request).writes)
    statuses = _BatchWriteResponse.FromString(responses[0]).status if responses else []
    applied = [w for w, s in zip(writes, statuses) if s.code == 0]
    return _writes(applied)


@dataclass
class Bill:
    """The sum of some RPCs' costs."""
    reads: int = 0
    writes: int = 0
    deletes: int = 0
    bytes_read: int = 0
    bytes_written: int = 0
    rpcs: Counter = field(default_factory=Counter)        # method -> calls
    failed: Counter = field(default_factory=Counter)      # method -> calls that failed
    unmeasured: Counter = field(default_factory=Counter)  # reason -> calls
    read: Counter = field(default_factory=Counter)        # document path -> reads
    written: Counter = field(default_factory=Counter)     # document path -> writes (and deletes)
    max_writes_per_doc_per_s: int = 0
    busiest_doc: str = ""


def total(rpcs: Iterable[Rpc]) -> Bill:
    rpcs = list(rpcs)
    bill = Bill()
    for rpc in rpcs:
        bill.reads += rpc.reads
        bill.writes += len(rpc.writes)
        bill.deletes += len(rpc.deletes)
        bill.bytes_read += rpc.bytes_read
        bill.bytes_written += rpc.bytes_written
        bill.rpcs[rpc.method] += 1
        # A get stops reading its stream after the one document it wanted: CANCELLED by the
        # caller, not a failure.
        if rpc.code not in ("OK", "CANCELLED"):
            bill.failed[rpc.method] += 1
        if rpc.unmeasured:
            bill.unmeasured[rpc.unmeasured] += 1
        bill.read.update(rpc.read_paths)
        bill.written.update(rpc.writes + rpc.deletes)
    bill.max_writes_per_doc_per_s, bill.busiest_doc = busiest(rpcs)
    return bill


def by_tag(rpcs: Iterable[Rpc]) -> dict[str, Bill]:
    groups: dict[str, list[Rpc]] = {}
    for rpc in rpcs:
        groups.setdefault(rpc.tag, []).append(rpc)
    return {tag: total(group) for tag, group in groups.items()}


def busiest(rpcs: Iterable[Rpc], window_s: float = 1.0) -> tuple[int, str]:
    """The most writes (and deletes) one document took in any `window_s` window, and which."""
    times: dict[str, list[float]] = {}
    for rpc in rpcs:
        for path in rpc.writes + rpc.deletes:
            times.setdefault(path, []).append(rpc.at)
    best, where = 0, ""
    for path, at in times.items():
        at.sort()
        start = 0
        for end, t in enumerate(at):
            while t - at[start] >= window_s:
                start += 1
            if end - start + 1 > best:
                best, where = end - start + 1, path
    return best, where
