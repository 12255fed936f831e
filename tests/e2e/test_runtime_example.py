"""The runtime's hand-written example server (runtime/examples/hand_server.rs), driven by
the official Python SDK over stdio and Streamable HTTP, in both protocol revisions
(2025-11-25 with initialize, 2026-07-28 stateless with server/discover), plus raw HTTP
checks of the error responses.

Uses $HAND_SERVER_BIN when set; otherwise builds the example once with cargo."""

from __future__ import annotations

import json
import subprocess

import pytest
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError

from mcp_servers import INITIALIZE, MODERN_META, assert_declared_error, drive_http, error_object, drive_stdio, post
from mcp_servers import hand_server_bin as build_hand_server
from mcp_servers import http_server as running_http_server

pytestmark = pytest.mark.timeout(300)

INPUT_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["city"],
    "properties": {
        "city": {"type": "string", "minLength": 1, "maxLength": 100, "description": "City name"},
        "days": {
            "type": "integer",
            "minimum": 1,
            "maximum": 14,
            "default": 3,
            "description": "Number of days",
        },
        "units": {"type": "string", "enum": ["metric", "imperial"], "default": "metric"},
    },
}

ATLANTIS = "No city named Atlantis. Check the spelling, or try a nearby larger city."


def expected_forecast(city: str, days: int = 3, units: str = "metric") -> dict:
    """The example's deterministic fake weather, recomputed."""
    base = (sum(city.encode()) % 256) % 15 + 10

    def convert(c: int) -> int:
        return c if units == "metric" else (c * 9 + 160) // 5

    return {
        "city": city,
        "units": units,
        "days": [
            {
                "day": i + 1,
                "high": convert(base + i),
                "low": convert(base - 5 + i),
                "summary": ["sunny", "cloudy", "rain"][i % 3],
            }
            for i in range(days)
        ],
    }


@pytest.fixture(scope="session")
def hand_server_bin() -> str:
    return build_hand_server()


@pytest.fixture(scope="module")
def http_server(hand_server_bin, tmp_path_factory):
    """The example serving HTTP on a free loopback port; yields (host, port)."""
    log = tmp_path_factory.mktemp("hand_server") / "stderr.log"
    with running_http_server([hand_server_bin, "serve", "--http"], log) as address:
        yield address


# ---------------------------------------------------------------- SDK scenarios


