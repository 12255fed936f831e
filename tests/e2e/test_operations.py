"""What a generated server tells its operator besides its log: Prometheus metrics at
/metrics (on the HTTP listener, or with `serve --metrics ADDR` on an address of their
own, for stdio too), /healthz and /readyz, the server cards, and `mcpgen registry`'s
server.json.

The server is scaffolded with `mcpgen new`, its spec and handlers replaced by
tests/e2e/ops_server/ (one tool per way a call can end, bearer auth). A scripted
session of the official Python SDK client, in both revisions, makes known calls; the
scrape, parsed with the Prometheus project's own text parser, must count exactly
them: the tool calls by target and outcome as scripted, and every request as the
server's request log has it (one event per request)."""

from __future__ import annotations

import http.client
import json
import secrets
import subprocess
import time
from pathlib import Path

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError
from prometheus_client.parser import text_string_to_metric_families

from mcp_servers import (
    drive_http,
    drive_stdio,
    free_port,
    http_server,
    mcpgen_bin,
    redis_server,
    scaffolded_server,
    start,
)

pytestmark = pytest.mark.timeout(900)

HERE = Path(__file__).resolve().parent
REVISIONS = ["2025-11-25", "2026-07-28"]
READER = "reader-" + secrets.token_hex(16)
ADMIN = "admin-" + secrets.token_hex(16)
# The bucket bounds of mcp.server.operation.duration in the OpenTelemetry MCP conventions.
BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, float("inf")]

# The scripted calls: (tool, arguments, outcome in the metrics).
SCRIPT = [
    ("echo", {"text": "a"}, "ok"),
    ("echo", {"text": "b"}, "ok"),
    ("echo", {"text": "c"}, "ok"),
    ("find_item", {"number": 99}, "tool_error"),
    ("find_item", {"number": "x"}, "invalid_arguments"),
    ("get_limited_item", {"number": 1}, "ok"),
    ("get_limited_item", {"number": 2}, "ok"),
    ("get_limited_item", {"number": 3}, "rate_limited"),
    ("remove_items", {}, "forbidden"),
    ("call_upstream", {"fail": True}, "tool_error"),
    ("call_upstream", {"fail": True}, "tool_error"),
    ("call_upstream", {"fail": False}, "circuit_open"),
    ("run_broken_job", {}, "internal_error"),
    ("no_such_tool", {}, "not_found"),
]


@pytest.fixture(scope="session")
def ops_bin(tmp_path_factory) -> str:
    """`mcpgen new ops_server` with the test spec and handlers (and the Redis backend),
    generated and built once."""
    return scaffolded_server(
        tmp_path_factory.mktemp("ops"),
        "ops_server",
        (HERE / "ops_server/ops_server.yaml").read_text(),
        HERE / "ops_server/handlers.rs",
        manifest_edit=lambda m: m.replace("mcpgen-runtime = { ", 'mcpgen-runtime = { features = ["redis"], ', 1),
    )


def server_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "OPS_READER_TOKEN": READER,
        "OPS_ADMIN_TOKEN": ADMIN,
        "MCPGEN_DATA_DIR": str(tmp_path / "data"),
        "RUST_LOG": "info",
        **extra,
    }


