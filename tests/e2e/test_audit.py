"""The audit trail: one row per request in the server's store, refused ones included,
read back with the generated binary's own `audit query --json` and `audit stats --json`.

A server generated from specs/issue_tracker.yaml (bearer auth, scopes, rate limits, a
`pii: true` argument) with tests/e2e/tracker_server/handlers.rs is driven by the
official Python SDK client over stdio and Streamable HTTP, in both protocol revisions,
through a scripted session: successes, a declared error, invalid arguments, a
rate-limited call, a panic in a handler, a forbidden and an unauthenticated call, and
over HTTP a 406 from a browser. A distinctive value planted in the PII argument must
appear nowhere the server wrote: its log, its store (with the WAL) and its answers.

The scaffolded weather server (no auth) shows that a store that cannot be written
changes no answer, and that the dropped rows are reported."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError

from mcp_servers import drive_http, drive_stdio, http_server, post, start
from test_auth import ADMIN, SERVER_ENV, TRIAGE, tracker_bin  # noqa: F401 (the fixture)

pytestmark = pytest.mark.timeout(900)

REVISIONS = ["2025-11-25", "2026-07-28"]
TRANSPORTS = ["stdio", "http"]
CANARY = "pii-canary-7f3a9c"
AUDIT_KEY = "an audit key of the tests, 32 characters or more"

# The admin's calls: (tool, arguments, the outcome of its audit row).
ADMIN_SCRIPT = [
    ("search_issues", {"query": "printer"}, "ok"),
    ("list_labels", {}, "ok"),
    (
        "create_issue",
        {"title": "Printer on fire", "body": "Smoke.", "labels": ["nope"], "reporter_email": f"{CANARY}@example.com"},
        "tool_error",
    ),
    ("create_issue", {"title": "x", "body": "Smoke.", "reporter_email": [f"{CANARY}-in-a-list"]}, "invalid_arguments"),
    ("create_issue", {"title": "Printer on fire", "body": "Smoke.", "labels": ["nope"]}, "tool_error"),
    # `rate_limit: 10/min burst 3`: the fourth call in a row is refused.
    ("create_issue", {"title": "Printer on fire", "body": "Smoke.", "labels": ["nope"]}, "rate_limited"),
    ("close_issue", {"issue_id": 1, "resolution": "fixed", "comment": "panic"}, "internal_error"),
]
DELETE = ("delete_issue", {"issue_id": 7, "confirm_title": "Crash"})


def audit(binary: str, data: Path, *args: str):
    """`issue_tracker audit ARGS --json` on `data`, parsed."""
    done = subprocess.run(
        [binary, "audit", *args, "--json", "--data-dir", str(data)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def calls(answers: list[str]):
    """Session steps: the admin's script, each answer (or error) kept as text."""

    async def steps(session: ClientSession) -> None:
        for tool, arguments, _ in ADMIN_SCRIPT:
            try:
                answers.append(str(await session.call_tool(tool, arguments)))
            except MCPError as error:
                answers.append(str(error.error))

    return steps


def refused(answers: list[str]):
    async def steps(session: ClientSession) -> None:
        try:
            answers.append(str(await session.call_tool(*DELETE)))
        except MCPError as error:
            answers.append(str(error.error))

    return steps


