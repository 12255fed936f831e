"""Helpers shared by the end-to-end tests: building, starting and stopping servers."""

from __future__ import annotations

import http.client
import json

import contextlib

import anyio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def mcpgen_bin() -> str:
    """The mcpgen binary: $MCPGEN_BIN (set by tests/run.sh), else built once here."""
    path = os.environ.get("MCPGEN_BIN")
    if path:
        return path
    subprocess.run(["cargo", "build", "--quiet", "-p", "mcpgen-cli"], cwd=ROOT, check=True, timeout=900)
    return str(TARGET / "debug" / "mcpgen")


def hand_server_bin() -> str:
    """The runtime's example server (runtime/examples/hand_server.rs): $HAND_SERVER_BIN,
    else built here with cargo."""
    path = os.environ.get("HAND_SERVER_BIN")
    if path:
        return path
    subprocess.run(
        ["cargo", "build", "--quiet", "--example", "hand_server", "-p", "mcpgen-runtime"],
        cwd=ROOT,
        check=True,
        timeout=600,
    )
    path = TARGET / "debug" / "examples" / "hand_server"
    assert path.exists(), f"cargo built no {path}"
    return str(path)


def cargo_build(crate_dir: Path) -> None:
    """Builds a scaffolded crate into the shared target directory (dependencies built once)."""
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET))
    subprocess.run(["cargo", "build", "--quiet"], cwd=crate_dir, check=True, timeout=900, env=env)


