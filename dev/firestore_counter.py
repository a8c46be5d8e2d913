"""A Firestore counter that sees every process: a gRPC proxy in front of the emulator.

Any process of the local stack (the test process, a dev server and the task runner and schedule
loop inside it, a second server, a bench) that sets FIRESTORE_EMULATOR_HOST to the counter's
`host_port` sends its RPCs through it. Each RPC of `google.firestore.v1.Firestore` is forwarded
as raw bytes with the matching arity (unary-unary, unary-stream, stream-stream), with its
metadata and deadline; the caller sees the emulator's answer or status unchanged. Methods of
other services are forwarded stream-stream, which carries any arity, and are not billed.

After an RPC finishes, dev/firestore_bill.py works out what production would bill for it (read
its docstring for the rules and what cannot be seen here: listener reads above all) and the
counter records one `Rpc`, with the operation named by the caller's OPERATION_KEY metadata
(dev/instrument.py: the dev server tags each request it serves) or "untagged". Every attempt of
a retried call is an RPC of its own, so it is counted again.

Guarantees: recording never changes what is forwarded; `records(since=mark())` returns exactly
the RPCs that finished after the mark, in the order they finished. The product never imports
this module (dev/ is never deployed).
"""
from __future__ import annotations

import threading
import time
from concurrent import futures
from types import TracebackType
from typing import Any, Callable, Iterator

import grpc

from dev.firestore_bill import UNTAGGED, Rpc, cost
from dev.instrument import OPERATION_KEY

SERVICE = "/google.firestore.v1.Firestore/"
UNARY_STREAM = frozenset({"BatchGetDocuments", "RunQuery", "RunAggregationQuery",
                          "ExecutePipeline"})
STREAM_STREAM = frozenset({"Write", "Listen"})
_UNLIMITED = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]


