"""Guardrails of a generated server, driven by the official MCP Python SDK over stdio and
Streamable HTTP: each guardrail fires with its exact refusal shape on both transports;
concurrent calls never get past a budget, with the budgets in memory and in a real
Redis server on loopback (two server instances sharing one budget); the circuit breaker
opens, half-opens and closes; HTTP flood protection answers 429 before parsing.

The server is scaffolded with `mcpgen new`, its spec and handlers replaced by
tests/e2e/guard_server/ (one tool per guardrail, small limits, short windows).
A stdio run is a new server process (fresh budgets); over HTTP one server serves a
whole test and each client claims its own address with `X-Forwarded-For` (the spec
trusts one proxy hop), so the tests' agents do not share budgets by accident."""

from __future__ import annotations

import contextlib
import http.client
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from mcp.client.session import ClientSession

from mcp_servers import (
    drive_http,
    drive_stdio,
    error_object,
    free_port,
    http_server,
    redis_server,
    scaffolded_server,
)

pytestmark = pytest.mark.timeout(900)

HERE = Path(__file__).resolve().parent
TRANSPORTS = ["stdio", "http"]


class Between:
    """Equal to any integer in [low, high]: for `retry_after_ms`, which depends on timing."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def __eq__(self, other: object) -> bool:
        return isinstance(other, int) and not isinstance(other, bool) and self.low <= other <= self.high

    def __repr__(self) -> str:
        return f"Between({self.low}, {self.high})"


def assert_refusal(result, code: str, retryable: bool, **fields) -> None:
    """An `isError: true` result whose structuredContent is exactly
    {"status": "error", "code": code, **fields, "retryable": ..., "message": <the text>}."""
    assert result.is_error is True, result
    text = result.content[0].text
    expected = {"status": "error", "code": code, **fields, "retryable": retryable, "message": text}
    got = error_object(result)
    assert expected == got
    assert list(got) == list(expected), "keys in the documented order"
    if "retry_after_ms" in fields:
        ms = got["retry_after_ms"]
        assert f"retry_after_ms: {ms}" in text and "Retry in" in text, text


def ok(result) -> bool:
    return result.is_error is not True


def code_of(result) -> str:
    return "ok" if ok(result) else error_object(result)["code"]


async def concurrently(calls) -> list:
    """Runs the zero-argument coroutine functions `calls` at once; their results in order."""
    results: list = [None] * len(calls)

    async def run(i, call):
        results[i] = await call()

    async with anyio.create_task_group() as tg:
        for i, call in enumerate(calls):
            tg.start_soon(run, i, call)
    return results


# ---- the server ----


@pytest.fixture(scope="session")
def guard_bin(tmp_path_factory) -> str:
    """`mcpgen new guard_server` with the test spec and handlers, generated and built once."""
    return scaffolded_server(
        tmp_path_factory.mktemp("guard"),
        "guard_server",
        (HERE / "guard_server/guard_server.yaml").read_text(),
        HERE / "guard_server/handlers.rs",
        manifest_edit=lambda manifest: manifest.replace(
            "[dependencies]\n", '[dependencies]\ntokio = { version = "1", features = ["time"] }\n', 1
        )
        # The Redis backend is tested here (below).
        .replace("mcpgen-runtime = { ", 'mcpgen-runtime = { features = ["redis"], ', 1),
    )


class Server:
    """One guard_server: `run(*steps, agent=...)` drives it with a new SDK session."""

    def __init__(self, transport: str, binary: str, log_dir: Path, env: dict[str, str]) -> None:
        self.transport, self.binary, self.log_dir, self.env = transport, binary, log_dir, env
        self.url = ""
        self.runs = 0

    def logs(self) -> str:
        """Everything the server processes wrote to stderr so far."""
        return "".join(p.read_text() for p in sorted(self.log_dir.rglob("*.log")))

    def run(self, *steps, agent: str = "203.0.113.1") -> None:
        """A new session runs `steps`. Over stdio it starts with `initialize` (2025-11-25),
        over HTTP with `server/discover` (2026-07-28, stateless): both revisions are guarded."""

        async def start(s: ClientSession) -> None:
            if self.transport == "stdio":
                await s.initialize()
            else:
                await s.discover()

        steps = (start, *steps)
        if self.transport == "stdio":
            self.runs += 1
            log = self.log_dir / f"stdio-{self.runs}-{free_port()}.log"
            drive_stdio([self.binary, "serve", "--stdio"], log, list(steps), env=self.env)
        else:
            drive_http(self.url, list(steps), headers={"X-Forwarded-For": agent})


@contextlib.contextmanager
def serve(transport: str, binary: str, log_dir: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    env = {"RUST_LOG": "info", **(env or {})}
    log_dir.mkdir(parents=True, exist_ok=True)
    server = Server(transport, binary, log_dir, env)
    if transport == "stdio":
        yield server
        return
    with http_server([binary, "serve", "--http"], log_dir / f"http-{free_port()}.log", env=env) as (host, port):
        server.url = f"http://{host}:{port}/mcp"
        server.host, server.port = host, port
        yield server


@pytest.fixture(params=TRANSPORTS)
def server(request, guard_bin, tmp_path) -> Iterator[Server]:
    with serve(request.param, guard_bin, tmp_path, env={"REDIS_URL": ""}) as s:
        yield s


# ---- each guardrail, on both transports ----


def test_a_shared_tool_budget_refuses_with_the_exact_shape(server):
    async def steps(s: ClientSession):
        for n in range(10):
            result = await s.call_tool("get_shared_item", {"number": n})
            assert ok(result) and result.structured_content == {"number": n}
        result = await s.call_tool("get_shared_item", {"number": 10})
        # 10/h: the next call is due 6 minutes after the first.
        assert_refusal(result, "rate_limited", True, scope="tool", limit="10/h", retry_after_ms=Between(340_000, 360_000))
        assert "shared by all callers" in result.content[0].text
        assert "The call was not run" in result.content[0].text

    server.run(steps)
    if server.transport == "http":

        async def other_agent(s: ClientSession):
            result = await s.call_tool("get_shared_item", {"number": 0})
            assert_refusal(result, "rate_limited", True, scope="tool", limit="10/h", retry_after_ms=Between(1, 360_000))

        server.run(other_agent, agent="203.0.113.2")


def test_an_agent_budget_counts_every_tool_of_one_agent(server):
    async def steps(s: ClientSession):
        for n in range(40):
            result = await s.call_tool("echo", {"text": f"call {n}"})
            assert ok(result), result
        result = await s.call_tool("get_fast_item", {"number": 1})
        assert_refusal(result, "rate_limited", True, scope="agent", limit="40/h", retry_after_ms=Between(80_000, 90_000))
        assert "all tools together" in result.content[0].text

    server.run(steps, agent="198.51.100.1")
    if server.transport == "http":

        async def other_agent(s: ClientSession):
            assert ok(await s.call_tool("echo", {"text": "another agent has its own budget"}))

        server.run(other_agent, agent="198.51.100.2")
        # The client's own entries left of the trusted hop are ignored: same agent.
        async def forged(s: ClientSession):
            result = await s.call_tool("echo", {"text": "forged"})
            assert_refusal(result, "rate_limited", True, scope="agent", limit="40/h", retry_after_ms=Between(1, 90_000))

        server.run(forged, agent="192.0.2.99, 198.51.100.1")


def test_a_per_agent_tool_budget_leaves_other_tools_callable(server):
    async def steps(s: ClientSession):
        for n in range(3):
            assert ok(await s.call_tool("get_personal_item", {"number": n}))
        result = await s.call_tool("get_personal_item", {"number": 3})
        assert_refusal(
            result, "rate_limited", True, scope="agent_tool", limit="3/h", retry_after_ms=Between(1_100_000, 1_200_000)
        )
        assert "other tools may still be called" in result.content[0].text
        assert ok(await s.call_tool("echo", {"text": "still fine"}))

    server.run(steps, agent="198.51.100.10")
    if server.transport == "http":

        async def other_agent(s: ClientSession):
            for n in range(3):
                assert ok(await s.call_tool("get_personal_item", {"number": n}))

        server.run(other_agent, agent="198.51.100.11")


def test_retrying_after_retry_after_ms_succeeds(server):
    async def steps(s: ClientSession):
        assert ok(await s.call_tool("get_fast_item", {"number": 1}))
        assert ok(await s.call_tool("get_fast_item", {"number": 2}))
        result = await s.call_tool("get_fast_item", {"number": 3})
        assert_refusal(result, "rate_limited", True, scope="tool", limit="2/s", retry_after_ms=Between(1, 500))
        await anyio.sleep(error_object(result)["retry_after_ms"] / 1000 + 0.02)
        assert ok(await s.call_tool("get_fast_item", {"number": 3}))

    server.run(steps)


def test_a_disabled_tool_says_not_to_retry(server):
    async def steps(s: ClientSession):
        result = await s.call_tool("run_retired_job", {})
        assert_refusal(result, "tool_disabled", False)
        assert "Do not retry" in result.content[0].text

    server.run(steps)


def test_tools_disabled_by_the_environment(guard_bin, tmp_path):
    with serve("stdio", guard_bin, tmp_path, env={"REDIS_URL": "", "MCPGEN_DISABLED_TOOLS": "echo, wait"}) as server:

        async def steps(s: ClientSession):
            for tool, args in [("echo", {"text": "hi"}), ("wait", {"duration_ms": 1})]:
                assert_refusal(await s.call_tool(tool, args), "tool_disabled", False)
            assert ok(await s.call_tool("get_fast_item", {"number": 1}))

        server.run(steps)
    # A name that is not a tool stops the server at start-up, saying which tools there are.
    out = subprocess.run(
        [guard_bin, "serve", "--stdio"],
        env={"PATH": "/usr/bin:/bin", "MCPGEN_DISABLED_TOOLS": "ecko"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 1
    assert "MCPGEN_DISABLED_TOOLS names `ecko`, which is not a tool of this server" in out.stderr


def test_a_timeout_names_the_limit(server):
    async def steps(s: ClientSession):
        started = time.monotonic()
        result = await s.call_tool("wait_briefly", {"duration_ms": 3000})
        assert time.monotonic() - started < 2
        assert result.is_error is True
        text = result.content[0].text
        assert error_object(result) == {
            "status": "error",
            "code": "timeout",
            "message": text,
            "retryable": True,
            "limit_ms": 200,
        }
        assert "time limit of 200 ms" in text
        assert ok(await s.call_tool("wait_briefly", {"duration_ms": 10}))

    server.run(steps)


def test_response_size_caps_refuse_or_truncate_as_declared(server):
    alphabet = "abcdefghijklmnopqrstuvwxyz"
    expected = "".join(alphabet[i % 26] for i in range(5000))

    async def steps(s: ClientSession):
        result = await s.call_tool("make_text", {"size_bytes": 100})
        assert ok(result) and result.content[0].text == expected[:100]
        result = await s.call_tool("make_text", {"size_bytes": 5000})
        assert_refusal(result, "response_too_large", False, limit_bytes=2048, size_bytes=Between(5000, 5300))
        assert "over this tool's limit of 2048 bytes" in result.content[0].text
        result = await s.call_tool("make_long_text", {"size_bytes": 5000})
        assert_refusal(result, "response_truncated", False, limit_bytes=2048, size_bytes=Between(5000, 5300), kept_bytes=1024)
        assert result.content[0].text.startswith("TRUNCATED:")
        assert result.content[1].text == expected[:1024]

    server.run(steps)


def test_concurrency_caps_refuse_as_overloaded(server):
    async def steps(s: ClientSession):
        results = await concurrently([lambda: s.call_tool("wait_capped", {"duration_ms": 800})] * 3)
        assert sorted(map(code_of, results)) == ["ok", "ok", "overloaded"]
        refused = next(r for r in results if not ok(r))
        assert_refusal(refused, "overloaded", True, scope="tool", limit=2, retry_after_ms=Between(50, 10_000))
        assert "already has 2 calls in progress" in refused.content[0].text

        results = await concurrently([lambda: s.call_tool("wait", {"duration_ms": 800})] * 8)
        assert sorted(map(code_of, results)) == ["ok"] * 6 + ["overloaded"] * 2
        refused = next(r for r in results if not ok(r))
        assert_refusal(refused, "overloaded", True, scope="server", limit=6, retry_after_ms=Between(50, 10_000))

    server.run(steps)


def test_the_circuit_breaker_opens_half_opens_and_closes(server):
    async def fail(s):
        return await s.call_tool("call_upstream", {"fail": True})

    async def succeed(s, delay_ms: int = 0):
        return await s.call_tool("call_upstream", {"fail": False, "delay_ms": delay_ms})

    async def steps(s: ClientSession):
        # Three failures within the window open it (declared errors marked retryable count).
        for _ in range(3):
            assert code_of(await fail(s)) == "upstream_unavailable"
        result = await succeed(s)
        assert_refusal(result, "circuit_open", True, state="open", retry_after_ms=Between(1, 400))
        assert "failing repeatedly (3 failures within 10.0 s)" in result.content[0].text

        # After the cooldown a trial call runs; it fails, so the breaker opens again.
        await anyio.sleep(0.45)
        assert code_of(await fail(s)) == "upstream_unavailable"
        assert code_of(await succeed(s)) == "circuit_open"

        # Half-open: two trials at once (two successes close it); a third is refused.
        await anyio.sleep(0.45)
        results = await concurrently([lambda: succeed(s, 300)] * 3)
        assert sorted(map(code_of, results)) == ["circuit_open", "ok", "ok"]
        refused = next(r for r in results if not ok(r))
        assert_refusal(refused, "circuit_open", True, state="half_open", retry_after_ms=Between(1, 400))

        # Closed: its failure count starts over.
        assert ok(await succeed(s))
        assert code_of(await fail(s)) == "upstream_unavailable"
        assert code_of(await fail(s)) == "upstream_unavailable"
        assert ok(await succeed(s))

    server.run(steps)


def test_an_idempotency_key_returns_the_first_result(server):
    async def note(s, request_id=None, delay_ms=0):
        args = {"text": "remember the milk", "delay_ms": delay_ms}
        if request_id is not None:
            args["request_id"] = request_id
        return await s.call_tool("create_note", args)

    def replayed(result) -> bool:
        return bool((result.meta or {}).get("mcpgen/idempotent_replay"))

    async def steps(s: ClientSession):
        first = await note(s, "req-1")
        assert ok(first) and first.structured_content == {"note_number": 1} and not replayed(first)
        again = await note(s, "req-1")
        assert again.structured_content == {"note_number": 1} and replayed(again)
        assert again.content[0].text == first.content[0].text
        assert (await note(s, "req-2")).structured_content == {"note_number": 2}
        assert (await note(s)).structured_content == {"note_number": 3}
        assert (await note(s)).structured_content == {"note_number": 4}
        # Repeats that arrive while the first call runs wait for its result.
        results = await concurrently([lambda: note(s, "req-3", 300)] * 3)
        assert [r.structured_content for r in results] == [{"note_number": 5}] * 3
        assert sum(not replayed(r) for r in results) == 1
        # The side effect ran once: the next note is number 6.
        assert (await note(s)).structured_content == {"note_number": 6}

    server.run(steps)


# ---- budgets under concurrency ----


def shared_item_burst(server: Server, agents: list[str], calls_per_agent: int) -> list[str]:
    """Every agent calls get_shared_item `calls_per_agent` times at once, all agents in
    parallel; returns the outcome codes."""
    outcomes: list[str] = []

    def burst(s_outcomes):
        async def step(s: ClientSession):
            results = await concurrently([lambda n=n: s.call_tool("get_shared_item", {"number": n}) for n in range(calls_per_agent)])
            s_outcomes.extend(map(code_of, results))

        return step

    async def main():
        async with anyio.create_task_group() as tg:
            for agent in agents:
                tg.start_soon(anyio.to_thread.run_sync, lambda a=agent: server.run(burst(outcomes), agent=a))

    anyio.run(main)
    return outcomes


def assert_budget_held(outcomes: list[str], budget: int) -> None:
    """No more calls were admitted than the budget; calls refused as `overloaded` (the
    server's concurrency cap) never reached the budget, so all others were admitted."""
    counts = {code: outcomes.count(code) for code in set(outcomes)}
    assert set(counts) <= {"ok", "rate_limited", "overloaded"}, counts
    assert counts.get("ok", 0) == min(budget, len(outcomes) - counts.get("overloaded", 0)), counts


def test_concurrent_calls_never_exceed_the_budget(server):
    started = time.monotonic()
    if server.transport == "stdio":
        # One stdio client, 30 calls at once.
        outcomes = shared_item_burst(server, ["-"], 30)
    else:
        # Three agents, 10 calls each, all at once, on three HTTP sessions.
        outcomes = shared_item_burst(server, ["203.0.113.21", "203.0.113.22", "203.0.113.23"], 10)
    assert len(outcomes) == 30
    assert_budget_held(outcomes, 10)
    assert time.monotonic() - started < 60


# ---- HTTP flood protection ----


def post(server: Server, body: bytes, forwarded_for: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    conn.request(
        "POST",
        "/mcp",
        body=body,
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            "X-Forwarded-For": forwarded_for,
        },
    )
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


def test_http_flood_protection_answers_429_before_parsing(guard_bin, tmp_path):
    with serve("http", guard_bin, tmp_path, env={"REDIS_URL": ""}) as server:
        # 60/h per address: 60 requests are processed (here: rejected as unparsable, 400)...
        for _ in range(60):
            assert post(server, b"{not json", "192.0.2.50").status == 400
        # ...the 61st is refused before its body is read.
        response = post(server, b"{not json", "192.0.2.50")
        assert response.status == 429
        retry_after = int(response.getheader("Retry-After"))
        assert 50 <= retry_after <= 60
        assert response.getheader("Content-Type") == "application/json"
        body = json.loads(response.body)
        data = body["error"]["data"]
        assert data == {
            "status": "error",
            "code": "rate_limited",
            "scope": "address",
            "limit": "60/h",
            "retry_after_ms": Between(55_000, 60_000),
            "retryable": True,
        }
        assert body["jsonrpc"] == "2.0" and body["id"] is None
        assert "Retry after" in body["error"]["message"]
        # The client's own X-Forwarded-For entries do not make it someone else...
        assert post(server, b"{not json", "10.9.9.9, 192.0.2.50").status == 429
        # ...and another address is unaffected.
        assert post(server, b"{not json", "192.0.2.51").status == 400


# ---- the Redis backend ----


REDIS_BACKEND = 'backend="redis"'


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> Iterator[str]:
    """A real redis-server on a free loopback port, for the whole session."""
    with redis_server(tmp_path_factory.mktemp("redis")) as (_, url):
        yield url


@pytest.fixture
def redis_env(redis_url) -> dict[str, str]:
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    subprocess.run(["redis-cli", "-p", port, "flushall"], check=True, capture_output=True)
    return {"REDIS_URL": redis_url}


def test_redis_budgets_are_shared_by_server_instances(guard_bin, tmp_path, redis_env):
    with serve("http", guard_bin, tmp_path / "a", env=redis_env) as a, serve("http", guard_bin, tmp_path / "b", env=redis_env) as b:
        # One agent's budget (40/h) across both instances.
        def echo_calls(n: int):
            async def step(s: ClientSession):
                for i in range(n):
                    assert ok(await s.call_tool("echo", {"text": f"{i}"}))

            return step

        async def refused(s: ClientSession):
            result = await s.call_tool("echo", {"text": "one too many"})
            assert_refusal(result, "rate_limited", True, scope="agent", limit="40/h", retry_after_ms=Between(80_000, 90_000))

        a.run(echo_calls(20), agent="198.51.100.40")
        b.run(echo_calls(20), agent="198.51.100.40")
        a.run(refused, agent="198.51.100.40")
        b.run(refused, agent="198.51.100.40")

        # Six agents, five calls each at once, half on each instance: 10 admitted in all.
        outcomes: list[str] = []

        async def main():
            async with anyio.create_task_group() as tg:
                for i, srv in enumerate([a, b] * 3):
                    tg.start_soon(anyio.to_thread.run_sync, lambda srv=srv, i=i: outcomes.extend(shared_item_burst(srv, [f"203.0.113.{60 + i}"], 5)))

        anyio.run(main)
        assert len(outcomes) == 30
        assert_budget_held(outcomes, 10)
        assert REDIS_BACKEND in a.logs() and REDIS_BACKEND in b.logs()


def test_redis_budgets_hold_for_concurrent_stdio_servers(guard_bin, tmp_path, redis_env):
    server = Server("stdio", guard_bin, tmp_path, {"RUST_LOG": "info", **redis_env})
    outcomes: list[str] = []

    async def main():
        async with anyio.create_task_group() as tg:
            for _ in range(2):
                tg.start_soon(anyio.to_thread.run_sync, lambda: outcomes.extend(shared_item_burst(server, ["-"], 15)))

    anyio.run(main)
    assert len(outcomes) == 30
    assert_budget_held(outcomes, 10)
    assert REDIS_BACKEND in server.logs()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_unreachable_redis_falls_back_to_local_budgets_loudly(guard_bin, tmp_path, transport):
    env = {"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    with serve(transport, guard_bin, tmp_path, env=env) as server:

        async def steps(s: ClientSession):
            for n in range(10):
                assert ok(await s.call_tool("get_shared_item", {"number": n}))
            result = await s.call_tool("get_shared_item", {"number": 10})
            assert_refusal(result, "rate_limited", True, scope="tool", limit="10/h", retry_after_ms=Between(340_000, 360_000))

        started = time.monotonic()
        server.run(steps)
        assert time.monotonic() - started < 20, "a dead Redis is not waited for on every call"
        logs = server.logs()
        assert REDIS_BACKEND in logs
        assert "the Redis rate-limit backend is unreachable; enforcing the budgets in this process only" in logs
