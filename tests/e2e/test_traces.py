"""OpenTelemetry traces of a generated server: with OTEL_EXPORTER_OTLP_ENDPOINT set, every
request becomes one SERVER span sent over OTLP/HTTP to a loopback receiver
(otlp_receiver.py), parented by the caller's `traceparent` from `_meta` or from the HTTP
header, with the MCP semantic conventions' attributes and ERROR status on failures; the
handler's own span is its child, and the `traceparent` it would send upstream names that
span. Without the variable (or the spec's `telemetry.otlp_endpoint`) nothing is sent and no
exporter runs. Driven by the official
MCP Python SDK over stdio and Streamable HTTP, in both protocol revisions.

The server is tests/e2e/trace_server/ (scaffolded, generated and built here)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from pathlib import Path

import anyio
import pytest
from mcp.shared.exceptions import MCPError

from mcp_servers import INITIALIZE, drive_http, drive_stdio, free_port, http_server, post, scaffolded_server, start
from otlp_receiver import ERROR, INTERNAL, SERVER, UNSET, otlp_receiver

pytestmark = pytest.mark.timeout(900)

HERE = Path(__file__).resolve().parent
REVISIONS = ["2025-11-25", "2026-07-28"]
CALL = "tools/call lookup_city"
# Export each batch at once, so the test does not wait for the default 5 s.
FAST = {"OTEL_BSP_SCHEDULE_DELAY": "50"}


@pytest.fixture(scope="module")
def trace_bin(tmp_path_factory) -> str:
    """`mcpgen new trace_server` with the test spec and handlers, generated and built once."""
    return scaffolded_server(
        tmp_path_factory.mktemp("trace"),
        "trace_server",
        (HERE / "trace_server/trace_server.yaml").read_text(),
        HERE / "trace_server/handlers.rs",
    )


def store(tmp_path: Path) -> dict[str, str]:
    """The server's data directory (its audit trail) inside the test's directory."""
    return {"MCPGEN_DATA_DIR": str(tmp_path / "data")}


def audit_rows(binary: str, tmp_path: Path) -> list[dict]:
    done = subprocess.run(
        [binary, "audit", "query", "--json", "--data-dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def caller() -> tuple[str, str, str]:
    """A caller's span: (traceparent, trace id, span id)."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return f"00-{trace_id}-{span_id}-01", trace_id, span_id


def server_spans(spans: list[dict], name: str = CALL) -> list[dict]:
    return [s for s in spans if s["kind"] == SERVER and s["name"] == name]


def in_trace(spans: list[dict], trace_id: str) -> list[dict]:
    return [s for s in spans if s["trace_id"] == trace_id]


def one(spans: list[dict]) -> dict:
    assert len(spans) == 1, spans
    return spans[0]


def child_of(spans: list[dict], parent: dict) -> dict:
    return one([s for s in spans if s["parent_span_id"] == parent["span_id"] and s["kind"] == INTERNAL])


def assert_call_span(span: dict, parent_trace: str, parent_span: str, revision: str, transport: str) -> None:
    assert span["trace_id"] == parent_trace, span
    assert span["parent_span_id"] == parent_span, span
    attributes = span["attributes"]
    assert attributes["mcp.method.name"] == "tools/call", span
    assert attributes["gen_ai.tool.name"] == "lookup_city", span
    assert attributes["gen_ai.operation.name"] == "execute_tool", span
    assert attributes["mcp.protocol.version"] == revision, span
    assert attributes["network.transport"] == transport, span
    assert attributes["jsonrpc.request.id"], span
    assert span["resource"]["service.name"] == "trace_server", span
    assert span["resource"]["service.version"] == "0.3.0", span
    assert span["end_ns"] >= span["start_ns"] > 0, span


def assert_no_argument_values(spans: list[dict]) -> None:
    for span in spans:
        for value in span["attributes"].values():
            assert not any(city in str(value) for city in ("Zurich", "Atlantis", "Bern")), span


def assert_error(span: dict, error_type: str, outcome: str) -> None:
    assert span["status"] == ERROR, span
    assert span["status_message"] == outcome, span
    assert span["attributes"]["error.type"] == error_type, span
    assert span["attributes"]["mcpgen.outcome"] == outcome, span


