"""The request log of a generated server, with JSON logs: every request the client sends
ends in exactly one JSON log event, with its outcome, status and method, over stdio and
Streamable HTTP, in both protocol revisions; requests refused before they reach the MCP
layer (406, 415, an empty body) too. Driven by the official MCP Python SDK (counting what
it sends) and by raw HTTP for what an SDK would never send.

The server is tests/e2e/guard_server/ (test_guardrails.py scaffolds and builds it)."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError

from mcp_servers import MODERN_META, free_port, http_server, post
from test_guardrails import guard_bin  # noqa: F401 (the fixture that builds the server)

pytestmark = pytest.mark.timeout(900)

REVISIONS = ["2025-11-25", "2026-07-28"]
ENV = {"REDIS_URL": ""}

# The scripted calls and the outcome each one's event must carry, in order.
SCRIPT = [
    ("echo", {"text": "hi"}, "ok"),
    ("call_upstream", {"fail": True}, "tool_error"),
    ("echo", {"text": 5}, "invalid_arguments"),
    ("no_such_tool", {}, "not_found"),
    ("get_personal_item", {"number": 1}, "ok"),
    ("get_personal_item", {"number": 2}, "ok"),
    ("get_personal_item", {"number": 3}, "ok"),
    ("get_personal_item", {"number": 4}, "rate_limited"),
]


def script(revision: str):
    async def steps(session: ClientSession) -> None:
        if revision == "2025-11-25":
            await session.initialize()
        else:
            await session.discover()
        for tool, arguments, _ in SCRIPT:
            try:
                await session.call_tool(tool, arguments)
            except MCPError:
                pass  # the unknown tool: a JSON-RPC error

    return steps


def request_events(log: Path) -> list[dict]:
    """The request events of a JSON log; every line of it must be a JSON object."""
    events = []
    for line in log.read_text().splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"a log line that is not JSON: {line!r}")
        assert isinstance(event, dict), line
        if event.get("message") == "request":
            events.append(event)
    return events


def assert_the_script(events: list[dict], transport: str, status: int | None) -> None:
    calls = [e for e in events if e.get("method") == "tools/call"]
    got = [(e.get("name"), e["outcome"]) for e in calls]
    assert got == [(tool, outcome) for tool, _, outcome in SCRIPT], calls
    for event in calls:
        assert "detail" not in event or event["outcome"] != "ok", event
        assert event["transport"] == transport, event
        assert event.get("status") == status, event
        assert event["level"] == ("INFO" if event["outcome"] == "ok" else "WARN"), event
        assert event["agent"], event
    assert calls[3].get("error_code") == -32602, calls[3]
    # Argument values are never logged.
    assert not any("hi" == v for e in events for v in e.values()), events


@pytest.mark.parametrize("revision", REVISIONS)
def test_stdio_logs_one_event_per_request(guard_bin, tmp_path, revision):  # noqa: F811
    from mcp.client.stdio import StdioServerParameters, stdio_client

    log = tmp_path / "stderr.log"
    sent: list = []

    async def main() -> None:
        params = StdioServerParameters(command=guard_bin, args=["serve", "--stdio", "--log-format", "json"], env=ENV)
        with log.open("w") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write):
                # Between the session and the pipe, to count what the client sends.
                to_server, from_session = anyio.create_memory_object_stream(100)

                async def forward() -> None:
                    async with from_session:
                        async for message in from_session:
                            sent.append(message.message)
                            await write.send(message)

                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(forward)
                    async with to_server, ClientSession(read, to_server) as session:
                        await script(revision)(session)
                    tasks.cancel_scope.cancel()

    anyio.run(main)
    events = request_events(log)
    requests = [m for m in sent if getattr(m, "method", None) and getattr(m, "id", None) is not None]
    # Events come as requests end, not always in the order they were sent.
    logged = sorted((e["request_id"], e["method"]) for e in events)
    assert logged == sorted((str(m.id), m.method) for m in requests), events
    assert {e["protocol"] for e in events} == {revision}, events
    assert_the_script(events, "stdio", None)


@pytest.mark.parametrize("revision", REVISIONS)
def test_http_logs_one_event_per_request(guard_bin, tmp_path, revision):  # noqa: F811
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    log = tmp_path / f"http-{free_port()}.log"
    exchanges: list[tuple[str, int]] = []

    async def counted(response) -> None:
        exchanges.append((response.request.method, response.status_code))

    with http_server([guard_bin, "serve", "--log-format", "json", "--http"], log, env=ENV) as server:
        url = f"http://{server[0]}:{server[1]}/mcp"

        async def main() -> None:
            client = create_mcp_http_client()
            client.event_hooks["response"].append(counted)
            async with client, streamable_http_client(url, http_client=client) as (read, write):
                async with ClientSession(read, write) as session:
                    await script(revision)(session)

        anyio.run(main)
        # What an SDK would never send: each is refused before the MCP layer reads it.
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": MODERN_META}}
        headers = {"Mcp-Method": "tools/list", "MCP-Protocol-Version": "2026-07-28"}
        refused = [
            post(server, body, {**headers, "Accept": "application/json"}),
            post(server, body, {**headers, "Content-Type": "text/plain"}),
            post(server, b"", headers),
        ]
        assert [status for status, _, _ in refused] == [406, 415, 400]
    events = request_events(log)

    # One event per HTTP request, except the POSTs of notifications (202).
    sent = [exchange for exchange in exchanges if exchange != ("POST", 202)]
    expected = sorted(sent + [("POST", status) for status in (406, 415, 400)])
    logged = sorted((e["http_method"], e["status"]) for e in events)
    assert logged == expected, [(e["http_method"], e["status"], e.get("method"), e.get("detail")) for e in events]
    assert_the_script(events, "http", 200)
    for event, status in zip(events[-3:], (406, 415, 400)):
        assert event["status"] == status and event["outcome"] == "protocol_error", event
        assert event["method"] == "tools/list" and event["level"] == "WARN", event
    assert events[-1]["error_code"] == -32700, events[-1]
