//! Mode `oauth`: this server as an OAuth 2.1 resource server. Its settings
//! ([`OAuthConfig`], `auth.oauth` in the spec) are checked once by [`OAuth::new`];
//! then [`OAuth::verify`] turns a bearer token into a [`Principal`]: a JWT is checked
//! against the issuer's keys ([`super::jwt`]), any other token is asked about at the
//! introspection endpoint when one is configured ([`super::introspect`]).

use std::{fmt, sync::Arc, time::Duration};

use super::{
    Principal, Rejection, RejectionKind,
    cache::fingerprint,
    http::{HttpClient, check_url},
    introspect::{Endpoint, Introspector},
    jwks::{KeySource, KeyStore, Timing},
    jwt::{ASYMMETRIC, JwtVerifier, asymmetric_algorithm, looks_like_jwt},
};

/// The settings of the OAuth resource server (`auth.oauth`).
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    issuer: String,
    audience: String,
    jwks_uri: Option<String>,
    algorithms: Vec<String>,
    introspection: Option<IntrospectionConfig>,
}

impl OAuthConfig {
    /// Tokens issued by `issuer` (`auth.oauth.issuer`, compared with `iss` exactly) for
    /// `audience` (`auth.oauth.audience`: this server's public MCP URL, such as
    /// `https://mcp.example.com/mcp`, which `aud` must contain).
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            jwks_uri: None,
            algorithms: Vec::new(),
            introspection: None,
        }
    }

    /// Where the issuer's keys are (`auth.oauth.jwks_uri`); without it, the URL is read
    /// from the issuer's metadata (RFC 8414, then OpenID Connect Discovery).
    pub fn with_jwks_uri(mut self, jwks_uri: impl Into<String>) -> Self {
        self.jwks_uri = Some(jwks_uri.into());
        self
    }

    /// The signature algorithms accepted (JOSE names such as `RS256`, `ES256`); by
    /// default every asymmetric one (RS256/384/512, PS256/384/512, ES256/384, EdDSA).
    pub fn with_algorithms<S: Into<String>>(
        mut self,
        algorithms: impl IntoIterator<Item = S>,
    ) -> Self {
        self.algorithms = algorithms.into_iter().map(Into::into).collect();
        self
    }

    /// Asks the authorization server about tokens that are not JWTs
    /// (`auth.oauth.introspection`).
    pub fn with_introspection(mut self, introspection: IntrospectionConfig) -> Self {
        self.introspection = Some(introspection);
        self
    }
}

/// Where and as whom to ask about opaque tokens (RFC 7662, `auth.oauth.introspection`).
#[derive(Clone)]
pub struct IntrospectionConfig {
    url: String,
    client_id: String,
    client_secret: String,
    cache_ceiling: Duration,
}

impl IntrospectionConfig {
    /// The introspection endpoint `url`, called with this server's own client
    /// credentials (HTTP Basic).
    pub fn new(
        url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            url: url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            cache_ceiling: Duration::from_secs(60),
        }
    }

    /// The longest an active answer is trusted without asking again (default 60 s):
    /// the longest a token revoked at the authorization server keeps working here.
    pub fn with_cache_ceiling(mut self, ceiling: Duration) -> Self {
        self.cache_ceiling = ceiling;
        self
    }
}

impl fmt::Debug for IntrospectionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntrospectionConfig")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("cache_ceiling", &self.cache_ceiling)
            .finish()
    }
}

/// Settings [`OAuth::new`] refused, with what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError(String);

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OAuthError {}

/// The OAuth resource server: checks bearer tokens issued by one authorization server
/// for this server.
#[derive(Debug)]
pub struct OAuth {
    issuer: String,
    audience: String,
    jwt: JwtVerifier,
    introspector: Option<Introspector>,
}