@pytest.mark.parametrize("revision", REVISIONS)
def test_stdio_requests_become_spans_parented_by_meta(trace_bin, tmp_path, revision):
    ok, ok_trace, ok_span = caller()
    declared, declared_trace, declared_span = caller()
    invalid, invalid_trace, invalid_span = caller()
    unsampled, unsampled_trace, _ = caller()
    unsampled = unsampled[:-2] + "00"
    results = {}

    async def steps(session) -> None:
        await start(session, revision)
        meta = {"traceparent": ok, "tracestate": "rojo=00f067aa0ba902b7"}
        results["ok"] = await session.call_tool("lookup_city", {"city": "Zurich"}, meta=meta)
        results["declared"] = await session.call_tool(
            "lookup_city", {"city": "Atlantis"}, meta={"traceparent": declared}
        )
        results["invalid"] = await session.call_tool("lookup_city", {"city": ""}, meta={"traceparent": invalid})
        # A malformed traceparent never fails a call: the request starts its own trace.
        results["malformed"] = await session.call_tool(
            "lookup_city", {"city": "Bern"}, meta={"traceparent": "00-not-a-trace-01"}
        )
        # The caller did not sample its trace: neither does the server (parent-based).
        results["unsampled"] = await session.call_tool(
            "lookup_city", {"city": "Bern"}, meta={"traceparent": unsampled}
        )

    with otlp_receiver() as collector:
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, **FAST, **store(tmp_path)}
        log = tmp_path / "stderr.log"
        drive_stdio([trace_bin, "serve", "--stdio", "--log-format", "json"], log, [steps], env=env)
        spans = collector.wait_for(lambda s: len(server_spans(s)) == 4)
        assert {path for path, _ in collector.posts} == {"/v1/traces"}
        assert {kind for _, kind in collector.posts} == {"application/x-protobuf"}

    call = one(in_trace(server_spans(spans), ok_trace))
    assert_call_span(call, ok_trace, ok_span, revision, "pipe")
    assert call["status"] == UNSET and "error.type" not in call["attributes"], call
    assert call["attributes"]["mcpgen.outcome"] == "ok", call
    # The handler's span is the call span's child; what it would send upstream names it.
    lookup = child_of(spans, call)
    assert lookup["name"] == "lookup city" and lookup["trace_id"] == ok_trace, lookup
    assert lookup["attributes"] == {"lookup.source": "embedded"}, lookup
    assert results["ok"].content[0].text == f"00-{ok_trace}-{lookup['span_id']}-01"

    failed = one(in_trace(server_spans(spans), declared_trace))
    assert_call_span(failed, declared_trace, declared_span, revision, "pipe")
    assert_error(failed, "tool_error", "tool_error")
    assert child_of(spans, failed)["status"] == ERROR

    refused = one(in_trace(server_spans(spans), invalid_trace))
    assert_call_span(refused, invalid_trace, invalid_span, revision, "pipe")
    assert_error(refused, "tool_error", "invalid_arguments")
    assert not [s for s in spans if s["parent_span_id"] == refused["span_id"]], "the handler never ran"

    own = [s for s in server_spans(spans) if s["trace_id"] not in (ok_trace, declared_trace, invalid_trace)]
    assert one(own)["parent_span_id"] == "", own
    assert results["malformed"].is_error is False
    assert in_trace(spans, unsampled_trace) == []
    passed_on = results["unsampled"].content[0].text
    assert passed_on.startswith(f"00-{unsampled_trace}-") and passed_on.endswith("-00"), passed_on

    opening = "initialize" if revision == "2025-11-25" else "server/discover"
    assert one(server_spans(spans, opening))["attributes"]["network.transport"] == "pipe"
    assert_no_argument_values(spans)
    # The log events carry the trace id of their request.
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    calls = [e for e in events if e.get("message") == "request" and e.get("method") == "tools/call"]
    traces = {ok_trace, declared_trace, invalid_trace, own[0]["trace_id"], unsampled_trace}
    assert {e["trace_id"] for e in calls} == traces
    # So do the rows of the audit trail.
    rows = audit_rows(trace_bin, tmp_path)
    assert {r["trace_id"] for r in rows if r["method"] == "tools/call"} == traces, rows


