"""Auth, decided the same on every transport and revision: a server generated from
specs/issue_tracker.yaml (bearer mode, static tokens from the environment), driven by
the official Python SDK client over stdio and Streamable HTTP in both protocol
revisions, for each kind of credential. Every cell of the matrix must come to the same
outcome; on HTTP the status and `WWW-Authenticate` challenge are checked too.

Managed tokens are created and revoked with the generated binary's own `token`
commands, in a data directory of the test's.

The server is scaffolded with `mcpgen new`, its spec and handlers replaced by
specs/issue_tracker.yaml and tests/e2e/tracker_server/handlers.rs (which answer with who
called)."""

from __future__ import annotations

import subprocess
import time
import json
from pathlib import Path

import pytest
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError

from mcp_servers import (
    ROOT,
    drive_http,
    drive_stdio,
    http_server,
    outcome_of,
    post,
    scaffolded_server,
    start,
)

pytestmark = pytest.mark.timeout(900)

HERE = Path(__file__).resolve().parent
REVISIONS = ["2025-11-25", "2026-07-28"]
TRANSPORTS = ["stdio", "http"]

TRIAGE = "triage-0123456789abcdef0123456789abcdef"
ADMIN = "admin-0123456789abcdef0123456789abcdef"
SERVER_ENV = {"TRIAGE_BOT_TOKEN": TRIAGE, "ADMIN_TOKEN": ADMIN}

# credential case -> (the token sent: a literal, a managed token made by `managed`, or
# None; what a call of delete_issue comes to)
CASES = {
    "no_credential": (None, "unauthenticated:missing"),
    "malformed": ("not a token", "unauthenticated:malformed"),
    "bad_checksum": ("mcpgen_" + "x" * 49, "unauthenticated:malformed"),
    "unknown": ("managed:unknown", "unauthenticated:unknown"),
    "expired": ("managed:expired", "unauthenticated:expired"),
    "revoked": ("managed:revoked", "unauthenticated:revoked"),
    "missing_scope": (TRIAGE, "forbidden"),
    "right_scope": (ADMIN, "ok:admin (static_token)"),
    "managed_right_scope": ("managed:carol", "ok:carol (managed_token)"),
}