impl OAuth {
    /// Checks the settings (URLs, algorithms, credentials). Fetches nothing: call
    /// [`OAuth::load_keys`] at start-up, or the first token fetches the keys.
    pub fn new(config: OAuthConfig) -> Result<Self, OAuthError> {
        let issuer_uri = check_url("auth.oauth.issuer", &config.issuer).map_err(OAuthError)?;
        if issuer_uri.query().is_some() {
            return Err(OAuthError(format!(
                "auth.oauth.issuer ({}) has a query (`?...`); an issuer identifier has none (RFC 8414)",
                config.issuer
            )));
        }
        if config.audience.trim().is_empty() {
            return Err(OAuthError(
                "auth.oauth.audience is empty; set it to this server's public MCP URL \
                 (such as https://mcp.example.com/mcp), which tokens must name in `aud`"
                    .to_owned(),
            ));
        }
        let algorithms = algorithms(&config.algorithms)?;
        let jwks_uri = config
            .jwks_uri
            .as_deref()
            .map(|uri| check_url("auth.oauth.jwks_uri", uri))
            .transpose()
            .map_err(OAuthError)?;
        let introspection = config.introspection.as_ref().map(endpoint).transpose()?;

        let mut urls = vec![&issuer_uri];
        urls.extend(jwks_uri.as_ref());
        urls.extend(introspection.as_ref().map(|e| &e.url));
        let client = HttpClient::new(&urls).map_err(|e| OAuthError(format!("auth.oauth: {e}")))?;

        let source = match jwks_uri {
            Some(uri) => KeySource::Explicit(uri),
            None => KeySource::Discover(config.issuer.clone()),
        };
        let keys = Arc::new(KeyStore::new(source, client.clone(), Timing::default()));
        let introspector = introspection
            .map(|endpoint| Introspector::new(endpoint, &config.issuer, &config.audience, client));
        Ok(Self {
            jwt: JwtVerifier::new(
                config.issuer.clone(),
                config.audience.clone(),
                &algorithms,
                keys,
            ),
            issuer: config.issuer,
            audience: config.audience,
            introspector,
        })
    }

    /// Fetches the issuer's keys now (discovering where they are first if
    /// `auth.oauth.jwks_uri` is not set) and starts refreshing them in the background;
    /// returns how many usable keys there are. A failure is also logged; tokens are
    /// refused until a later fetch succeeds.
    pub async fn load_keys(&self) -> Result<usize, OAuthError> {
        self.jwt.keys().load().await.map_err(|e| {
            OAuthError(format!(
                "the issuer's signing keys could not be fetched: {e}. Check auth.oauth.issuer \
                 and auth.oauth.jwks_uri, and that this server can reach them"
            ))
        })
    }

    /// The principal `token` (the bearer token, without `Bearer `) stands for, or why
    /// it is refused. Never fails for another reason than the token or the reachability
    /// of the authorization server ([`RejectionKind::Unavailable`]).
    pub async fn verify(&self, token: &str) -> Result<Principal, Rejection> {
        let fingerprint = fingerprint(token);
        if let Some(principal) = self.jwt.remembered(&fingerprint) {
            return Ok(principal);
        }
        if looks_like_jwt(token) {
            return self.jwt.verify(token, fingerprint).await;
        }
        match &self.introspector {
            Some(introspector) => introspector.verify(token, fingerprint).await,
            None => Err(Rejection::new(
                RejectionKind::Malformed,
                "the token is not a JWT, and auth.oauth.introspection is not configured, so \
                 this server cannot check opaque tokens",
            )),
        }
    }

    /// The issuer tokens must come from (`auth.oauth.issuer`).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audience tokens must name (`auth.oauth.audience`).
    pub fn audience(&self) -> &str {
        &self.audience
    }

    #[cfg(test)]
    pub(crate) fn key_store(&self) -> &Arc<KeyStore> {
        self.jwt.keys()
    }
}

fn algorithms(names: &[String]) -> Result<Vec<jsonwebtoken::Algorithm>, OAuthError> {
    if names.is_empty() {
        return Ok(ASYMMETRIC.to_vec());
    }
    names
        .iter()
        .map(|name| {
            asymmetric_algorithm(name).ok_or_else(|| {
                let why = if name.starts_with("HS") || name.eq_ignore_ascii_case("none") {
                    "unsigned and HMAC tokens are never accepted: a key published in a JWKS is \
                     no secret"
                } else {
                    "it is not a JWS signature algorithm this server implements"
                };
                OAuthError(format!(
                    "auth.oauth.algorithms lists {name:?}: {why}; use some of RS256, RS384, \
                     RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"
                ))
            })
        })
        .collect()
}

fn endpoint(config: &IntrospectionConfig) -> Result<Endpoint<'_>, OAuthError> {
    let url = check_url("auth.oauth.introspection.url", &config.url).map_err(OAuthError)?;
    for (key, value) in [
        ("client_id", &config.client_id),
        ("client_secret", &config.client_secret),
    ] {
        if value.is_empty() {
            return Err(OAuthError(format!(
                "auth.oauth.introspection.{key} is empty; the introspection endpoint needs this \
                 server's own client credentials (registered at the authorization server)"
            )));
        }
    }
    if config.cache_ceiling.is_zero() {
        return Err(OAuthError(
            "the introspection cache ceiling is zero; give it at least one second".to_owned(),
        ));
    }
    Ok(Endpoint {
        url,
        client_id: &config.client_id,
        client_secret: &config.client_secret,
        ceiling: config.cache_ceiling,
    })
}