@pytest.mark.parametrize("revision", REVISIONS)
def test_http_requests_become_spans_parented_by_header_or_meta(trace_bin, tmp_path, revision):
    header, header_trace, header_span = caller()
    meta, meta_trace, meta_span = caller()

    async def steps(session) -> None:
        await start(session, revision)
        await session.call_tool("lookup_city", {"city": "Zurich"})
        await session.call_tool("lookup_city", {"city": "Zurich"}, meta={"traceparent": meta})
        await session.call_tool("lookup_city", {"city": "Atlantis"})
        with pytest.raises(MCPError):
            await session.call_tool("no_such_tool", {})
        await session.read_resource("trace://stations")
        await session.get_prompt("briefing", {"city": "Zurich"})

    with otlp_receiver() as collector:
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, **FAST, **store(tmp_path)}
        log = tmp_path / f"http-{free_port()}.log"
        with http_server([trace_bin, "serve", "--log-format", "json", "--http"], log, env=env) as server:
            assert exporter_threads(trace_bin, server[1]), "spans are exported from a thread of their own"
            drive_http(f"http://{server[0]}:{server[1]}/mcp", [steps], headers={"traceparent": header})
            # Refused before the MCP layer (406), with a malformed tracestate: still a span.
            refused_headers = {"Accept": "text/html", "traceparent": header, "tracestate": "=bad"}
            assert post(server, INITIALIZE, headers=refused_headers)[0] == 406
            spans = collector.wait_for(
                lambda s: len(server_spans(s)) == 3
                and server_spans(s, "prompts/get briefing")
                and any(x["attributes"].get("http.response.status_code") == 406 for x in s)
            )

    by_header = [s for s in server_spans(spans) if s["parent_span_id"] == header_span]
    assert [s["attributes"]["mcpgen.outcome"] for s in by_header] == ["ok", "tool_error"], by_header
    for span in by_header:
        assert_call_span(span, header_trace, header_span, revision, "tcp")
        assert span["attributes"]["client.address"] == "127.0.0.1", span
        assert span["attributes"]["http.response.status_code"] == 200, span
        assert ("mcp.session.id" in span["attributes"]) == (revision == "2025-11-25"), span
    assert_error(by_header[1], "tool_error", "tool_error")

    # `_meta` wins; the header's span is a link.
    by_meta = one(in_trace(server_spans(spans), meta_trace))
    assert_call_span(by_meta, meta_trace, meta_span, revision, "tcp")
    assert by_meta["links"] == [(header_trace, header_span)], by_meta
    assert child_of(spans, by_meta)["trace_id"] == meta_trace

    unknown = one(server_spans(spans, "tools/call no_such_tool"))
    assert unknown["parent_span_id"] == header_span, unknown
    assert_error(unknown, "-32602", "not_found")
    assert unknown["attributes"]["rpc.response.status_code"] == "-32602", unknown

    # A resource URI is an attribute, never part of the name; a prompt is both.
    read = one(server_spans(spans, "resources/read"))
    assert read["attributes"]["mcp.resource.uri"] == "trace://stations", read
    prompt = one(server_spans(spans, "prompts/get briefing"))
    assert prompt["attributes"]["gen_ai.prompt.name"] == "briefing", prompt
    assert "gen_ai.operation.name" not in prompt["attributes"], prompt
    for span in (read, prompt):
        assert span["parent_span_id"] == header_span and span["status"] == UNSET, span

    refused = one([s for s in spans if s["attributes"].get("http.response.status_code") == 406])
    assert refused["parent_span_id"] == header_span and refused["status"] == ERROR, refused
    opening = "initialize" if revision == "2025-11-25" else "server/discover"
    assert one(server_spans(spans, opening))["parent_span_id"] == header_span
    assert_no_argument_values(spans)