def get(address: tuple[str, int], path: str, headers: dict[str, str] | None = None):
    """GET `path`; returns (status, headers, body text)."""
    conn = http.client.HTTPConnection(*address, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


def scrape(address: tuple[str, int]) -> dict:
    """/metrics parsed by prometheus_client: {(sample name, frozen labels): value}."""
    status, headers, text = get(address, "/metrics")
    assert status == 200, text
    assert headers["content-type"].startswith("text/plain; version=0.0.4"), headers
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def total(samples: dict, name: str, **labels: str) -> float:
    """The sum of the samples named `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def script(revision: str):
    async def steps(session: ClientSession) -> None:
        await start(session, revision)
        for tool, arguments, _ in SCRIPT:
            try:
                await session.call_tool(tool, arguments)
            except MCPError:
                pass  # forbidden, an unknown tool: JSON-RPC errors

    return steps


async def unauthenticated(session: ClientSession, revision: str) -> None:
    await start(session, revision)
    with pytest.raises(MCPError) as refused:
        await session.call_tool("echo", {"text": "no token"})
    assert refused.value.error.code == -32041


def request_events(log: Path) -> list[dict]:
    time.sleep(0.2)  # info lines are written at most 50 ms late
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return [e for e in events if e.get("message") == "request"]


def assert_counts(samples: dict, events: list[dict], refusals: dict[tuple[str, str | None], int]) -> None:
    """The scrape counts what the script did, and every request the log has."""
    duration = "mcp_server_operation_duration_seconds"
    for tool in {tool for tool, _, _ in SCRIPT}:
        for outcome in {o for t, _, o in SCRIPT if t == tool}:
            made = sum(1 for t, _, o in SCRIPT if (t, o) == (tool, outcome))
            target = tool if tool != "no_such_tool" else "_unknown"
            got = total(samples, duration + "_count", method="tools/call", target=target, outcome=outcome)
            assert got == made, (tool, outcome, got)
    # Every request, by outcome, as the log counts them; the histogram agrees.
    by_outcome: dict[str, int] = {}
    for event in events:
        by_outcome[event["outcome"]] = by_outcome.get(event["outcome"], 0) + 1
    for outcome, count in by_outcome.items():
        assert total(samples, "mcpgen_requests_total", outcome=outcome) == count, (outcome, by_outcome)
        assert total(samples, duration + "_count", outcome=outcome) == count, outcome
    assert total(samples, "mcpgen_requests_total") == len(events)
    # The histogram: buckets from the conventions, cumulative, +Inf the count, the sum
    # within the latencies the log has.
    echo = {"method": "tools/call", "target": "echo", "outcome": "ok"}
    buckets = {
        float(dict(labels)["le"]): value
        for (name, labels), value in samples.items()
        if name == duration + "_bucket" and set(echo.items()) <= labels
    }
    assert sorted(buckets) == BUCKETS, buckets
    counts = [buckets[le] for le in BUCKETS]
    assert counts == sorted(counts) and counts[-1] == 3, counts
    logged_us = sum(e["latency_us"] for e in events if e.get("name") == "echo")
    assert 0 < total(samples, duration + "_sum", **echo) <= logged_us / 1e6 + 0.01
    for (kind, scope), count in refusals.items():
        labels = {"kind": kind, **({"scope": scope} if scope else {})}
        assert total(samples, "mcpgen_refusals_total", **labels) == count, (kind, scope)
    assert total(samples, "mcpgen_requests_in_flight") == 0
    assert total(samples, "mcpgen_circuit_breaker_state", tool="call_upstream", state="open") == 1
    assert total(samples, "mcpgen_circuit_breaker_state", tool="echo", state="closed") == 1
    assert total(samples, "mcpgen_audit_dropped_total") == 0


@pytest.mark.parametrize("revision", REVISIONS)
def test_metrics_count_the_requests_made_over_http(ops_bin, tmp_path, revision):
    log = tmp_path / "server.log"
    with http_server([ops_bin, "serve", "--log-format", "json", "--http"], log, env=server_env(tmp_path)) as server:
        url = f"http://{server[0]}:{server[1]}/mcp"
        drive_http(url, [script(revision)], headers={"Authorization": f"Bearer {READER}"})
        drive_http(url, [lambda s: unauthenticated(s, revision)])
        # Scrapes are not requests: two in a row count the same.
        first = scrape(server)
        samples = scrape(server)
        assert first == samples
        events = request_events(log)
    refusals = {("rate_limited", "tool"): 1, ("forbidden", None): 1, ("circuit_open", None): 1, ("unauthenticated", None): 1}
    assert_counts(samples, events, refusals)
    # Names a client makes up never become label values.
    assert not any("no_such_tool" in str(labels) for _, labels in samples)


@pytest.mark.parametrize("revision", REVISIONS)
def test_metrics_of_a_stdio_server_are_served_on_their_own_address(ops_bin, tmp_path, revision):
    port = free_port()
    log = tmp_path / "stderr.log"
    scraped: dict = {}

    async def scrape_before_closing(_session: ClientSession) -> None:
        scraped.update(await anyio.to_thread.run_sync(scrape, ("127.0.0.1", port)))
        status, _, body = await anyio.to_thread.run_sync(get, ("127.0.0.1", port), "/readyz")
        assert status == 200 and json.loads(body)["checks"]["store"] == {"status": "ok"}, body

    command = [ops_bin, "serve", "--stdio", "--log-format", "json", "--metrics", f"127.0.0.1:{port}"]
    env = {**server_env(tmp_path), "OPS_SERVER_TOKEN": READER}
    drive_stdio(command, log, [script(revision), scrape_before_closing], env=env)
    refusals = {("rate_limited", "tool"): 1, ("forbidden", None): 1, ("circuit_open", None): 1}
    assert_counts(scraped, request_events(log), refusals)


def test_with_a_metrics_address_the_mcp_listener_serves_no_metrics(ops_bin, tmp_path):
    port = free_port()
    command = [ops_bin, "serve", "--metrics", f"127.0.0.1:{port}", "--http"]
    with http_server(command, tmp_path / "server.log", env=server_env(tmp_path)) as server:
        status, _, body = get(server, "/metrics")
        assert status == 404 and "no MCP endpoint at `/metrics`" in body, body
        assert get(server, "/healthz")[0] == 200
        assert "mcpgen_requests_total" in get(("127.0.0.1", port), "/metrics")[2]
        status, _, body = get(("127.0.0.1", port), "/mcp")
        assert status == 404 and "/metrics, /healthz and /readyz" in body, body


def test_a_metrics_address_that_cannot_be_bound_stops_the_server_with_what_to_change(ops_bin, tmp_path):
    for address, says in [("nowhere", "not an address to bind"), ("203.0.113.1:9464", "cannot listen on")]:
        done = subprocess.run(
            [ops_bin, "serve", "--stdio", "--metrics", address],
            env={**server_env(tmp_path), "OPS_SERVER_TOKEN": READER},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 1, done.stderr
        assert says in done.stderr and "--metrics" in done.stderr, done.stderr


# ---- health ----


def test_health_is_never_flood_limited_nor_recorded(ops_bin, tmp_path):
    """The spec allows 100 requests an hour per address; probes go past that, from any
    Host, and never count."""
    log = tmp_path / "server.log"
    with http_server([ops_bin, "serve", "--log-format", "json", "--http"], log, env=server_env(tmp_path)) as server:
        for i in range(120):
            path = "/healthz" if i % 2 else "/readyz"
            status, headers, body = get(server, path, {"Host": "10.1.2.3:8080"})
            assert status == 200, (i, body)
            assert headers["content-type"] == "application/json"
        assert json.loads(get(server, "/healthz")[2]) == {"status": "ok"}
        # MCP requests are flood-limited all the same.
        statuses = [get(server, "/mcp")[0] for _ in range(101)]
        assert statuses.count(429) >= 1, statuses
        assert total(scrape(server), "mcpgen_requests_total") == len(statuses)
    # The log has the MCP requests and nothing else.
    assert len(request_events(log)) == len(statuses)


def test_readiness_fails_while_the_store_cannot_be_read(ops_bin, tmp_path):
    with http_server([ops_bin, "serve", "--http"], tmp_path / "server.log", env=server_env(tmp_path)) as server:
        status, _, body = get(server, "/readyz")
        assert (status, json.loads(body)) == (200, {"status": "ready", "checks": {"store": {"status": "ok"}}})
        # The volume of the data directory goes away.
        (tmp_path / "data").rename(tmp_path / "elsewhere")
        status, _, body = get(server, "/readyz")
        answer = json.loads(body)
        assert status == 503 and answer["status"] == "not_ready", body
        assert answer["checks"]["store"]["status"] == "failed", body
        assert "does not answer a query" in answer["checks"]["store"]["error"], body
        assert str(tmp_path) not in body, "the answer is public: no paths"
        assert get(server, "/healthz")[0] == 200, "the process still serves"
        (tmp_path / "elsewhere").rename(tmp_path / "data")
        assert get(server, "/readyz")[0] == 200


def test_readiness_fails_while_redis_does_not_answer(ops_bin, tmp_path):
    with redis_server(tmp_path) as (redis, url):
        env = server_env(tmp_path, REDIS_URL=url)
        with http_server([ops_bin, "serve", "--http"], tmp_path / "server.log", env=env) as server:
            status, _, body = get(server, "/readyz")
            assert status == 200 and json.loads(body)["checks"]["redis"] == {"status": "ok"}, body
            redis.terminate()
            redis.wait(timeout=10)
            status, _, body = get(server, "/readyz")
            answer = json.loads(body)
            assert status == 503 and answer["checks"]["redis"]["status"] == "failed", body
            assert answer["checks"]["store"]["status"] == "ok", body
            assert "Redis did not answer PING" in answer["checks"]["redis"]["error"], body


# ---- discovery ----


def test_server_cards_describe_the_server_from_its_spec(ops_bin, tmp_path):
    with http_server([ops_bin, "serve", "--http"], tmp_path / "server.log", env=server_env(tmp_path)) as server:
        url = f"http://127.0.0.1:{server[1]}/mcp"
        status, headers, body = get(server, "/mcp/server-card", {"Origin": "https://elsewhere.example"})
        assert status == 200, body
        assert headers["content-type"] == "application/mcp-server-card+json"
        assert headers["access-control-allow-origin"] == "*"
        card = json.loads(body)
        assert card["name"] == "io.github.example/ops_server"
        assert (card["version"], card["title"]) == ("1.2.3", "Operations test server")
        assert card["websiteUrl"] == "https://example.com/ops_server"
        assert card["repository"] == {"url": "https://github.com/example/ops_server", "source": "github"}
        [remote] = card["remotes"]
        assert remote["type"] == "streamable-http" and remote["url"] == url
        assert {"2025-11-25", "2026-07-28"} <= set(remote["supportedProtocolVersions"])
        assert remote["authentication"] == {"required": True, "schemes": ["bearer"]}
        assert "tools" in card["capabilities"] and "tools" not in card

        status, headers, body = get(server, "/.well-known/mcp/server-card.json")
        assert status == 200 and headers["content-type"] == "application/json", body
        legacy = json.loads(body)
        assert legacy["serverInfo"] == {"name": "ops_server", "version": "1.2.3", "title": "Operations test server"}
        assert legacy["transport"] == {"type": "streamable-http", "endpoint": url}
        assert legacy["authentication"]["required"] is True
        # A host the server does not answer for gets no card.
        assert get(server, "/mcp/server-card", {"Host": "attacker.example"})[0] == 403

    public = "https://mcp.example.com/mcp"
    command = [ops_bin, "serve", "--public-url", public, "--http"]
    with http_server(command, tmp_path / "public.log", env=server_env(tmp_path)) as server:
        assert json.loads(get(server, "/mcp/server-card")[2])["remotes"][0]["url"] == public


def registry(crate: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([mcpgen_bin(), "registry", *args], cwd=crate, capture_output=True, text=True, timeout=60)


def test_mcpgen_registry_writes_server_json(tmp_path):
    crate = tmp_path / "crate"
    (crate / "specs").mkdir(parents=True)
    spec = (HERE / "ops_server/ops_server.yaml").read_text()
    (crate / "specs/ops_server.yaml").write_text(spec)

    done = registry(crate, "--image", "ghcr.io/example/ops_server:1.2.3", "--remote", "https://mcp.example.com/mcp")
    assert done.returncode == 0, done.stderr
    document = json.loads((crate / "server.json").read_text())
    assert document["$schema"] == "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
    assert document["name"] == "io.github.example/ops_server" and document["version"] == "1.2.3"
    assert document["repository"] == {"url": "https://github.com/example/ops_server", "source": "github"}
    [package] = document["packages"]
    assert package["registryType"] == "oci" and package["identifier"] == "ghcr.io/example/ops_server:1.2.3"
    assert package["transport"] == {"type": "stdio"}
    assert [a["value"] for a in package["packageArguments"]] == ["serve", "--stdio"]
    assert package["environmentVariables"][0]["name"] == "OPS_SERVER_TOKEN"
    assert package["environmentVariables"][0]["isSecret"] is True
    [remote] = document["remotes"]
    assert remote == {
        "type": "streamable-http",
        "url": "https://mcp.example.com/mcp",
        "headers": [{"name": "Authorization", "description": "Bearer token: `Bearer <token>`", "isRequired": True, "isSecret": True}],
    }

    # A description over the registry's 100 characters: a warning from check, cut here.
    long = "Tools that end every way a request can, for the tests of metrics and health, and a few words more than fit."
    (crate / "specs/ops_server.yaml").write_text(spec.replace(
        "description: Tools that end every way a request can, for the tests of metrics and health.",
        f"description: {long}",
    ))
    checked = subprocess.run([mcpgen_bin(), "check"], cwd=crate, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0 and "warning[mcpgen::registry]" in checked.stderr, checked.stderr
    done = registry(crate, "--remote", "https://mcp.example.com/mcp", "--output", "-")
    assert done.returncode == 0, done.stderr
    description = json.loads(done.stdout)["description"]
    assert len(description) <= 100 and description.endswith("…") and long.startswith(description[:-1]), description
    assert "over the MCP Registry's 100" in done.stderr, done.stderr

    # Without a place to list, or without a registry name, it says what to add.
    done = registry(crate, "--output", "-")
    assert done.returncode == 1 and "--image REF" in done.stderr, done.stderr
    (crate / "specs/ops_server.yaml").write_text(spec.replace("  registry_name: io.github.example/ops_server\n", ""))
    done = registry(crate, "--remote", "https://mcp.example.com/mcp")
    assert done.returncode == 1 and "server.registry_name" in done.stderr, done.stderr
