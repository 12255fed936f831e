"""A small OAuth 2.1 authorization server on loopback, for the tests of mode `oauth`
(test_oauth.py): RFC 8414 metadata, a JWKS with RSA and EC P-256 keys made at test
time, dynamic client registration (RFC 7591), an `/authorize` that approves at once
and a `/token` that checks PKCE (S256) and signs RS256 JWT access tokens for the
`resource` asked for (RFC 8707). Tests also sign whatever JWT they need with `sign`,
rotate keys with `rotate`, and take the key set down with `jwks_down`.

It runs uvicorn in a thread of the test process, on a socket bound before the thread
starts, so its URL is known (and taken) before any server is told about it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

SCOPES = ["issues_read", "issues_write", "issues_admin"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# How the resource server authenticates at the introspection endpoint.
INTROSPECTION_CLIENT = "tracker"
INTROSPECTION_SECRET = "introspection-secret-0123456789"

@dataclass
class SigningKey:
    kid: str
    alg: str
    private: object

    @classmethod
    def rsa(cls, kid: str) -> SigningKey:
        return cls(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def p256(cls, kid: str) -> SigningKey:
        return cls(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))

    def jwk(self) -> dict:
        algorithm = RSAAlgorithm if self.alg.startswith("RS") else ECAlgorithm
        key = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**key, "kid": self.kid, "use": "sig", "alg": self.alg}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass
class Grant:
    """An authorization code waiting for its token request."""

    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    resource: str | None


@dataclass
class Issuer:
    """The authorization server. `audience` is what tokens name when the client sends
    no `resource`; `metadata_at` is which well-known document it publishes its
    metadata under (`oauth-authorization-server` or `openid-configuration`)."""

    audience: str = ""
    metadata_at: str = "oauth-authorization-server"
    keys: dict[str, SigningKey] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)
    signing_kid: str = "rsa-1"
    jwks_fetches: int = 0
    jwks_down: bool = False
    clients: dict[str, dict] = field(default_factory=dict)
    grants: dict[str, Grant] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)
    # Opaque tokens for RFC 7662 introspection: token -> claims; `active` False once
    # revoked here. `introspections` counts the questions asked.
    opaque: dict[str, dict] = field(default_factory=dict)
    introspections: int = 0
    url: str = ""

    def __post_init__(self) -> None:
        for key in (SigningKey.rsa("rsa-1"), SigningKey.p256("ec-1")):
            self.keys[key.kid] = key
            self.published.append(key.kid)
        self._lock = threading.Lock()

    # --- signing ---------------------------------------------------------------

    def claims(self, subject: str = "alice", scopes: list[str] | None = None, **overrides) -> dict:
        """Claims of a valid access token for `audience`; `overrides` replace or (with
        the value None) remove claims."""
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": self.audience,
            "sub": subject,
            "scope": " ".join(SCOPES if scopes is None else scopes),
            "iat": now,
            "exp": now + 3600,
            "jti": secrets.token_hex(8),
        }
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(self, claims: dict, kid: str | None = None, key: SigningKey | None = None, header: dict | None = None) -> str:
        """`claims` signed with the issuer's key `kid` (the current signing key when
        None), or with `key` (a stranger's, or another of the issuer's) under `kid`.
        `header` adds to the protected header; a value of None removes the field."""
        key = key or self.keys[kid or self.signing_kid]
        headers = {"kid": kid or key.kid, **(header or {})}
        headers = {k: v for k, v in headers.items() if v is not None}
        return jwt.encode(claims, key.private, algorithm=key.alg, headers=headers)

    def token(self, subject: str = "alice", scopes: list[str] | None = None, kid: str | None = None, **overrides) -> str:
        return self.sign(self.claims(subject, scopes, **overrides), kid=kid)

    def hs256_with_public_key(self, claims: dict, kid: str = "rsa-1") -> str:
        """The algorithm-confusion attack: HS256 keyed with the published RSA key, which a
        verifier that lets the token pick the algorithm would accept. Made by hand:
        PyJWT refuses to use a PEM as an HMAC secret."""
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
        payload = b64url(json.dumps(claims).encode())
        signing_input = f"{header}.{payload}".encode()
        signature = hmac.new(self.keys[kid].public_pem(), signing_input, hashlib.sha256).digest()
        return f"{header}.{payload}.{b64url(signature)}"

    def unsigned(self, claims: dict) -> str:
        header = b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode())
        return f"{header}.{b64url(json.dumps(claims).encode())}."

    def rotate(self, keep_old: bool) -> str:
        """A new RSA signing key, published beside the old ones or instead of them; its kid."""
        with self._lock:
            kid = f"rsa-{sum(k.startswith('rsa-') for k in self.keys) + 1}"
            self.keys[kid] = SigningKey.rsa(kid)
            self.published = [*self.published, kid] if keep_old else [kid, "ec-1"]
            self.signing_kid = kid
        return kid

    # --- HTTP ------------------------------------------------------------------

    def metadata(self) -> dict:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "registration_endpoint": f"{self.url}/register",
            "jwks_uri": f"{self.url}/jwks",
            "scopes_supported": SCOPES,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none"],
        }

    async def _metadata(self, request: Request) -> Response:
        if request.path_params["document"] != self.metadata_at:
            return JSONResponse({"error": "not_found"}, status_code=404)
        return JSONResponse(self.metadata())

    async def _jwks(self, _request: Request) -> Response:
        with self._lock:
            self.jwks_fetches += 1
            if self.jwks_down:
                return JSONResponse({"error": "temporarily_unavailable"}, status_code=503)
            return JSONResponse({"keys": [self.keys[kid].jwk() for kid in self.published]})

    async def _register(self, request: Request) -> Response:
        metadata = await request.json()
        client_id = f"client-{secrets.token_hex(6)}"
        client = {
            **metadata,
            "client_id": client_id,
            "client_id_issued_at": int(time.time()),
            "token_endpoint_auth_method": "none",
        }
        client.pop("client_secret", None)
        self.clients[client_id] = client
        return JSONResponse(client, status_code=201)

    async def _authorize(self, request: Request) -> Response:
        q = request.query_params
        client = self.clients.get(q.get("client_id", ""))
        if client is None or q.get("redirect_uri") not in client.get("redirect_uris", []):
            # Never redirect to a URI the client did not register.
            return JSONResponse({"error": "invalid_request", "error_description": "unknown client or redirect_uri"}, 400)
        if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'error': 'invalid_request', 'state': q.get('state', '')})}")
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(q["client_id"], q["redirect_uri"], q["code_challenge"], q.get("scope", ""), q.get("resource"))
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}", 302)

    async def _token(self, request: Request) -> Response:
        form = await request.form()

        def refuse(error: str, description: str) -> Response:
            return JSONResponse({"error": error, "error_description": description}, status_code=400)

        if form.get("grant_type") != "authorization_code":
            return refuse("unsupported_grant_type", "only authorization_code")
        grant = self.grants.pop(str(form.get("code", "")), None)
        if grant is None:
            return refuse("invalid_grant", "unknown or used code")
        if form.get("client_id") != grant.client_id or form.get("redirect_uri") != grant.redirect_uri:
            return refuse("invalid_grant", "client_id or redirect_uri differ from the authorization request")
        verifier = str(form.get("code_verifier", ""))
        if b64url(hashlib.sha256(verifier.encode()).digest()) != grant.challenge:
            return refuse("invalid_grant", "PKCE verification failed")
        resource = form.get("resource") or grant.resource
        scopes = [s for s in grant.scope.split() if s in SCOPES] or SCOPES
        token = self.sign(self.claims(f"user-of-{grant.client_id}", scopes, aud=resource or self.audience))
        self.issued.append(token)
        return JSONResponse(
            {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": " ".join(scopes)},
            headers={"Cache-Control": "no-store"},
        )

    def opaque_token(self, subject: str = "olive", scopes: list[str] | None = None) -> str:
        """An opaque (non-JWT) access token that only introspection can tell about."""
        token = "opq-" + secrets.token_urlsafe(24)
        self.opaque[token] = {**self.claims(subject, scopes), "active": True}
        return token

    async def _introspect(self, request: Request) -> Response:
        expected = "Basic " + base64.b64encode(f"{INTROSPECTION_CLIENT}:{INTROSPECTION_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        form = await request.form()
        with self._lock:
            self.introspections += 1
        claims = self.opaque.get(str(form.get("token", "")))
        if claims is None or not claims["active"]:
            return JSONResponse({"active": False})
        return JSONResponse({**claims, "client_id": "some-client"})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/{document}", self._metadata),
                Route("/jwks", self._jwks),
                Route("/register", self._register, methods=["POST"]),
                Route("/authorize", self._authorize),
                Route("/token", self._token, methods=["POST"]),
                Route("/introspect", self._introspect, methods=["POST"]),
            ]
        )


class running:
    """`with running(issuer):` serves `issuer` on a free loopback port (setting its
    `url`) until the block ends."""

    def __init__(self, issuer: Issuer) -> None:
        self.issuer = issuer

    def __enter__(self) -> Issuer:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.issuer.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(self.issuer.app(), log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the loopback authorization server did not start")
            time.sleep(0.01)
        self.sock = sock
        return self.issuer

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
        assert not self.thread.is_alive(), "the loopback authorization server did not stop"
