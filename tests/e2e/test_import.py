"""`mcpgen lint --server` and `mcpgen import` against MCP servers nobody here wrote: the
reference servers from PyPI (mcp-server-time, -fetch, -git, installed by tests/run.sh into
the venv) and npm (server-everything, -memory, -filesystem, in .tools/), over stdio and,
for server-everything, Streamable HTTP. Lint reports are asserted finding by finding;
imports are round-tripped: import → check → new --from → build, and the generated
server's tools/list (read with the official Python SDK client) lists the same tools,
whose schemas accept the sample arguments the original's accept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import jsonschema
import pytest

from mcp_servers import ROOT, TARGET, cargo_build, drive_stdio, error_object, free_port, http_server, mcpgen_bin

VENV_BIN = Path(sys.executable).parent
TOOLS_BIN = ROOT / ".tools" / "node_modules" / ".bin"


def env() -> dict[str, str]:
    """Node 22 and the npm servers first on PATH (their `#!/usr/bin/env node` finds it)."""
    return dict(os.environ, PATH=f"{TOOLS_BIN}{os.pathsep}{VENV_BIN}{os.pathsep}{os.environ['PATH']}")


def reference(name: str, tmp: Path) -> list[str]:
    """The command that starts reference server `name` on stdio."""
    if name in ("time", "fetch", "git"):
        command = [str(VENV_BIN / f"mcp-server-{name}")]
    else:
        command = [str(TOOLS_BIN / f"mcp-server-{name}")]
    assert Path(command[0]).exists(), f"{command[0]} is not installed; run tests/run.sh, which installs it"
    if name == "filesystem":
        (tmp / "files").mkdir(exist_ok=True)
        command.append(str(tmp / "files"))
    return command


def mcpgen(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([mcpgen_bin(), *args], cwd=cwd, env=env(), capture_output=True, text=True, timeout=timeout)


def lint_json(command: list[str], cwd: Path) -> tuple[int, list[dict]]:
    run = mcpgen("lint", "--message-format", "json", "--server", "--", *command, cwd=cwd)
    return run.returncode, [json.loads(line) for line in run.stdout.splitlines()]


def finding(findings: list[dict], name: str, pointer: str, code: str) -> dict:
    found = [f for f in findings if (f["name"], f["pointer"], f["code"]) == (name, pointer, f"mcpgen::{code}")]
    assert found, f"no {code} at {name} {pointer}; findings: " + "\n".join(
        f"{f['severity']} {f['code']} {f['name']} {f['pointer']}" for f in findings
    )
    return found[0]


# What each server's lint must report: (tool, JSON pointer, check, severity), each read
# off the server's own tool list and judged right.
EXPECTED = {
    "time": [
        ("get_current_time", "/outputSchema/properties/datetime", "missing_description", "error"),
        # Its arguments object leaves `additionalProperties` out: misspellings are ignored.
        ("get_current_time", "", "open_object", "error"),
    ],
    "fetch": [
        ("fetch", "/properties/max_length", "unit_suffix", "error"),
    ],
    "git": [
        ("git_commit", "/properties/message", "missing_description", "error"),
        ("git_reset", "", "annotations", "error"),
        # Inside a schema an import writes out (nullable parameters): still checked.
        ("git_create_branch", "/properties/base_branch", "missing_description", "error"),
        ("git_branch", "/properties/branch_type", "enum_suggestion", "warning"),
    ],
    "everything": [
        ("trigger-long-running-operation", "/properties/duration", "unit_suffix", "error"),
        ("get-structured-content", "/outputSchema/properties/temperature", "unit_suffix", "error"),
        ("get-sum", "", "naming_case", "note"),
    ],
    "memory": [
        ("delete_entities", "", "annotations", "error"),
        ("create_entities", "/properties/entities", "missing_description", "error"),
    ],
    "filesystem": [
        ("read_text_file", "/properties/path", "missing_description", "error"),
        ("edit_file", "/properties/dryRun", "naming_case", "note"),
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_lint_reports_each_finding_at_its_tool_and_pointer(name, tmp_path):
    status, findings = lint_json(reference(name, tmp_path), tmp_path)
    assert status == 1, findings  # each has an error-level finding
    for tool, pointer, code, severity in EXPECTED[name]:
        assert finding(findings, tool, pointer, code)["severity"] == severity
    # Time zones given as examples ("e.g., 'America/New_York'") are not a closed set.
    assert not [f for f in findings if f["code"] == "mcpgen::enum_suggestion" and "timezone" in f["pointer"]]
    # Another server's naming is a note, never an error.
    assert all(f["severity"] == "note" for f in findings if f["code"] == "mcpgen::naming_case")


def test_lint_human_output_names_tool_and_pointer(tmp_path):
    run = mcpgen("lint", "--server", "--", *reference("fetch", tmp_path), cwd=tmp_path)
    assert run.returncode == 1
    assert "error[mcpgen::unit_suffix]: tool `fetch` /properties/max_length: parameter `max_length`" in run.stderr
    assert "1 tools, 0 resources, 0 resource templates, 1 prompts: 2 errors, 0 warnings" in run.stderr


def test_lint_over_streamable_http(tmp_path):
    """server-everything in its Streamable HTTP mode (2025-11-25 sessions: lint falls back
    from 2026-07-28's `server/discover` to `initialize`)."""
    port = free_port()
    log = tmp_path / "everything.log"
    with log.open("w") as errlog:
        proc = subprocess.Popen(
            [reference("everything", tmp_path)[0], "streamableHttp"],
            env={**env(), "PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=errlog,
        )
        try:
            url = f"http://127.0.0.1:{port}/mcp"
            deadline = time.monotonic() + 30
            while "listening" not in log.read_text():
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            run = mcpgen("lint", "--message-format", "json", "--server-url", url, "--header", "X-Test: 1", cwd=tmp_path)
            findings = [json.loads(line) for line in run.stdout.splitlines()]
            assert run.returncode == 1, run.stderr
            finding(findings, "trigger-long-running-operation", "/properties/duration", "unit_suffix")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_lint_over_http_on_a_2026_07_28_server(weather_bin, tmp_path):
    """The scaffold's server speaks 2026-07-28: lint opens with `server/discover`, and the
    weather spec's one tool passes every check."""
    with http_server([weather_bin, "serve", "--http"], tmp_path / "weather.log") as (host, port):
        run = mcpgen("lint", "--server-url", f"http://{host}:{port}/mcp", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "1 tools, 1 resources, 1 resource templates, 2 prompts: 0 errors, 0 warnings, 0 notes" in run.stderr
    assert "server/discover" in (tmp_path / "weather.log").read_text()


def test_a_server_that_does_not_answer_gets_a_timeout_not_a_hang(tmp_path):
    garbage = [sys.executable, "-c", "import sys, time; print('not json {'); sys.stdout.flush(); time.sleep(60)"]
    started = time.monotonic()
    run = mcpgen("lint", "--timeout", "2", "--server", "--", *garbage, cwd=tmp_path, timeout=30)
    assert run.returncode == 2
    assert time.monotonic() - started < 15
    assert "did not answer within 2 s (`--timeout`)" in run.stderr

    run = mcpgen("lint", "--server", "--", "no-such-mcp-server-command", cwd=tmp_path)
    assert run.returncode == 2
    assert "cannot start `no-such-mcp-server-command`" in run.stderr
    assert "rmcp::" not in run.stderr

    run = mcpgen("lint", "--timeout", "5", "--server-url", f"http://127.0.0.1:{free_port()}/mcp", cwd=tmp_path)
    assert run.returncode == 2
    assert "did not complete the MCP handshake" in run.stderr and "rmcp::" not in run.stderr


# Round trips.


def sample(schema: dict, root: dict) -> object:
    """A value the schema accepts, built from its defaults, enums and bounds."""
    if "$ref" in schema:
        return sample(root["$defs"][schema["$ref"].rsplit("/", 1)[1]], root)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return sample(schema[key][0], root)
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "string":
        return "x" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample(schema.get("items", {}), root) for _ in range(schema.get("minItems", 1))]
    if kind == "null":
        return None
    properties = schema.get("properties", {})
    return {k: sample(properties[k], root) for k in schema.get("required", []) if k in properties}


def listed_tools(command: list[str], log: Path) -> dict[str, dict]:
    tools: dict[str, dict] = {}

    async def read(session):
        await session.initialize()
        for tool in (await session.list_tools()).tools:
            tools[tool.name] = tool.input_schema

    drive_stdio(command, log, [read], env={"PATH": env()["PATH"]})
    return tools


@pytest.mark.parametrize("name", ["time", "git", "memory", "everything"])
def test_import_round_trip(name, tmp_path):
    source = reference(name, tmp_path)
    run = mcpgen("import", "--name", f"imp-{name}", "--server", "--", *source, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    spec = tmp_path / "specs" / f"imp-{name}.yaml"
    assert f"wrote specs/imp-{name}.yaml" in run.stderr
    check = mcpgen("check", str(spec), cwd=tmp_path)
    assert check.returncode == 0, check.stderr  # warnings allowed: they are the report
    new = mcpgen("new", f"imp-{name}", "--path", "crate", "--from", str(spec), cwd=tmp_path)
    assert new.returncode == 0, new.stderr
    cargo_build(tmp_path / "crate")
    binary = TARGET / "debug" / f"imp-{name}"

    original = listed_tools(source, tmp_path / "original.log")
    generated = listed_tools([str(binary), "serve", "--stdio"], tmp_path / "generated.log")
    assert list(generated) == list(original)
    calls = []
    for tool, schema in original.items():
        args = sample(schema, schema)
        jsonschema.validate(args, schema)
        jsonschema.validate(args, generated[tool])
        calls.append((tool, args))

    async def call_each(session):
        await session.initialize()
        for tool, args in calls:
            result = await session.call_tool(tool, args)
            # Past validation, every stub answers its declared error.
            assert result.is_error, (tool, result)
            assert "is not implemented yet" in result.content[0].text, (tool, args, result.content[0].text)

    drive_stdio([str(binary), "serve", "--stdio"], tmp_path / "calls.log", [call_each])


# OpenAPI: real-world documents from ReadMe's examples package (npm, pinned in tests/run.sh).

OAS = ROOT / ".tools" / "node_modules" / "@readme" / "oas-examples"


@pytest.mark.parametrize(
    ("document", "tools"),
    [("3.0/yaml/petstore.yaml", 20), ("3.0/json/petstore-expanded.json", 4), ("3.1/yaml/train-travel.yaml", 7)],
)
def test_openapi_import_checks_builds_and_serves(document, tools, tmp_path):
    source = OAS / document
    assert source.exists(), f"{source} is not installed; run tests/run.sh, which installs @readme/oas-examples"
    name = "oas-" + document.split("/")[-1].split(".")[0]
    run = mcpgen("import", "--name", name, "--openapi", str(source), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert f"wrote specs/{name}.yaml: {tools} tools" in run.stderr
    spec = tmp_path / "specs" / f"{name}.yaml"
    check = mcpgen("check", str(spec), cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    new = mcpgen("new", name, "--path", "crate", "--from", str(spec), cwd=tmp_path)
    assert new.returncode == 0, new.stderr
    cargo_build(tmp_path / "crate")
    binary = str(TARGET / "debug" / name)
    listed = listed_tools([binary, "serve", "--stdio"], tmp_path / "generated.log")
    assert len(listed) == tools
    calls = [(tool, sample(schema, schema)) for tool, schema in listed.items()]

    async def call_each(session):
        await session.initialize()
        for tool, args in calls:
            result = await session.call_tool(tool, args)
            assert result.is_error and "is not implemented yet" in result.content[0].text, (tool, args, result)

    drive_stdio([binary, "serve", "--stdio"], tmp_path / "calls.log", [call_each])


def test_openapi_selection_and_refusals(tmp_path):
    petstore = OAS / "3.0/yaml/petstore.yaml"
    run = mcpgen("import", "--openapi", str(petstore), "--include", "tag:store", "--exclude", "op:deleteOrder", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    spec = (tmp_path / "specs" / "swagger-petstore.yaml").read_text()
    assert "  place_order:\n" in spec and "  get_inventory:\n" in spec
    assert "delete_order" not in spec and "add_pet" not in spec
    run = mcpgen("import", "--openapi", str(petstore), "--include", "store", "-o", "x.yaml", cwd=tmp_path)
    assert run.returncode == 2 and "`store` is not a selection rule" in run.stderr
    run = mcpgen("import", "--openapi", str(OAS / "2.0/json/petstore.json"), "-o", "y.yaml", cwd=tmp_path)
    assert run.returncode == 2 and "Swagger 2.0" in run.stderr


# --proxy: a real HTTP API on loopback (FastAPI, which publishes its own OpenAPI document).


def test_openapi_proxy_calls_every_tool_through_the_generated_server(tmp_path):
    port = free_port()
    log = tmp_path / "api.log"
    with log.open("w") as errlog:
        api = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "upstream_api:app", "--port", str(port)],
            cwd=Path(__file__).parent,
            stdout=subprocess.DEVNULL,
            stderr=errlog,
        )
        try:
            document = tmp_path / "inventory.json"
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=1) as answer:
                        document.write_bytes(answer.read())
                    break
                except OSError:
                    assert api.poll() is None and time.monotonic() < deadline, log.read_text()
                    time.sleep(0.1)
            run = mcpgen("import", "--name", "inventory", "--proxy", "--openapi", str(document), cwd=tmp_path)
            assert run.returncode == 0, run.stderr
            spec = tmp_path / "specs" / "inventory.yaml"
            assert "base_url_env: INVENTORY_BASE_URL" in spec.read_text()
            assert mcpgen("check", str(spec), cwd=tmp_path).returncode == 0
            new = mcpgen("new", "inventory", "--path", "crate", "--from", str(spec), cwd=tmp_path)
            assert new.returncode == 0, new.stderr
            cargo_build(tmp_path / "crate")
            binary = str(TARGET / "debug" / "inventory")
            base = {"INVENTORY_BASE_URL": f"http://127.0.0.1:{port}", "PATH": os.environ["PATH"]}
            results = {}

            async def call_each(session):
                await session.initialize()
                listed = [t.name for t in (await session.list_tools()).tools]
                assert sorted(listed) == ["create_item", "delete_item", "get_item", "get_stock_report", "list_items"]
                for key, tool, args in [
                    ("get", "get_item", {"item_id": 1}),
                    ("missing", "get_item", {"item_id": 99}),
                    ("list", "list_items", {"name": "ham"}),
                    ("create", "create_item", {"name": "saw", "quantity": 2}),
                    ("taken", "create_item", {"name": "hammer", "quantity": 1}),
                    ("delete", "delete_item", {"item_id": 2}),
                    ("limited", "get_stock_report", {}),
                ]:
                    results[key] = await session.call_tool(tool, args)

            drive_stdio([binary, "serve", "--stdio"], tmp_path / "proxy.log", [call_each],
                        env={**base, "INVENTORY_APIKEYHEADER": "test-key-1"})  # fmt: skip
            assert results["get"].structured_content == {"id": 1, "name": "hammer", "quantity": 3}
            assert results["list"].structured_content == {"result": [{"id": 1, "name": "hammer", "quantity": 3}]}
            assert results["create"].structured_content == {"id": 2, "name": "saw", "quantity": 2}
            assert results["delete"].is_error is False
            missing = error_object(results["missing"])
            assert missing["code"] == "upstream_not_found"
            assert missing["message"] == "The API found nothing there (no item 99): check `item_id`."
            taken = error_object(results["taken"])
            assert taken["code"] == "upstream_invalid_arguments"
            assert "`name`: an item of that name exists" in taken["message"]
            limited = error_object(results["limited"])
            assert (limited["code"], limited["retryable"]) == ("upstream_rate_limited", True)
            assert "call again in 2000 ms" in limited["message"]

            # Without the API's key, and with the API gone: what to check, and retry later.
            async def get_one(session):
                await session.initialize()
                results["now"] = await session.call_tool("get_item", {"item_id": 1})

            drive_stdio([binary, "serve", "--stdio"], tmp_path / "nokey.log", [get_one], env=base)
            unauthorized = error_object(results["now"])
            assert unauthorized["code"] == "upstream_unauthorized"
            assert "INVENTORY_APIKEYHEADER" in unauthorized["message"]
        finally:
            api.terminate()
            api.wait(timeout=10)
    drive_stdio([binary, "serve", "--stdio"], tmp_path / "gone.log", [get_one],
                env={**base, "INVENTORY_APIKEYHEADER": "test-key-1"})  # fmt: skip
    gone = error_object(results["now"])
    assert (gone["code"], gone["retryable"]) == ("upstream_unavailable", True)
