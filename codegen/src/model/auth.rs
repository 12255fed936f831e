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
    /// The audience tokens must be issued for (this server's canonical URL).
    pub audience: Sp<EnvString>,
    /// Where the issuer's signing keys are (default: discovered from the issuer).
    pub jwks_uri: Option<Sp<EnvString>>,
}