def run_session(binary: str, tmp_path: Path, transport: str, revision: str) -> tuple[Path, list[str], list[Path]]:
    """The scripted session on a fresh data directory: (the data directory, every
    answer, the server logs)."""
    data = tmp_path / "data"
    env = {**SERVER_ENV, "MCPGEN_DATA_DIR": str(data), "MCPGEN_AUDIT_KEY": AUDIT_KEY}
    answers: list[str] = []
    opening = [lambda s: start(s, revision)]
    logs = []
    if transport == "stdio":
        for who, token, steps in (("admin", ADMIN, calls), ("triage", TRIAGE, refused), ("nobody", None, refused)):
            log = tmp_path / f"stdio-{who}.log"
            logs.append(log)
            server_env = dict(env, **({"ISSUE_TRACKER_TOKEN": token} if token else {}))
            drive_stdio([binary, "serve", "--stdio"], log, [*opening, steps(answers)], env=server_env)
        return data, answers, logs
    log = tmp_path / "http.log"
    logs.append(log)
    with http_server([binary, "serve", "--http"], log, env=env) as server:
        url = f"http://{server[0]}:{server[1]}/mcp"
        for token, steps in ((ADMIN, calls), (TRIAGE, refused), (None, refused)):
            headers = {"Authorization": f"Bearer {token}"} if token else None
            drive_http(url, [*opening, steps(answers)], headers=headers)
        # A browser that opens the endpoint: 406, it does not accept JSON or SSE.
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        browser = {"Accept": "text/html", "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}
        status, _, answer = post(server, body, browser)
        assert status == 406, answer
        answers.append(answer.decode())
    return data, answers, logs


@pytest.mark.parametrize("revision", REVISIONS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_scripted_session_leaves_exactly_its_rows(tracker_bin, tmp_path, transport, revision):  # noqa: F811
    data, answers, logs = run_session(tracker_bin, tmp_path, transport, revision)
    rows = audit(tracker_bin, data, "query", "--limit", "1000")

    tool_rows = [(r["target"], r["outcome"], r["subject"]) for r in rows if r["method"] == "tools/call"]
    expected = [(tool, outcome, "admin") for tool, _, outcome in ADMIN_SCRIPT]
    expected += [("delete_issue", "forbidden", "triage-bot"), ("delete_issue", "unauthenticated", None)]
    assert tool_rows == expected, tool_rows

    kind = "mcp_stdio" if transport == "stdio" else "mcp_http"
    opening = "initialize" if revision == "2025-11-25" else "server/discover"
    assert sum(r["method"] == opening for r in rows) == 3, [r["method"] for r in rows]
    for row in rows:
        if row["method"] == "tools/call" or row["method"] == opening:
            assert row["client_kind"] == kind and row["transport"] == transport, row
            assert row["protocol"] == revision, row
            # Over HTTP the gate refuses before the session says who the client is.
            if transport == "stdio" or row["outcome"] not in ("forbidden", "unauthenticated"):
                assert row["client_name"] == "mcp", row
            assert row["latency_us"] > 0 and row["trace_id"] is None, row
    admin_calls = [r for r in rows if r["method"] == "tools/call" and r["subject"] == "admin"]
    assert all(r["auth_method"] == "static_token" for r in admin_calls), admin_calls
    # The summary: values cut to audit.max_value_chars, the PII argument as a keyed hash.
    first = admin_calls[2]["arguments"]
    assert first["title"] == "Printer on fire" and first["labels"] == ["nope"], first
    assert first["reporter_email"].startswith("hmac-sha256:"), first
    assert admin_calls[3]["arguments"]["reporter_email"].startswith("hmac-sha256:")
    assert admin_calls[3]["arguments"]["reporter_email"] != first["reporter_email"]
    assert "panic" in (admin_calls[6]["detail"] or ""), admin_calls[6]
    if transport == "http":
        assert all(r["http_status"] for r in rows), rows
        browser = rows[-1]
        assert (browser["http_status"], browser["outcome"], browser["client_kind"]) == (406, "protocol_error", "browser")
        forbidden = [r for r in rows if r["outcome"] == "forbidden"]
        assert forbidden[0]["http_status"] == 403, forbidden

    # Filters: by tool, outcome and subject.
    errors = audit(tracker_bin, data, "query", "--tool", "create_issue", "--outcome", "tool_error", "--since", "1h")
    assert [r["outcome"] for r in errors] == ["tool_error", "tool_error"], errors
    triage = audit(tracker_bin, data, "query", "--subject", "triage-bot")
    assert [r["target"] for r in triage if r["method"] == "tools/call"] == ["delete_issue"], triage
    assert {r["subject"] for r in triage} == {"triage-bot"}, triage
    assert len(audit(tracker_bin, data, "query", "--limit", "2")) == 2

    # Stats: errors are the calls that failed once admitted; refusals are counted apart.
    stats = {(s["method"], s["target"]): s for s in audit(tracker_bin, data, "stats", "--since", "1h")}
    create = stats[("tools/call", "create_issue")]
    assert (create["calls"], create["errors"], create["refusals"]) == (4, 3, {"rate_limited": 1}), create
    assert create["error_rate"] == 0.75
    delete = stats[("tools/call", "delete_issue")]
    assert (delete["calls"], delete["error_rate"]) == (2, 0), delete
    assert delete["refusals"] == {"forbidden": 1, "unauthenticated": 1}, delete
    assert stats[("tools/call", "close_issue")]["error_rate"] == 1
    assert stats[("tools/call", "search_issues")]["error_rate"] == 0
    assert stats[("tools/call", "search_issues")]["p99_ms"] >= stats[("tools/call", "search_issues")]["p50_ms"] > 0

    # The planted value is nowhere the server wrote: log, store, WAL, answers.
    written = b"".join(path.read_bytes() for path in logs)
    written += b"".join(path.read_bytes() for path in sorted(data.iterdir()) if path.is_file())
    written += "\n".join(answers).encode()
    assert CANARY.encode() not in written
    # ... while the answer to the invalid call still says what is wrong with it.
    assert "reporter_email" in answers[3] and "marked PII" in answers[3], answers[3]


def test_tail_prints_the_last_rows(tracker_bin, tmp_path):  # noqa: F811
    data, _, _ = run_session(tracker_bin, tmp_path, "stdio", "2025-11-25")
    done = subprocess.run(
        [tracker_bin, "audit", "tail", "-n", "3", "--data-dir", str(data)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 3, lines
    assert "unauthenticated" in lines[-1] and "tools/call delete_issue" in lines[-1], lines
    assert "kind=mcp_stdio" in lines[-1], lines


@pytest.fixture()
def unwritable_store(weather_bin, tmp_path) -> Path:
    """A data directory whose store cannot be written. A read-only file does it for a
    normal user; root writes through file permissions, so there the WAL's path is taken
    by a directory, which SQLite cannot open either."""
    data = tmp_path / "unwritable"
    subprocess.run([weather_bin, "audit", "tail", "--data-dir", str(data)], check=True, timeout=60, capture_output=True)
    store = data / "store.sqlite3"
    for suffix in ("-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    if os.geteuid() != 0:
        store.chmod(0o444)
    else:
        Path(f"{store}-wal").mkdir()
    return data


def weather_answers(binary: str, data: Path, log: Path) -> list[str]:
    """The same calls on the weather server with its store in `data`: every answer."""
    answers: list[str] = []

    async def steps(session: ClientSession) -> None:
        await session.initialize()
        tools = await session.list_tools()
        answers.append(json.dumps(sorted(t.name for t in tools.tools)))
        for arguments in ({"city": "Zurich"}, {"city": "Atlantis"}, {"city": 5}):
            result = await session.call_tool("get_forecast", arguments)
            answers.append(json.dumps([c.model_dump() for c in result.content]) + str(result.is_error))

    with http_server([binary, "serve", "--http"], log, env={"MCPGEN_DATA_DIR": str(data)}) as (host, port):
        drive_http(f"http://{host}:{port}/mcp", [steps])
    return answers


def test_an_unwritable_store_changes_no_answer_and_the_drops_are_reported(weather_bin, tmp_path, unwritable_store):
    writable = weather_answers(weather_bin, tmp_path / "writable", tmp_path / "writable.log")
    unwritable = weather_answers(weather_bin, unwritable_store, tmp_path / "unwritable.log")
    assert unwritable == writable
    assert len(audit(weather_bin, tmp_path / "writable", "query")) >= 5

    log = (tmp_path / "unwritable.log").read_text()
    drops = [line for line in log.splitlines() if "audit rows dropped" in line]
    assert drops, log[-3000:]
    # Every request was served and counted: initialize, tools/list, three calls.
    total = int(drops[-1].split("dropped_total=")[1].split()[0])
    assert total >= 5, drops
    assert "audit rows dropped" not in (tmp_path / "writable.log").read_text()
