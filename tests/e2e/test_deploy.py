"""A scaffolded server deployed behind a public name: the `Host` names it answers to come
from `--public-url`, `--allowed-host` and the spec's `transports.http` (with `${VAR}`);
any other `Host` gets 403 with a message naming the flag and the spec key. And
`--version` prints the spec's `server.version`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from mcp.client.session import ClientSession

from mcp_servers import MODERN_META, TARGET, cargo_build, drive_http, http_server, mcpgen_bin, post

pytestmark = pytest.mark.timeout(900)

PUBLIC_URL = "https://mcp.example.com/mcp"


def discover(server, host: str) -> tuple[int, dict]:
    """A 2026-07-28 `server/discover` sent with `Host: host`: the status and the message."""
    body = {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": MODERN_META}}
    headers = {"Host": host, "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "server/discover"}
    status, response_headers, raw = post(server, body, headers)
    assert response_headers.get("content-type", "").startswith("application/json"), (status, raw)
    return status, json.loads(raw)


def assert_answered(server, host: str) -> None:
    status, message = discover(server, host)
    assert status == 200, (host, message)
    assert "2026-07-28" in message["result"]["supportedVersions"], message
    assert message["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "weather", message


def assert_refused(server, host: str) -> str:
    """The message of the 403 for `host`, after checking it says what to change."""
    status, message = discover(server, host)
    assert status == 403, (host, message)
    error = message["error"]
    assert error["data"] == {"host": host}, error
    text = error["message"]
    for named in ("--public-url", "--allowed-host", "transports.http.public_url", "transports.http.allowed_hosts"):
        assert named in text, text
    assert "HttpOptions" not in text, text
    return text


def test_public_url_host_is_answered_and_others_refused(weather_bin, tmp_path):
    command = [weather_bin, "serve", "--public-url", PUBLIC_URL, "--http"]
    with http_server(command, tmp_path / "stderr.log") as server:
        assert_answered(server, "mcp.example.com")
        # Proxies differ in whether they forward a port; names compare ignoring case.
        assert_answered(server, "MCP.example.com:443")
        # Loopback names stay allowed, for health checks on the machine itself.
        assert_answered(server, f"localhost:{server[1]}")
        text = assert_refused(server, "evil.example")
        assert "`--allowed-host evil.example`" in text, text

        # The official Python SDK, through the public name: a whole session.
        async def session(s: ClientSession) -> None:
            result = await s.initialize()
            assert result.server_info.name == "weather"
            assert [t.name for t in (await s.list_tools()).tools] == ["get_forecast"]

        drive_http(f"http://{server[0]}:{server[1]}/mcp", [session], headers={"Host": "mcp.example.com"})
    assert "refused a request for a host" in (tmp_path / "stderr.log").read_text()


def test_allowed_hosts_from_the_command_line(weather_bin, tmp_path):
    command = [weather_bin, "serve", "--allowed-host", "mcp.internal", "--allowed-host", "mcp-1.internal:8443", "--http"]
    with http_server(command, tmp_path / "stderr.log") as server:
        assert_answered(server, "mcp.internal")
        assert_answered(server, "mcp.internal:8080")
        assert_answered(server, "mcp-1.internal:8443")
        assert_refused(server, "mcp-1.internal:9443")
        assert_refused(server, "mcp.example.com")


def test_a_refused_origin_names_the_flag_and_the_key(weather_bin, tmp_path):
    command = [weather_bin, "serve", "--allowed-origin", "https://app.example.com", "--http"]
    with http_server(command, tmp_path / "stderr.log") as server:
        status, _, raw = post(server, {"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"Origin": "https://evil.example"})
        assert status == 403, raw
        text = json.loads(raw)["error"]["message"]
        assert "--allowed-origin https://evil.example" in text and "transports.http.allowed_origins" in text, text
        status, _, raw = post(
            server,
            {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": MODERN_META}},
            {"Origin": "https://app.example.com", "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "server/discover"},
        )
        assert status == 200, raw


def test_a_bad_public_url_stops_the_server_with_what_to_change(weather_bin):
    out = subprocess.run(
        [weather_bin, "serve", "--public-url", "mcp.example.com/mcp", "--http", "127.0.0.1:0"],
        capture_output=True, text=True, timeout=30,
    )
    assert out.returncode == 1, out.stderr
    assert "`--public-url` or `transports.http.public_url`" in out.stderr, out.stderr
    assert "https://mcp.example.com/mcp" in out.stderr, out.stderr


@pytest.fixture(scope="module")
def deployed_bin(scaffold, tmp_path_factory) -> str:
    """The scaffold with `public_url` and `allowed_hosts` in its spec (from the environment)
    and another version, built under another package name so it does not replace the
    scaffold's binary in the shared target directory."""
    crate = tmp_path_factory.mktemp("deployed") / "weather"
    shutil.copytree(scaffold, crate, ignore=shutil.ignore_patterns("target"))
    spec = crate / "specs/weather.yaml"
    text = spec.read_text()
    http = 'http: { bind: "${WEATHER_BIND:-127.0.0.1:8080}", path: /mcp }'
    assert text.count(http) == 1 and text.count("\n  version: 0.1.0\n") == 1
    text = text.replace(
        http,
        'http: { bind: "${WEATHER_BIND:-127.0.0.1:8080}", path: /mcp, public_url: "${DEPLOY_PUBLIC_URL}",'
        ' allowed_hosts: ["${DEPLOY_INTERNAL_HOST:-mcp.internal}"] }',
    ).replace("\n  version: 0.1.0\n", "\n  version: 2.5.0-rc.1\n")
    spec.write_text(text)
    check = subprocess.run([mcpgen_bin(), "check"], cwd=crate, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    generate = subprocess.run([mcpgen_bin(), "generate"], cwd=crate, capture_output=True, text=True, timeout=60)
    assert generate.returncode == 0, generate.stderr
    manifest = crate / "Cargo.toml"
    manifest.write_text(manifest.read_text().replace('name = "weather"', 'name = "weather-deployed"', 1))
    cargo_build(crate)
    binary = TARGET / "debug" / "weather-deployed"
    assert binary.exists()
    return str(binary)


def test_the_spec_keys_with_variables(deployed_bin, tmp_path):
    env = {"DEPLOY_PUBLIC_URL": "https://spec.example.com/mcp"}
    with http_server([deployed_bin, "serve", "--http"], tmp_path / "stderr.log", env=env) as server:
        assert_answered(server, "spec.example.com")
        assert_answered(server, "mcp.internal")
        assert_refused(server, "mcp.example.com")
    # A flag adds to the spec's list.
    command = [deployed_bin, "serve", "--allowed-host", "extra.internal", "--http"]
    with http_server(command, tmp_path / "flags.log", env={**env, "DEPLOY_INTERNAL_HOST": "other.internal"}) as server:
        assert_answered(server, "other.internal")
        assert_answered(server, "extra.internal")
        assert_refused(server, "mcp.internal")


def test_an_unset_variable_stops_the_server_naming_it(deployed_bin):
    env = {k: v for k, v in os.environ.items() if k != "DEPLOY_PUBLIC_URL"}
    out = subprocess.run(
        [deployed_bin, "serve", "--http", "127.0.0.1:0"], capture_output=True, text=True, env=env, timeout=30
    )
    assert out.returncode == 1, out.stderr
    assert "DEPLOY_PUBLIC_URL" in out.stderr and "transports.http.public_url" in out.stderr, out.stderr


def test_version_is_the_specs(deployed_bin, weather_bin):
    out = subprocess.run([deployed_bin, "--version"], capture_output=True, text=True, timeout=30)
    assert (out.returncode, out.stdout) == (0, "weather 2.5.0-rc.1\n"), out
    out = subprocess.run([weather_bin, "--version"], capture_output=True, text=True, timeout=30)
    assert (out.returncode, out.stdout) == (0, "weather 0.1.0\n"), out
