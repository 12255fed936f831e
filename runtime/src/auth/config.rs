//! What the spec says about authentication, as generated code passes it to
//! [`crate::ServerBuilder::auth`].

/// How callers authenticate (`auth.mode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuthMode {
    /// Everyone may call everything: no credential is asked for or checked.
    #[default]
    None,
    /// Bearer tokens: static ones from the spec and managed ones (`NAME token create`).
    Bearer,
    /// OAuth 2.1 access tokens from an authorization server (and managed tokens).
    OAuth,
}

/// How a stdio client authenticates (`auth.stdio`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StdioAuth {
    /// A token in the `{NAME}_TOKEN` environment variable, checked on every request
    /// like an HTTP bearer token.
    #[default]
    Token,
    /// The user who started the server, trusted with every declared scope.
    LocalUser,
}

/// A static token from the spec (`auth.tokens`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaticToken {
    /// Who the token belongs to.
    pub subject: String,
    /// The token, as written in the spec: `${VAR}`, read from the environment when the
    /// server is built.
    pub token: String,
    /// The scopes it grants.
    pub scopes: Vec<String>,
}

/// Authentication and authorization settings (`auth:` in the spec).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// How callers authenticate.
    pub mode: AuthMode,
    /// The scopes the server knows (`auth.scopes`).
    pub scopes: Vec<String>,
    /// Static tokens.
    pub tokens: Vec<StaticToken>,
    /// Whether `initialize`, `server/discover`, `ping` and the lists answer callers
    /// without a valid credential (`auth.public_discovery`, default true). Calls to
    /// tools, resources and prompts never do, unless the target is `anonymous`.
    pub public_discovery: bool,
    /// How a stdio client authenticates.
    pub stdio: StdioAuth,
    /// The authorization server (mode `oauth`).
    pub oauth: Option<OAuthSettings>,
}

/// The authorization server whose access tokens the server accepts (`auth.oauth`).
/// Strings may hold `${VAR}` references, read when the server starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OAuthSettings {
    /// The issuer (`iss`), exactly.
    pub issuer: String,
    /// What `aud` must contain; default: the server's public URL.
    pub audience: Option<String>,
    /// Where the issuer's keys are; default: discovered from the issuer's metadata.
    pub jwks_uri: Option<String>,
    /// RFC 7662 introspection for opaque tokens.
    pub introspection: Option<IntrospectionSettings>,
}

/// An RFC 7662 introspection endpoint (`auth.oauth.introspection`). Strings may hold
/// `${VAR}` references, read when the server starts.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct IntrospectionSettings {
    /// The endpoint's URL.
    pub url: String,
    /// This server's client id at the authorization server.
    pub client_id: String,
    /// Its client secret (a `${VAR}` reference in a spec).
    pub client_secret: String,
    /// The longest an answer is kept (`cache_ms`); default 60 s.
    pub cache: Option<std::time::Duration>,
}

impl std::fmt::Debug for IntrospectionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntrospectionSettings")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            mode: AuthMode::None,
            scopes: Vec::new(),
            tokens: Vec::new(),
            public_discovery: true,
            stdio: StdioAuth::Token,
            oauth: None,
        }
    }
}
