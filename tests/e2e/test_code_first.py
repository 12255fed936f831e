"""The code-first example server (examples/code_first: tools declared with `#[mcp_tool]`,
an `#[mcp_tools]` impl block, and a spec-first tool in the same server), driven by the
official Python SDK over stdio and Streamable HTTP, in both protocol revisions.

Uses $CODE_FIRST_BIN when set; otherwise builds the example once with cargo (into the
shared target directory)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError

from mcp_servers import TARGET, assert_declared_error, closed_objects, error_object, drive_http, drive_stdio
from mcp_servers import http_server as running_http_server

pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[2]

UNITS = {
    "description": "Measurement system. One of `metric`: Celsius and km/h; `imperial`: Fahrenheit and mph.",
    "type": "string",
    "enum": ["metric", "imperial"],
}

# Exactly what `#[mcp_tool]` declares for `get_forecast`: strict, closed, described.
FORECAST_INPUT = {
    "type": "object",
    "properties": {
        "city": {"description": "City name, such as Zurich.", "type": "string", "minLength": 1, "maxLength": 100},
        "days": {"description": "Days ahead.", "type": "integer", "minimum": 1, "maximum": 14, "default": 3},
        "units": UNITS,
    },
    "required": ["city"],
    "additionalProperties": False,
}

FORECAST_OUTPUT = {
    "description": "A forecast for several days.",
    "type": "object",
    "properties": {
        "city": {"description": "The city the forecast is for.", "type": "string"},
        "units": dict(UNITS, description="The units of the temperatures. " + UNITS["description"].split(". ", 1)[1]),
        "days": {
            "description": "One entry per day, starting today.",
            "type": "array",
            "items": {
                "description": "The forecast for one day.",
                "type": "object",
                "properties": {
                    "date": {"description": "The day, as YYYY-MM-DD.", "type": "string", "format": "date"},
                    "high": {"description": "The highest temperature of the day, in the units asked for.", "type": "number"},
                },
                "required": ["date", "high"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["city", "units", "days"],
    "additionalProperties": False,
}

ATLANTIS = "No city named Atlantis. Check the spelling, or pass a larger city nearby."


@pytest.fixture(scope="session")
def code_first_bin() -> str:
    path = os.environ.get("CODE_FIRST_BIN")
    if path:
        return path
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "mcpgen-example-code-first"],
        cwd=ROOT,
        check=True,
        timeout=900,
    )
    path = TARGET / "debug" / "code_first"
    assert path.exists(), f"cargo built no {path}"
    return str(path)


@pytest.fixture(scope="module")
def http_server(code_first_bin, tmp_path_factory):
    log = tmp_path_factory.mktemp("code_first") / "stderr.log"
    with running_http_server([code_first_bin, "serve", "--http"], log) as address:
        yield address


async def scenario(session: ClientSession) -> None:
    tools = {t.name: t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in (await session.list_tools()).tools}
    # The spec's tool first (the generated builder), then the Rust-declared ones in order.
    assert list(tools) == ["convert_temperature", "get_forecast", "add_note", "list_notes"]
    for tool in tools.values():
        assert closed_objects(tool["inputSchema"]) == []
        assert closed_objects(tool.get("outputSchema", {})) == []

    forecast = tools["get_forecast"]
    assert forecast["inputSchema"] == FORECAST_INPUT
    assert json.dumps(forecast["outputSchema"]) == json.dumps(FORECAST_OUTPUT)
    assert forecast["title"] == "Get forecast"
    assert forecast["description"] == "Daily forecast for one city, up to 14 days ahead."
    assert forecast["annotations"] == {
        "title": "Get forecast",
        "readOnlyHint": True,
        "destructiveHint": False,
        "idempotentHint": True,
        "openWorldHint": True,
    }
    assert tools["add_note"]["annotations"] == {
        "readOnlyHint": False,
        "destructiveHint": False,
        "idempotentHint": False,
        "openWorldHint": False,
    }
    # A non-object output is wrapped, and a u64 advertises the range it accepts.
    assert tools["add_note"]["outputSchema"] == {
        "type": "object",
        "properties": {"result": {"type": "integer", "minimum": 0, "maximum": 9223372036854775807}},
        "required": ["result"],
        "additionalProperties": False,
    }
    assert tools["list_notes"]["inputSchema"] == {"type": "object", "additionalProperties": False}

    # Success: structuredContent validated by the SDK against outputSchema, and the text.
    result = await session.call_tool("get_forecast", {"city": "Oslo", "days": 2, "units": "imperial"})
    expected = {
        "city": "Oslo",
        "units": "imperial",
        "days": [{"date": "2026-01-01", "high": 68.0}, {"date": "2026-01-02", "high": 69.0}],
    }
    assert result.is_error is False
    assert result.structured_content == expected
    assert json.loads(result.content[0].text) == expected
    # The default is filled in before the function runs.
    result = await session.call_tool("get_forecast", {"city": "Lima"})
    assert len(result.structured_content["days"]) == 3

    # Declared error: the rendered template from the attribute.
    result = await session.call_tool("get_forecast", {"city": "Atlantis"})
    assert_declared_error(result, "city_not_found", ATLANTIS)

    # Invalid arguments: rejected before the function runs, naming each field.
    result = await session.call_tool("get_forecast", {"city": "", "days": 15, "units": "kelvin", "extra": 1})
    assert result.is_error is True
    assert error_object(result) == {
        "status": "error",
        "code": "invalid_arguments",
        "errors": [
            {"path": "/city", "message": 'expected a string of at least 1 character, got "" (0 characters)'},
            {"path": "/days", "message": "expected an integer <= 14, got 15"},
            {
                "path": "/extra",
                "message": "is not an allowed property; remove it (allowed properties: city, days, units)",
            },
            {"path": "/units", "message": 'expected one of "metric", "imperial", got "kelvin"'},
        ],
    }

    # The impl block's tools share one instance.
    count = (await session.call_tool("add_note", {"text": "Buy milk"})).structured_content["result"]
    notes = (await session.call_tool("list_notes", {})).structured_content["result"]
    assert len(notes) == count and notes[-1] == "Buy milk"
    result = await session.call_tool("add_note", {"text": "x" * 281})
    assert_declared_error(result, "note_too_long", "The note is longer than 280 characters. Shorten it and try again.")

    # The spec-first tool in the same server.
    result = await session.call_tool("convert_temperature", {"celsius_c": 100})
    assert result.structured_content == {"fahrenheit_f": 212.0}

    # Unknown tool: a JSON-RPC error naming the known tools.
    with pytest.raises(MCPError) as error:
        await session.call_tool("get_forcast", {})
    assert error.value.code == -32602
    assert error.value.message.startswith("unknown tool `get_forcast` (did you mean `get_forecast`?)")


async def start(session: ClientSession, revision: str) -> None:
    if revision == "2025-11-25":
        result = await session.initialize()
        assert result.protocol_version == "2025-11-25"
        assert result.server_info.name == "code_first"
    else:
        result = await session.discover()
        assert "2026-07-28" in result.supported_versions
        assert session.server_info.name == "code_first"


REVISIONS = ["2025-11-25", "2026-07-28"]


@pytest.mark.parametrize("revision", REVISIONS)
def test_stdio(code_first_bin, tmp_path, revision):
    drive_stdio([code_first_bin, "serve", "--stdio"], tmp_path / "stderr.log", [lambda s: start(s, revision), scenario])


@pytest.mark.parametrize("revision", REVISIONS)
def test_http(http_server, revision):
    host, port = http_server
    drive_http(f"http://{host}:{port}/mcp", [lambda s: start(s, revision), scenario])