class FirestoreCounter:
    """The proxy on host:port (a free port unless given), forwarding to `upstream` (host:port)."""

    def __init__(self, upstream: str, host: str = "127.0.0.1", port: int = 0,
                 workers: int = 64) -> None:
        self.upstream, self.host, self.port, self.workers = upstream, host, port, workers
        self._records: list[Rpc] = []
        self._lock = threading.Condition()
        self._in_flight = 0
        self._channel: grpc.Channel | None = None
        self._server: grpc.Server | None = None

    @property
    def host_port(self) -> str:
        """The value for FIRESTORE_EMULATOR_HOST."""
        return f"{self.host}:{self.port}"

    def start(self) -> FirestoreCounter:
        self._channel = grpc.insecure_channel(self.upstream, options=_UNLIMITED)
        self._server = grpc.server(futures.ThreadPoolExecutor(self.workers,
                                                              thread_name_prefix="counter"),
                                   options=_UNLIMITED)
        self._server.add_generic_rpc_handlers((_Forward(self._channel, self._started,
                                                        self._record),))
        self.port = self._server.add_insecure_port(f"{self.host}:{self.port}")
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop(grace=1).wait()
        if self._channel is not None:
            self._channel.close()

    def mark(self, settle_s: float = 2.0) -> int:
        """A point in the record; pass it to `records` to get what finished after it. It waits
        (up to `settle_s`) for RPCs in flight to be recorded: a client may act on a streamed
        answer (a get's one document) before the proxy has seen its stream end."""
        with self._lock:
            self._lock.wait_for(lambda: self._in_flight == 0, timeout=settle_s)
            return len(self._records)

    def records(self, since: int = 0) -> list[Rpc]:
        with self._lock:
            return self._records[since:]

    def wait_quiet(self, quiet_s: float = 0.5, timeout_s: float = 30.0) -> bool:
        """Block until no RPC has finished for `quiet_s` (True), or `timeout_s` passed."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            seen = self.mark()
            time.sleep(quiet_s)
            if self.mark() == seen:
                return True
        return False

    def _started(self) -> None:
        with self._lock:
            self._in_flight += 1

    def _record(self, rpc: Rpc) -> None:
        with self._lock:
            self._records.append(rpc)
            self._in_flight -= 1
            self._lock.notify_all()

    def __enter__(self) -> FirestoreCounter:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class _Forward(grpc.GenericRpcHandler):
    """Builds, per method, a handler that forwards raw bytes and records what it cost."""

    def __init__(self, channel: grpc.Channel, started: Callable[[], None],
                 record: Callable[[Rpc], None]) -> None:
        self.channel, self.started, self.record = channel, started, record

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler:
        path = details.method
        name = path[len(SERVICE):] if path.startswith(SERVICE) else ""
        if name and name not in STREAM_STREAM and name not in UNARY_STREAM:
            return grpc.unary_unary_rpc_method_handler(self._unary(path, name))
        if name in UNARY_STREAM:
            return grpc.unary_stream_rpc_method_handler(self._unary_stream(path, name))
        return grpc.stream_stream_rpc_method_handler(self._stream(path, name or path))

    def _unary(self, path: str, name: str) -> Callable:
        call = self.channel.unary_unary(path)

        def handle(request: bytes, context: grpc.ServicerContext) -> bytes:
            self.started()
            metadata, tag = _split(context)
            try:
                response = call(request, metadata=metadata, timeout=context.time_remaining())
            except grpc.RpcError as err:
                self._finish(name, tag, request, [], err.code(), metadata)
                _abort(context, err)
            self._finish(name, tag, request, [response], grpc.StatusCode.OK, metadata)
            return response

        return handle

    def _unary_stream(self, path: str, name: str) -> Callable:
        call = self.channel.unary_stream(path)

        def handle(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
            self.started()
            metadata, tag = _split(context)
            upstream = call(request, metadata=metadata, timeout=context.time_remaining())
            yield from self._relay(upstream, context, name, tag, request, metadata)

        return handle

    def _stream(self, path: str, name: str) -> Callable:
        call = self.channel.stream_stream(path)

        def handle(requests: Iterator[bytes], context: grpc.ServicerContext) -> Iterator[bytes]:
            self.started()
            metadata, tag = _split(context)
            upstream = call(requests, metadata=metadata, timeout=context.time_remaining())
            yield from self._relay(upstream, context, name, tag, b"", metadata)

        return handle

    def _relay(self, upstream: Any, context: grpc.ServicerContext, name: str, tag: str,
               request: bytes, metadata: list) -> Iterator[bytes]:
        """Pass the responses on as they come; record once the stream ends, however it ends."""
        context.add_callback(upstream.cancel)
        responses: list[bytes] = []
        code = grpc.StatusCode.CANCELLED  # unless the stream runs to its end
        try:
            for response in upstream:
                responses.append(response)
                yield response
            code = grpc.StatusCode.OK
        except grpc.RpcError as err:
            code = err.code()
            _abort(context, err)
        finally:
            self._finish(name, tag, request, responses, code, metadata)

    def _finish(self, name: str, tag: str, request: bytes, responses: list[bytes],
                code: grpc.StatusCode, metadata: list) -> None:
        def upstream(companion: bytes) -> list[bytes]:
            return list(self.channel.unary_stream(SERVICE + name)(companion, metadata=metadata,
                                                                  timeout=30))

        billed = cost(name, request, responses, code.name, upstream)
        self.record(Rpc(name, tag, time.time(), code.name, *billed))


def _split(context: grpc.ServicerContext) -> tuple[list[tuple[str, Any]], str]:
    """The metadata to pass on, and the operation tag taken out of it."""
    passed, tag = [], UNTAGGED
    for key, value in context.invocation_metadata():
        if key == OPERATION_KEY:
            tag = value
        elif key != "user-agent" and not key.startswith(("grpc-", ":")):
            passed.append((key, value))
    return passed, tag


def _abort(context: grpc.ServicerContext, err: grpc.RpcError) -> None:
    trailing = [(k, v) for k, v in (err.trailing_metadata() or ()) if not k.startswith("grpc-")]
    if trailing:
        context.set_trailing_metadata(trailing)
    context.abort(err.code(), err.details() or "")