async def scenario(session: ClientSession) -> None:
    """Everything a client does with the example, asserted exactly."""
    tools = (await session.list_tools()).tools
    assert [t.name for t in tools] == ["get_forecast"]
    tool = tools[0].model_dump(by_alias=True, exclude_none=True, mode="json")
    assert tool["inputSchema"] == INPUT_SCHEMA
    assert tool["title"] == "Get forecast"
    assert tool["annotations"] == {
        "title": "Get forecast",
        "readOnlyHint": True,
        "destructiveHint": False,
        "idempotentHint": True,
        "openWorldHint": True,
    }
    assert tool["outputSchema"]["additionalProperties"] is False

    # Success: structuredContent, and the same JSON as text.
    result = await session.call_tool("get_forecast", {"city": "Oslo", "days": 2})
    assert result.is_error is False
    assert result.structured_content == expected_forecast("Oslo", 2)
    assert json.loads(result.content[0].text) == expected_forecast("Oslo", 2)
    result = await session.call_tool("get_forecast", {"city": "Lima", "units": "imperial"})
    assert result.structured_content == expected_forecast("Lima", 3, "imperial")

    # Declared error: the rendered template.
    result = await session.call_tool("get_forecast", {"city": "Atlantis"})
    assert_declared_error(result, "city_not_found", ATLANTIS)

    # Invalid arguments: a result the model can read, naming each field.
    result = await session.call_tool(
        "get_forecast", {"city": "Oslo", "days": 20, "units": "kelvin", "extra": 1}
    )
    assert result.is_error is True
    assert error_object(result) == {
        "status": "error",
        "code": "invalid_arguments",
        "errors": [
            {"path": "/days", "message": "expected an integer <= 14, got 20"},
            {
                "path": "/extra",
                "message": "is not an allowed property; remove it (allowed properties: city, days, units)",
            },
            {"path": "/units", "message": 'expected one of "metric", "imperial", got "kelvin"'},
        ],
    }
    text = result.content[0].text
    assert text.startswith("Invalid arguments for tool `get_forecast`:\n- /days: expected an integer <= 14, got 20\n")
    assert "call `get_forecast` again" in text

    # Unknown tool: a JSON-RPC error naming the known tools.
    with pytest.raises(MCPError) as error:
        await session.call_tool("get_forcast", {})
    assert error.value.code == -32602
    assert error.value.message == "unknown tool `get_forcast` (did you mean `get_forecast`?); known tools: get_forecast"

    # Resources.
    resources = (await session.list_resources()).resources
    assert [(r.uri, r.name, r.mime_type) for r in resources] == [
        ("weather://stations", "stations", "application/json")
    ]
    contents = (await session.read_resource("weather://stations")).contents
    assert json.loads(contents[0].text) == {"stations": ["Oslo", "Lima", "Perth"]}
    templates = (await session.list_resource_templates()).resource_templates
    assert [t.uri_template for t in templates] == ["weather://city/{city}/now"]
    contents = (await session.read_resource("weather://city/Oslo/now")).contents
    assert json.loads(contents[0].text) == {"city": "Oslo", "temperature_c": 17}
    assert contents[0].mime_type == "application/json"
    for uri in ["weather://nowhere", "weather://city/Atlantis/now"]:
        with pytest.raises(MCPError) as error:
            await session.read_resource(uri)
        assert error.value.code == -32602
        assert error.value.data == {"uri": uri}

    # Prompts.
    prompts = (await session.list_prompts()).prompts
    assert [p.name for p in prompts] == ["daily_briefing"]
    assert [(a.name, a.required) for a in prompts[0].arguments] == [("city", True), ("style", False)]
    prompt = await session.get_prompt("daily_briefing", {"city": "Oslo", "style": "cheerful"})
    assert [(m.role, m.content.text) for m in prompt.messages] == [
        ("user", "Give me a short weather briefing for Oslo in a cheerful tone.")
    ]
    with pytest.raises(MCPError) as error:
        await session.get_prompt("daily_briefing", {})
    assert error.value.code == -32602
    assert "`city`" in error.value.message


async def start(session: ClientSession, revision: str) -> None:
    if revision == "2025-11-25":
        result = await session.initialize()
        assert result.protocol_version == "2025-11-25"
        assert result.server_info.name == "hand-weather"
    else:
        result = await session.discover()
        assert "2026-07-28" in result.supported_versions
        assert session.protocol_version == "2026-07-28"
        assert session.server_info.name == "hand-weather"
    assert session.instructions == "Call get_forecast with a city name."


REVISIONS = ["2025-11-25", "2026-07-28"]


@pytest.mark.parametrize("revision", REVISIONS)
def test_stdio(hand_server_bin, tmp_path, revision):
    drive_stdio([hand_server_bin, "serve", "--stdio"], tmp_path / "stderr.log", [lambda s: start(s, revision), scenario])


@pytest.mark.parametrize("revision", REVISIONS)
def test_http(http_server, revision):
    host, port = http_server
    drive_http(f"http://{host}:{port}/mcp", [lambda s: start(s, revision), scenario])


# ---------------------------------------------------------------- raw HTTP

def error_of(status_headers_body, status: int) -> dict:
    got_status, headers, body = status_headers_body
    assert got_status == status, body
    assert headers.get("content-type", "").startswith("application/json"), headers
    doc = json.loads(body)
    assert doc["jsonrpc"] == "2.0"
    return doc["error"]


def message_of(headers: dict, body: bytes) -> dict:
    """The JSON-RPC message of a JSON or single-message SSE response."""
    if headers.get("content-type", "").startswith("text/event-stream"):
        for line in body.decode().splitlines():
            if line.startswith("data:") and line[5:].strip():
                return json.loads(line[5:])
        raise AssertionError(f"no message in SSE body {body!r}")
    return json.loads(body)


def check_still_serving(server) -> None:
    status, headers, body = post(server, INITIALIZE)
    assert status == 200, body
    session = headers["mcp-session-id"]
    status, headers, body = post(
        server,
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-11-25"},
    )
    assert status == 200, body
    assert [t["name"] for t in message_of(headers, body)["result"]["tools"]] == ["get_forecast"]