def exporter_threads(binary: str, port: int) -> list[str]:
    """The OpenTelemetry threads of the server serving `port` (thread names, as cut by Linux)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if command[0].decode() == binary and f"127.0.0.1:{port}".encode() in command:
            names = [(task / "comm").read_text().strip() for task in (entry / "task").iterdir()]
            return [n for n in names if n.startswith("OpenTelemetry")]
    raise AssertionError(f"no process of {binary} serves port {port}")


def test_without_an_endpoint_nothing_is_sent_and_the_callers_context_passes_through(trace_bin, tmp_path):
    header, header_trace, _ = caller()
    answers = []

    async def steps(session) -> None:
        await start(session, "2026-07-28")
        answers.append(await session.call_tool("lookup_city", {"city": "Zurich"}))

    with otlp_receiver() as collector:
        # Everything but an endpoint (empty ones count as none): the collector's address
        # is known to nobody.
        env = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": "",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "",
            "TRACE_COLLECTOR": "",
            "OTEL_SERVICE_NAME": "trace_server",
            **FAST,
            **store(tmp_path),
        }
        log = tmp_path / "http.log"
        with http_server([trace_bin, "serve", "--log-format", "json", "--http"], log, env=env) as server:
            drive_http(f"http://{server[0]}:{server[1]}/mcp", [steps], headers={"traceparent": header})
            assert exporter_threads(trace_bin, server[1]) == []
            time.sleep(0.3)
        assert collector.posts == [] and collector.spans == []
    # No span of its own: the handler passes the caller's context on as it came.
    assert answers[0].content[0].text == header
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    call = one([e for e in events if e.get("method") == "tools/call"])
    assert call["trace_id"] == header_trace
    assert not any("spans are exported" in e.get("message", "") for e in events)


def test_the_spec_key_names_the_collector_when_no_variable_does(trace_bin, tmp_path):
    parent, parent_trace, parent_span = caller()

    async def steps(session) -> None:
        await start(session, "2026-07-28")
        await session.call_tool("lookup_city", {"city": "Zurich"}, meta={"traceparent": parent})

    with otlp_receiver() as collector:
        # telemetry.otlp_endpoint: "${TRACE_COLLECTOR:-}" in the spec.
        env = {"TRACE_COLLECTOR": collector.url, **FAST, **store(tmp_path)}
        drive_stdio([trace_bin, "serve", "--stdio"], tmp_path / "stderr.log", [steps], env=env)
        spans = collector.wait_for(lambda s: len(server_spans(s)) == 1)
    assert_call_span(one(server_spans(spans)), parent_trace, parent_span, "2026-07-28", "pipe")


def test_an_unreachable_collector_never_fails_a_call_and_is_reported_once(trace_bin, tmp_path):
    closed = free_port()
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{closed}",
        "OTEL_EXPORTER_OTLP_TIMEOUT": "1000",
        **FAST,
        **store(tmp_path),
    }
    log = tmp_path / "stderr.log"
    answers = []

    async def steps(session) -> None:
        await start(session, "2025-11-25")
        for _ in range(5):
            began = time.monotonic()
            answers.append(await session.call_tool("lookup_city", {"city": "Zurich"}))
            assert time.monotonic() - began < 2
            await anyio.sleep(0.3)

    began = time.monotonic()
    drive_stdio([trace_bin, "serve", "--stdio", "--log-format", "json"], log, [steps], env=env)
    # The last spans are given up on within seconds: the exit is not held up.
    assert time.monotonic() - began < 20
    assert all(a.is_error is False for a in answers)
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    reports = [e for e in events if "traces could not be sent" in e.get("message", "")]
    assert len(reports) == 1, events
    assert reports[0]["level"] == "WARN" and reports[0]["endpoint"].endswith("/v1/traces"), reports


def test_a_bad_endpoint_stops_the_server_from_starting_with_what_to_fix(trace_bin, tmp_path):
    env = {**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318", **store(tmp_path)}
    started = subprocess.run(
        [trace_bin, "serve", "--stdio"], env=env, input="", capture_output=True, text=True, timeout=30
    )
    assert started.returncode == 1, started
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" in started.stderr and "http://" in started.stderr, started.stderr