def token_command(binary: str, data_dir: Path, *args: str) -> str:
    """Runs `issue_tracker token ARGS` on `data_dir`; its standard output."""
    done = subprocess.run(
        [binary, "token", *args, "--data-dir", str(data_dir)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def managed(binary: str, data_dir: Path, kind: str) -> str:
    """A managed token for case `kind`: carol's with every scope, or one that expired,
    was revoked, or was made by another server (another data directory)."""
    scopes = "issues_read,issues_write,issues_admin"
    if kind == "unknown":
        return token_command(binary, data_dir.parent / "elsewhere", "create", "--subject", "eve", "--scopes", scopes)
    if kind == "expired":
        token = token_command(binary, data_dir, "create", "--subject", "dave", "--scopes", scopes, "--expires-in", "1s")
        time.sleep(1.5)
        return token
    token = token_command(binary, data_dir, "create", "--subject", "carol", "--scopes", scopes)
    if kind == "revoked":
        listed = token_command(binary, data_dir, "list", "--json")
        token_command(binary, data_dir, "revoke", json.loads(listed)[-1]["id"])
    return token


@pytest.fixture(scope="session")
def tracker_bin(tmp_path_factory) -> str:
    """`mcpgen new issue_tracker` with the spec under specs/ and the test handlers."""
    return scaffolded_server(
        tmp_path_factory.mktemp("tracker"),
        "issue_tracker",
        (ROOT / "specs/issue_tracker.yaml").read_text(),
        HERE / "tracker_server/handlers.rs",
        copy_to=tmp_path_factory.mktemp("bin"),
    )


def run(transport: str, binary: str, tmp_path: Path, token: str | None, steps: list) -> None:
    """Drives a fresh server (its data directory under `tmp_path`) with `token` as the
    client's credential."""
    server_env = {**SERVER_ENV, "MCPGEN_DATA_DIR": str(tmp_path / "data")}
    if transport == "stdio":
        env = dict(server_env)
        if token is not None:
            env["ISSUE_TRACKER_TOKEN"] = token
        drive_stdio([binary, "serve", "--stdio"], tmp_path / "stdio.log", steps, env=env)
        return
    headers = {"Authorization": f"Bearer {token}"} if token is not None else None
    with http_server([binary, "serve", "--http"], tmp_path / "http.log", env=server_env) as (host, port):
        drive_http(f"http://{host}:{port}/mcp", steps, headers=headers)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("revision", REVISIONS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_matrix(tracker_bin, tmp_path, transport, revision, case):
    """Each cell: discovery answers (public by default), `delete_issue` comes to the
    case's outcome, and the anonymous-allowed `list_labels` answers every caller
    that sends no credential or a valid one."""
    token, expected = CASES[case]
    if token and token.startswith("managed:"):
        token = managed(tracker_bin, tmp_path / "data", token.removeprefix("managed:"))
    seen: dict[str, str] = {}

    async def scenario(session: ClientSession) -> None:
        await start(session, revision)
        tools = await session.list_tools()
        assert "delete_issue" in {t.name for t in tools.tools}
        try:
            result = await session.call_tool("delete_issue", {"issue_id": 7, "confirm_title": "Crash"})
            assert result.is_error is not True, result
            text = result.content[0].text
            seen["delete"] = "ok:" + text.removeprefix("deleted 7 for ")
        except MCPError as error:
            seen["delete"] = outcome_of(error)
            # Refusals never repeat the credential.
            if token:
                assert token not in str(error.error), error.error
        try:
            labels = await session.call_tool("list_labels", {})
            seen["labels"] = labels.structured_content["labels"][0]["description"]
            seen["label_count"] = len(labels.structured_content["labels"])
            seen["degraded"] = (labels.meta or {}).get("mcpgen/degraded")
        except MCPError as error:
            seen["labels"] = outcome_of(error)

    run(transport, tracker_bin, tmp_path, token, [lambda s: scenario(s)])
    assert seen["delete"] == expected, seen
    if case == "no_credential":
        assert seen["labels"] == "Something is broken (asked by anonymous (anonymous)).", seen
        # The reduced answer says it is reduced, and why.
        assert seen["label_count"] == 1 and seen["degraded"] == {"reason": "anonymous_caller"}, seen
    elif expected.startswith("unauthenticated"):
        # A bad credential is refused even where none is needed: never anonymous.
        assert seen["labels"] == expected, seen
    else:
        assert "_token)" in seen["labels"], seen
        assert seen["label_count"] == 2 and seen["degraded"] is None, seen


@pytest.mark.parametrize("revision", REVISIONS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_token_revoked_while_the_server_runs_stops_at_its_next_request(tracker_bin, tmp_path, transport, revision):
    data = tmp_path / "data"
    token = managed(tracker_bin, data, "carol")
    outcomes: list[str] = []

    async def call(session: ClientSession) -> None:
        try:
            result = await session.call_tool("delete_issue", {"issue_id": 7, "confirm_title": "Crash"})
            outcomes.append("ok" if result.is_error is not True else "tool error")
        except MCPError as error:
            outcomes.append(outcome_of(error))

    async def revoke(_session: ClientSession) -> None:
        listed = json.loads(token_command(tracker_bin, data, "list", "--json"))
        token_command(tracker_bin, data, "revoke", listed[0]["id"])

    run(transport, tracker_bin, tmp_path, token, [lambda s: start(s, revision), call, revoke, call])
    assert outcomes == ["ok", "unauthenticated:revoked"], outcomes
    listed = json.loads(token_command(tracker_bin, data, "list", "--json"))
    assert listed[0]["subject"] == "carol" and listed[0]["revoked_at"], listed
    assert token not in json.dumps(listed), "the token itself is never listed"


def test_http_challenges(tracker_bin, tmp_path):
    """401 and 403 carry the RFC 6750 challenge with the target's scopes; tokens in the
    query string are refused."""
    call = {
        "jsonrpc": "2.0",
        "id": 5,
        "method": "tools/call",
        "params": {
            "name": "delete_issue",
            "arguments": {"issue_id": 7, "confirm_title": "Crash"},
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {},
            },
        },
    }
    modern = {"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "delete_issue"}
    with http_server([tracker_bin, "serve", "--http"], tmp_path / "http.log", env=SERVER_ENV) as server:
        status, headers, body = post(server, call, modern)
        assert status == 401, body
        assert headers["www-authenticate"] == 'Bearer scope="issues_admin"', headers
        assert b'"id":5' in body, body

        status, headers, _ = post(server, call, {**modern, "Authorization": "Bearer wrong"})
        assert status == 401
        challenge = headers["www-authenticate"]
        assert challenge.startswith('Bearer scope="issues_admin", error="invalid_token", error_description="'), headers

        status, headers, _ = post(server, call, {**modern, "Authorization": f"Bearer {TRIAGE}"})
        assert status == 403
        assert headers["www-authenticate"].startswith('Bearer error="insufficient_scope", scope="issues_admin"'), headers

        status, headers, body = post(server, call, modern, path=f"/mcp?access_token={ADMIN}")
        assert status == 401, body
        assert 'error="invalid_token"' in headers["www-authenticate"], headers
        assert ADMIN.encode() not in body

        # The gate judges a 2026-07-28 request by its headers; headers that name another
        # target than the body never open the body's target.
        for disguise, token in (("list_labels", None), ("close_issue", TRIAGE)):
            lying = {**modern, "Mcp-Name": disguise}
            if token:
                lying["Authorization"] = f"Bearer {token}"
            status, _, body = post(server, call, lying)
            answer = json.loads(body)
            assert "error" in answer and "result" not in answer, (disguise, status, body)
            assert status in (400, 403) or answer["error"]["code"] == -32043, (disguise, status, body)

    log = (tmp_path / "http.log").read_text()
    for secret in (TRIAGE, ADMIN):
        assert secret not in log, "a token reached the log"
    # The record names who was refused, never with what.
    assert 'outcome="forbidden" method="tools/call" name="delete_issue" subject="triage-bot" auth="static_token"' in log, log[-2000:]