def test_http_rejections_are_json_and_server_keeps_serving(http_server):
    error = error_of(post(http_server, INITIALIZE, {"Accept": None}), 406)
    assert "Accept: application/json, text/event-stream" in error["message"]
    error = error_of(post(http_server, INITIALIZE, {"Accept": "application/json"}), 406)
    assert "Accept: application/json, text/event-stream" in error["message"]

    error = error_of(post(http_server, b""), 400)
    assert error["code"] == -32700
    assert "empty" in error["message"]

    error = error_of(post(http_server, b'{"jsonrpc": "2.0", "id": 1,'), 400)
    assert error["code"] == -32700
    assert "not valid JSON" in error["message"]

    error = error_of(post(http_server, b"[]"), 400)
    assert error["code"] == -32600
    assert "batches" in error["message"]

    # An id MCP does not allow (not a string or an integer) is answered with a null id.
    for bad_id in ({}, [], 1.5, 2**64):
        status, headers, body = post(http_server, {"jsonrpc": "1.0", "id": bad_id, "method": "tools/list"})
        assert status == 400, body
        answer = message_of(headers, body)
        assert (answer["id"], answer["error"]["code"]) == (None, -32600), answer
    status, headers, body = post(http_server, {"jsonrpc": "1.0", "id": "a", "method": "tools/list"})
    assert message_of(headers, body)["id"] == "a"

    error = error_of(post(http_server, b"x" * (2 * 1024 * 1024)), 413)
    assert error["data"] == {"limit_bytes": 1048576}
    assert "1048576 bytes" in error["message"]

    error = error_of(
        post(
            http_server,
            {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
            {"Mcp-Session-Id": "no-such-session", "MCP-Protocol-Version": "2025-11-25"},
        ),
        404,
    )
    assert error["code"] == -32001
    assert "initialize" in error["message"]

    error = error_of(post(http_server, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}), 400)
    assert "Mcp-Session-Id" in error["message"]

    # Any other path is no endpoint, also under the MCP endpoint's path.
    for path in ("/", "/mcp/", "/mcp/extra", "/other?mcp"):
        error = error_of(post(http_server, INITIALIZE, path=path), 404)
        assert error["code"] == -32600
        assert f"no MCP endpoint at `{path.split('?')[0]}`" in error["message"], error
        assert error["data"] == {"path": path.split("?")[0]}

    error = error_of(post(http_server, INITIALIZE, {"Origin": "https://evil.example"}), 403)
    assert "https://evil.example" in error["message"]
    # Loopback origins are allowed by default.
    status, _, body = post(http_server, INITIALIZE, {"Origin": f"http://localhost:{http_server[1]}"})
    assert status == 200, body

    check_still_serving(http_server)


