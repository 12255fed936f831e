//! Authentication: the mode, the scopes the server knows, bearer tokens and OAuth.

use schemars::JsonSchema;

use crate::source::Sp;

use super::{EnvString, NamedMap};

/// Authentication.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Auth {
    /// `none` (default), `bearer` (static tokens) or `oauth` (OAuth 2.1 resource server).
    pub mode: Option<Sp<AuthMode>>,
    /// The scopes the server knows, with what each allows.
    #[schemars(default)]
    pub scopes: NamedMap<Sp<String>>,
    /// Static bearer tokens (mode `bearer`); the token itself is always `${VAR}`.
    #[schemars(default)]
    pub tokens: Vec<BearerToken>,
    /// OAuth resource-server settings (mode `oauth`).
    pub oauth: Option<OAuth>,
    /// Whether `initialize`, `server/discover` and the lists answer callers without
    /// valid credentials (default `true`); calls to tools, resources and prompts never do.
    pub public_discovery: Option<Sp<bool>>,
    /// How a stdio client authenticates: `token` (default: `{NAME}_TOKEN` in its
    /// environment, checked like an HTTP bearer token) or `local_user` (trusted as the
    /// user who started the server, with every declared scope).
    pub stdio: Option<Sp<StdioAuth>>,
}

/// How a stdio client authenticates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum StdioAuth {
    /// A token in the `{NAME}_TOKEN` environment variable, checked on every request.
    Token,
    /// The local user who started the server, trusted with every declared scope.
    LocalUser,
}

/// How callers authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum AuthMode {
    /// No authentication (stdio, or HTTP on loopback).
    None,
    /// Static bearer tokens from the environment.
    Bearer,
    /// JWT access tokens from an OAuth 2.1 authorization server.
    Oauth,
}

/// A static bearer token.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BearerToken {
    /// Who the token belongs to (the principal in logs and rate limits).
    pub subject: Sp<String>,
    /// The token, from the environment: `${API_TOKEN}`.
    pub token: Sp<EnvString>,
    /// Scopes granted to the token.
    #[schemars(default)]
    pub scopes: Vec<Sp<String>>,
}

/// OAuth 2.1 resource-server settings.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct OAuth {
    /// The authorization server's issuer URL.
    pub issuer: Sp<EnvString>,
    /// The audience tokens must be issued for (default: `transports.http.public_url`,
    /// this server's canonical URL).
    pub audience: Option<Sp<EnvString>>,
    /// Where the issuer's signing keys are (default: discovered from the issuer).
    pub jwks_uri: Option<Sp<EnvString>>,
    /// RFC 7662 introspection for opaque (non-JWT) access tokens.
    pub introspection: Option<Introspection>,
}

/// An RFC 7662 token introspection endpoint.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Introspection {
    /// The endpoint's URL.
    pub url: Sp<EnvString>,
    /// This server's client id at the authorization server.
    pub client_id: Sp<EnvString>,
    /// Its client secret: always `${VAR}`.
    pub client_secret: Sp<EnvString>,
    /// The longest an answer is kept, in milliseconds (default 60000): the longest a
    /// token revoked at the authorization server keeps working here.
    pub cache_ms: Option<Sp<u64>>,
}