def scaffolded_server(
    parent: Path, name: str, spec: str, handlers: Path, manifest_edit=None, copy_to: Path | None = None
) -> str:
    """`mcpgen new NAME` in `parent` with `spec` (its text) and `handlers` (copied over
    src/handlers.rs), checked, generated and built; `manifest_edit` may rewrite its
    Cargo.toml first. Returns the binary, copied into `copy_to` when given: another
    build of a crate of the same name into the shared target directory replaces
    target/debug/NAME."""
    subprocess.run([mcpgen_bin(), "new", name], cwd=parent, check=True, timeout=60, capture_output=True)
    crate = parent / name
    (crate / f"specs/{name}.yaml").write_text(spec)
    shutil.copy(handlers, crate / "src/handlers.rs")
    if manifest_edit is not None:
        manifest = crate / "Cargo.toml"
        manifest.write_text(manifest_edit(manifest.read_text()))
    check = subprocess.run(
        [mcpgen_bin(), "check", f"specs/{name}.yaml"], cwd=crate, capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
    subprocess.run([mcpgen_bin(), "generate"], cwd=crate, check=True, timeout=60, capture_output=True)
    cargo_build(crate)
    path = TARGET / "debug" / name
    assert path.exists(), f"cargo built no {path}"
    if copy_to is None:
        return str(path)
    shutil.copy2(path, copy_to / name)
    return str(copy_to / name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def http_server(
    command: list[str],
    log_path: Path,
    startup_s: float = 30,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> Iterator[tuple[str, int]]:
    """Runs `command + [ADDR]` on a free loopback port until the block ends; yields (host, port).
    `env` holds variables set on top of this process's environment. Pass `port` (from
    `free_port()`) when the server must be told its own URL before it starts.

    The server is always stopped, even when the block fails."""
    port = port or free_port()
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [*command, f"127.0.0.1:{port}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, **(env or {})},
        )
        try:
            deadline = time.monotonic() + startup_s
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{command[0]} exited with {proc.returncode}; see {log_path}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{command[0]} did not listen within {startup_s} s; see {log_path}")
                    time.sleep(0.05)
            yield ("127.0.0.1", port)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """A real redis-server on a free loopback port until the block ends (or the test
    stops it): yields the process and its URL. Fails the test when redis-server is not
    installed (tests/run.sh installs it)."""
    import pytest

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed; tests/run.sh installs it (apt-get install -y redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=(workdir / "redis.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True).stdout.strip() != "PONG":
            assert proc.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield proc, f"redis://127.0.0.1:{port}/0"
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=10)


def closed_objects(schema: object, path: str = "$") -> list[str]:
    """Paths of object schemas that are NOT closed (`additionalProperties: false`)."""
    open_paths: list[str] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
            open_paths.append(path)
        for key, value in schema.items():
            open_paths.extend(closed_objects(value, f"{path}.{key}"))
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            open_paths.extend(closed_objects(value, f"{path}[{i}]"))
    return open_paths


def drive_stdio(command: list[str], log_path: Path, steps: list, env: dict[str, str] | None = None) -> None:
    """Starts `command` as a stdio MCP server and runs each `async step(session)` in order
    with the official Python SDK client; the server is stopped when the client closes.
    `env` holds variables set for the server on top of the SDK's default environment."""
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    async def main() -> None:
        params = StdioServerParameters(command=command[0], args=command[1:], env=env)
        with log_path.open("w") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write):
                async with ClientSession(read, write) as session:
                    for step in steps:
                        await step(session)

    anyio.run(main)


def drive_http(url: str, steps: list, headers: dict[str, str] | None = None) -> None:
    """Runs each `async step(session)` against a Streamable HTTP MCP endpoint, sending
    `headers` with every request."""
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    async def main() -> None:
        client = create_mcp_http_client(headers=headers) if headers else None
        async with streamable_http_client(url, http_client=client) as (read, write):
            async with ClientSession(read, write) as session:
                for step in steps:
                    await step(session)

    anyio.run(main)


def error_object(result) -> dict:
    """The machine-readable object of an error result: its `structuredContent` on a tool
    without an outputSchema; on a tool with one, the JSON text block that ends the
    content (clients validate `structuredContent` against the outputSchema even on
    errors)."""
    assert result.is_error is True, result
    if result.structured_content is not None:
        return result.structured_content
    assert len(result.content) >= 2, result.content
    return json.loads(result.content[-1].text)


def assert_declared_error(result, code: str, message: str, retryable: bool = False) -> None:
    """A tool result carrying one of the tool's declared errors, rendered from its template."""
    assert result.is_error is True
    assert result.content[0].text == message
    assert error_object(result) == {
        "status": "error",
        "code": code,
        "message": message,
        "retryable": retryable,
    }


# Auth: the two protocol revisions' openings, and refusals in a form tests compare.


async def start(session, revision: str) -> None:
    """Opens `session` in `revision`: `initialize` (2025-11-25) or `server/discover` (2026-07-28)."""
    if revision == "2025-11-25":
        result = await session.initialize()
        assert result.protocol_version == "2025-11-25"
    else:
        await session.discover()
        assert session.protocol_version == "2026-07-28"


def outcome_of(error) -> str:
    """`unauthenticated:REASON` or `forbidden`, from a refusal's (an MCPError's) code and data."""
    auth = (error.error.data or {}).get("auth", {})
    if error.error.code == -32041:
        return f"unauthenticated:{auth.get('reason')}"
    if error.error.code == -32043:
        return "forbidden"
    return f"error {error.error.code}: {error.error.message}"


# Raw HTTP, for what an SDK client would never send.

ACCEPT = "application/json, text/event-stream"
MODERN_META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "1"},
    "io.modelcontextprotocol/clientCapabilities": {},
}

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "1"},
    },
}


def post(server, body: bytes | str | dict, headers: dict[str, str] | None = None, path: str = "/mcp"):
    """POST to `path` (the MCP endpoint unless told); returns (status, headers, body bytes)."""
    host, port = server
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode()
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        all_headers = {"Content-Type": "application/json", "Accept": ACCEPT}
        all_headers.update(headers or {})
        all_headers = {k: v for k, v in all_headers.items() if v is not None}
        try:
            conn.request("POST", path, body=body, headers=all_headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before reading the whole body (413)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()