def modern(server, method: str, params: dict, name: str | None = None, headers: dict | None = None):
    all_headers = {"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
    if name is not None:
        all_headers["Mcp-Name"] = name
    all_headers.update(headers or {})
    body = {"jsonrpc": "2.0", "id": 7, "method": method, "params": {**params, "_meta": MODERN_META}}
    return post(server, body, all_headers)


def test_http_stateless_2026_07_28_by_hand(http_server):
    status, headers, body = modern(http_server, "server/discover", {})
    assert status == 200, body
    assert "mcp-session-id" not in headers
    result = message_of(headers, body)["result"]
    assert result["resultType"] == "complete"
    assert "2026-07-28" in result["supportedVersions"] and "2025-11-25" in result["supportedVersions"]
    assert set(result["capabilities"]) >= {"tools", "resources", "prompts"}
    assert result["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "hand-weather"

    status, headers, body = modern(http_server, "tools/list", {})
    assert status == 200, body
    result = message_of(headers, body)["result"]
    assert result["resultType"] == "complete"
    assert "ttlMs" in result and result["cacheScope"] in ("private", "public")
    assert result["tools"][0]["inputSchema"] == INPUT_SCHEMA

    status, headers, body = modern(
        http_server, "tools/call", {"name": "get_forecast", "arguments": {"city": "Perth", "days": 1}}, "get_forecast"
    )
    assert status == 200, body
    result = message_of(headers, body)["result"]
    assert result["resultType"] == "complete"
    assert result["isError"] is False
    assert result["structuredContent"] == expected_forecast("Perth", 1)

    status, headers, body = modern(
        http_server, "tools/call", {"name": "get_forecast", "arguments": {"city": "Atlantis"}}, "get_forecast"
    )
    result = message_of(headers, body)["result"]
    assert result["isError"] is True and result["content"][0]["text"] == ATLANTIS

    status, headers, body = modern(http_server, "resources/read", {"uri": "weather://nowhere"}, "weather://nowhere")
    error = message_of(headers, body)["error"]
    assert error["code"] == -32602 and error["data"] == {"uri": "weather://nowhere"}

    # Mcp-Name must match the body: -32020 header mismatch.
    status, headers, body = modern(
        http_server, "tools/call", {"name": "get_forecast", "arguments": {"city": "Oslo"}}, "other_tool"
    )
    assert status == 400, body
    assert message_of(headers, body)["error"]["code"] == -32020

    check_still_serving(http_server)


# rmcp answers each of these with the bare method name as the whole message ("ping");
# the runtime says what went wrong and what to send instead, on both transports.
NOT_SERVED = [
    # (method, params, Mcp-Name header, code, what the message must say)
    ("ping", {}, None, -32601, "Drop the call"),
    ("resources/subscribe", {"uri": "weather://cities"}, "weather://cities", -32601, "`subscriptions/listen`"),
    ("tools/cal", {}, None, -32601, "did you mean `tools/call`?"),
    ("resources/read", {"uri": 5}, "5", -32602, "/uri: expected a string, got integer 5"),
    ("tools/call", {"arguments": {}}, "get_forecast", -32602, "/name: is required but missing"),
    ("notifications/initialized", {}, None, -32601, "without an `id`"),
]

# Not served in a 2025-11-25 session: (method, params, what the message must say).
IN_A_SESSION = [
    ("subscriptions/listen", {"notifications": {}}, "call `resources/subscribe`"),
    ("tasks/get", {"taskId": "t1"}, "does not offer the tasks extension"),
    ("tools/cal", {}, "did you mean `tools/call`?"),
]


def test_methods_not_served_say_what_to_send(http_server, hand_server_bin):
    for method, params, name, code, says in NOT_SERVED:
        status, headers, body = modern(http_server, method, params, name)
        error = message_of(headers, body)["error"]
        assert (method, error["code"], says in error["message"]) == (method, code, True), error
    check_still_serving(http_server)

    # In a 2025-11-25 session rmcp answers in an SSE stream; the same rewording applies.
    status, headers, body = post(http_server, INITIALIZE)
    assert status == 200, body
    session = {"Mcp-Session-Id": headers["mcp-session-id"], "MCP-Protocol-Version": "2025-11-25"}
    status, _, body = post(http_server, {"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
    assert status == 202, body
    for i, (method, params, says) in enumerate(IN_A_SESSION):
        status, headers, body = post(http_server, {"jsonrpc": "2.0", "id": i, "method": method, "params": params}, session)
        assert headers["content-type"].startswith("text/event-stream"), headers
        answer = message_of(headers, body)
        assert (method, answer["id"], answer["error"]["code"], says in answer["error"]["message"]) == (
            method,
            i,
            -32601,
            True,
        ), answer
    status, headers, body = post(http_server, {"jsonrpc": "2.0", "id": 9, "method": "tools/list"}, session)
    assert [t["name"] for t in message_of(headers, body)["result"]["tools"]] == ["get_forecast"], body

    # As a 2026-07-28 client does, the stdio session opens with `server/discover`. On
    # stdio rmcp answers `ping` in either revision (an empty result), so it is left out.
    on_stdio = [case for case in NOT_SERVED if case[0] != "ping"]
    requests = [{"jsonrpc": "2.0", "id": "discover", "method": "server/discover", "params": {"_meta": MODERN_META}}]
    requests += [
        {"jsonrpc": "2.0", "id": i, "method": method, "params": {**params, "_meta": MODERN_META}}
        for i, (method, params, _, _, _) in enumerate(on_stdio)
    ]
    served = subprocess.run(
        [hand_server_bin, "serve", "--stdio"],
        input="".join(json.dumps(r) + "\n" for r in requests),
        capture_output=True,
        text=True,
        timeout=60,
    )
    answers = {a["id"]: a for a in map(json.loads, served.stdout.splitlines())}
    assert "result" in answers["discover"], answers["discover"]
    for i, (method, _, _, code, says) in enumerate(on_stdio):
        error = answers[i]["error"]
        assert (method, error["code"], says in error["message"]) == (method, code, True), error
