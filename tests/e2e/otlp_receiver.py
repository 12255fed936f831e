"""A small OTLP/HTTP trace receiver on loopback, for the end-to-end tests: it takes
`POST /v1/traces` (protobuf `ExportTraceServiceRequest`, decoded with the
`opentelemetry-proto` package) and keeps every span it was sent, flattened into dicts."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

SERVER = Span.SpanKind.SPAN_KIND_SERVER
INTERNAL = Span.SpanKind.SPAN_KIND_INTERNAL
ERROR = Status.StatusCode.STATUS_CODE_ERROR
UNSET = Status.StatusCode.STATUS_CODE_UNSET


def _value(any_value):
    kind = any_value.WhichOneof("value")
    return getattr(any_value, kind) if kind else None


def _flatten(request: ExportTraceServiceRequest) -> list[dict]:
    spans = []
    for resource_spans in request.resource_spans:
        resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    {
                        "name": span.name,
                        "kind": span.kind,
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(),
                        "start_ns": span.start_time_unix_nano,
                        "end_ns": span.end_time_unix_nano,
                        "status": span.status.code,
                        "status_message": span.status.message,
                        "attributes": {a.key: _value(a.value) for a in span.attributes},
                        "links": [(link.trace_id.hex(), link.span_id.hex()) for link in span.links],
                        "resource": resource,
                        "scope": scope_spans.scope.name,
                    }
                )
    return spans


class Receiver:
    """What the collector was sent: `posts` (path, content type) and `spans`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.posts: list[tuple[str, str]] = []
        self.spans: list[dict] = []
        self.url = ""

    def wait_for(self, predicate, timeout_s: float = 15) -> list[dict]:
        """The spans once `predicate(spans)` holds; fails after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self.lock:
                spans = list(self.spans)
            if predicate(spans):
                return spans
            if time.monotonic() > deadline:
                raise AssertionError(f"the collector did not get the expected spans; it got {spans}")
            time.sleep(0.05)


@contextlib.contextmanager
def otlp_receiver() -> Iterator[Receiver]:
    """Runs the receiver on a free loopback port until the block ends; its `url` is the
    base endpoint (what OTEL_EXPORTER_OTLP_ENDPOINT takes)."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the http.server API)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            request = ExportTraceServiceRequest()
            request.ParseFromString(body)
            with receiver.lock:
                receiver.posts.append((self.path, self.headers.get("Content-Type", "")))
                receiver.spans.extend(_flatten(request))
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
