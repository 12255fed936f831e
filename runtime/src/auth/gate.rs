//! The one decision every request goes through when auth is on, on every transport:
//! who the credential names ([`Gate::authenticate`]), what the request's target asks
//! for ([`Requirement`]), and whether the first satisfies the second ([`Gate::check`]).

use std::{collections::HashMap, sync::Arc, sync::OnceLock};

use sha2::{Digest, Sha256};

use super::config::{AuthConfig, AuthMode, StdioAuth};
use super::{AuthMethod, Principal, Rejection, RejectionKind};
/// What checks tokens beyond the spec's static ones, attached when the server starts
/// (the store's place and the public URL come from the command line).
#[derive(Default)]
pub(crate) struct Verifiers {
    /// Managed tokens: the ones with the store's prefix, checked without waiting.
    pub(crate) store: Option<crate::store::Store>,
    /// The authorization server's access tokens (mode `oauth`): every other token.
    pub(crate) oauth: Option<super::oauth::OAuth>,
}

/// The credential a request came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credential<'a> {
    /// None at all.
    Absent,
    /// A bearer token.
    Bearer(&'a str),
    /// A bearer token with its SHA-256, computed once by a caller that presents the same
    /// token on every request (stdio's, from the environment).
    Hashed(&'a str, &'a [u8; 32]),
    /// Something that is not a bearer token (`Authorization: Basic …`, a token in the
    /// query string): refused as malformed, with what to send instead.
    Unusable(&'static str),
    /// The local user on stdio (`auth.stdio: local_user`).
    LocalUser,
}

/// What a request's target asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Requirement<'a> {
    /// Nothing when discovery is public (`initialize`, the lists, `ping`), else a
    /// valid credential.
    Discovery,
    /// A valid credential with these scopes, or none at all if `anonymous`.
    Target {
        scopes: &'a [String],
        anonymous: bool,
    },
    /// A valid credential (tasks, completions, subscriptions, unknown targets).
    Principal,
}

/// The gate's answer.
#[derive(Debug, Clone)]
pub(crate) enum Access {
    /// Let through as this principal (`None`: discovery without a credential).
    Allowed(Option<Arc<Principal>>),
    /// Refused: no usable credential.
    Unauthenticated(Rejection),
    /// Refused: a valid credential without all the scopes the target needs.
    Forbidden {
        principal: Arc<Principal>,
        /// All the target's scopes (what a new token must grant).
        needed: Vec<String>,
    },
}

/// The checks of a server with auth on.
pub(crate) struct Gate {
    public_discovery: bool,
    stdio: StdioAuth,
    /// The local user on stdio (`auth.stdio: local_user`), with every declared scope.
    local_user: Arc<Principal>,
    /// Static tokens by their SHA-256: a lookup by a hash of the secret keeps the
    /// secret's own bytes out of any comparison whose time could leak them.
    statics: HashMap<[u8; 32], Arc<Principal>>,
    /// Managed tokens and OAuth, attached when the server starts.
    verifiers: OnceLock<Verifiers>,
    /// The authorization server, read when the server starts.
    oauth: Option<super::OAuthSettings>,
    /// The protected resource metadata (mode `oauth`), once the public URL is known.
    metadata: OnceLock<super::metadata::ResourceMetadata>,
}

impl Gate {
    /// The gate of `config`, or `None` for `mode: none`. Static tokens are read from the
    /// environment here; a missing variable is a problem in `problems`.
    pub(crate) fn build(config: &AuthConfig, problems: &mut Vec<String>) -> Option<Self> {
        if config.mode == AuthMode::None {
            return None;
        }
        let mut statics = HashMap::new();
        for token in &config.tokens {
            match crate::env::expand(&token.token) {
                Ok(secret) if secret.is_empty() => problems.push(format!(
                    "the static token of `{}` (auth.tokens) is empty: set the variable in `{}` \
                     to a long random value where the server runs",
                    token.subject, token.token
                )),
                Ok(secret) => {
                    let principal = Principal {
                        subject: token.subject.clone(),
                        scopes: sorted(&token.scopes),
                        method: AuthMethod::StaticToken,
                        token_id: None,
                    };
                    statics.insert(digest(&secret), Arc::new(principal));
                }
                Err(error) => problems.push(format!(
                    "the static token of `{}` (auth.tokens): {error}",
                    token.subject
                )),
            }
        }
        Some(Self {
            public_discovery: config.public_discovery,
            stdio: config.stdio,
            local_user: Arc::new(Principal {
                subject: std::env::var("USER").unwrap_or_else(|_| "local_user".to_owned()),
                scopes: sorted(&config.scopes),
                method: AuthMethod::LocalUser,
                token_id: None,
            }),
            statics,
            verifiers: OnceLock::new(),
            oauth: config.oauth.clone(),
            metadata: OnceLock::new(),
        })
    }

    /// Attaches the verifiers of managed tokens and OAuth; once, at start-up.
    pub(crate) fn attach(&self, verifiers: Verifiers) {
        let _ = self.verifiers.set(verifiers);
    }

    /// The protected resource metadata, in mode `oauth`.
    pub(crate) fn metadata(&self) -> Option<&super::metadata::ResourceMetadata> {
        self.metadata.get()
    }

    /// The OAuth verifier and the metadata of mode `oauth`, for a server reached at
    /// `public_url`: settings read from the environment, the issuer's keys fetched (a
    /// failure is logged, and tokens wait for a later fetch).
    pub(crate) async fn start_oauth(
        &self,
        public_url: Option<&str>,
    ) -> Result<Option<super::oauth::OAuth>, String> {
        let Some(settings) = &self.oauth else {
            return Ok(None);
        };
        let read = |key: &str, value: &str| {
            crate::env::expand(value).map_err(|e| format!("auth.oauth.{key}: {e}"))
        };
        let issuer = read("issuer", &settings.issuer)?;
        let audience = match (&settings.audience, public_url) {
            (Some(audience), _) => read("audience", audience)?,
            (None, Some(url)) => url.to_owned(),
            (None, None) => {
                return Err("mode oauth needs the URL tokens are issued for: set \
                     transports.http.public_url (or --public-url), or auth.oauth.audience"
                    .to_owned());
            }
        };
        let mut config = super::oauth::OAuthConfig::new(&issuer, &audience);
        if let Some(uri) = &settings.jwks_uri {
            config = config.with_jwks_uri(read("jwks_uri", uri)?);
        }
        if let Some(endpoint) = &settings.introspection {
            let mut introspection = super::oauth::IntrospectionConfig::new(
                read("introspection.url", &endpoint.url)?,
                read("introspection.client_id", &endpoint.client_id)?,
                read("introspection.client_secret", &endpoint.client_secret)?,
            );
            if let Some(ceiling) = endpoint.cache {
                introspection = introspection.with_cache_ceiling(ceiling);
            }
            config = config.with_introspection(introspection);
        }
        let oauth = super::oauth::OAuth::new(config).map_err(|e| e.to_string())?;
        if let Err(error) = oauth.load_keys().await {
            tracing::error!(%error, "the server starts without the issuer's keys");
        }
        let resource = public_url.unwrap_or(&audience);
        let metadata = super::metadata::ResourceMetadata::new(resource, issuer)
            // The declared scopes, which the local user holds all of.
            .with_scopes(self.local_user.scopes.iter().cloned());
        let _ = self.metadata.set(metadata);
        Ok(Some(oauth))
    }

    /// How the stdio client authenticates.
    pub(crate) fn stdio(&self) -> StdioAuth {
        self.stdio
    }

    /// The decision for a request with `credential` to a target that asks `requirement`.
    pub(crate) async fn check(
        &self,
        credential: Credential<'_>,
        requirement: Requirement<'_>,
    ) -> Access {
        let principal = match credential {
            Credential::Absent => None,
            credential => Some(self.authenticate(credential).await),
        };
        if requirement == Requirement::Discovery && self.public_discovery {
            // Public: a credential that is refused does not close what anyone may see,
            // and the principal is not taken from it either.
            return Access::Allowed(principal.and_then(Result::ok));
        }
        let principal = match principal {
            None => None,
            Some(Ok(principal)) => Some(principal),
            Some(Err(rejection)) => return Access::Unauthenticated(rejection),
        };
        match (requirement, principal) {
            (
                Requirement::Target {
                    anonymous: true, ..
                },
                None,
            ) => Access::Allowed(Some(Arc::new(Principal::anonymous()))),
            (_, None) => Access::Unauthenticated(Rejection::new(
                RejectionKind::Missing,
                "this request needs a credential",
            )),
            (Requirement::Target { scopes, .. }, Some(principal)) => {
                if scopes.iter().all(|s| principal.has_scope(s)) {
                    Access::Allowed(Some(principal))
                } else {
                    Access::Forbidden {
                        principal,
                        needed: scopes.to_vec(),
                    }
                }
            }
            (_, Some(principal)) => Access::Allowed(Some(principal)),
        }
    }

    /// Who `credential` names, or why it names no one. Never falls back on anonymous.
    async fn authenticate(&self, credential: Credential<'_>) -> Result<Arc<Principal>, Rejection> {
        let (token, hashed) = match credential {
            Credential::Absent => {
                return Err(Rejection::new(RejectionKind::Missing, "no credential"));
            }
            Credential::Unusable(why) => return Err(Rejection::new(RejectionKind::Malformed, why)),
            Credential::LocalUser => return Ok(Arc::clone(&self.local_user)),
            Credential::Bearer(token) => (token, None),
            Credential::Hashed(token, digest) => (token, Some(digest)),
        };
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Rejection::new(
                RejectionKind::Malformed,
                "the bearer token is empty or holds characters no token has (spaces, \
                 control characters, non-ASCII); send the token exactly as it was issued",
            ));
        }
        let digest = hashed.copied().unwrap_or_else(|| digest(token));
        if let Some(principal) = self.statics.get(&digest) {
            return Ok(Arc::clone(principal));
        }
        let verifiers = self.verifiers.get();
        if let Some(store) = verifiers.and_then(|v| v.store.as_ref())
            && token.starts_with(super::token::PREFIX)
        {
            return store.verify_digest(token, &digest);
        }
        if let Some(oauth) = verifiers.and_then(|v| v.oauth.as_ref()) {
            return oauth.verify(token).await.map(Arc::new);
        }
        Err(Rejection::new(
            RejectionKind::Unknown,
            "the server knows no such token; check that it was copied whole, and ask the \
             server's operator for a new one if it was",
        ))
    }
}

pub(crate) fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn sorted(scopes: &[String]) -> Vec<String> {
    let mut scopes = scopes.to_vec();
    scopes.sort();
    scopes.dedup();
    scopes
}

/// What a request of `method` to `target` (a tool or prompt name, a resource URI) asks
/// of its caller.
pub(crate) fn requirement<'r>(
    registry: &'r crate::declare::registry::Registry,
    method: &str,
    target: Option<&str>,
) -> Requirement<'r> {
    use crate::declare::uri_template::UriMatch;
    // Anonymous callers hold no scopes: a target that asks for some is never open to them.
    let of = |scopes: &'r [String], anonymous: bool| Requirement::Target {
        scopes,
        anonymous: anonymous && scopes.is_empty(),
    };
    let found = match (method, target) {
        ("tools/call", Some(name)) => registry
            .tool_index
            .get(name)
            .map(|&i| &registry.tools[i].def)
            .map(|def| of(&def.scopes, def.anonymous)),
        ("prompts/get", Some(name)) => registry
            .prompt_index
            .get(name)
            .map(|&i| &registry.prompts[i].def)
            .map(|def| of(&def.scopes, def.anonymous)),
        ("resources/read", Some(uri)) => {
            let fixed = registry
                .resource_index
                .get(uri)
                .map(|&i| &registry.resources[i].def)
                .map(|def| of(&def.scopes, def.anonymous));
            fixed.or_else(|| {
                registry
                    .templates
                    .iter()
                    .find(|t| !matches!(t.template.matches(uri), UriMatch::NoMatch))
                    .map(|t| of(&t.def.scopes, t.def.anonymous))
            })
        }
        // No method: an HTTP GET (the SSE stream) or DELETE, or a response the client
        // sends back; like notifications, they carry no call.
        ("", _) => Some(Requirement::Discovery),
        (
            "initialize"
            | "ping"
            | "server/discover"
            | "tools/list"
            | "resources/list"
            | "resources/templates/list"
            | "prompts/list",
            _,
        ) => Some(Requirement::Discovery),
        (notification, _) if notification.starts_with("notifications/") => {
            Some(Requirement::Discovery)
        }
        _ => None,
    };
    found.unwrap_or(Requirement::Principal)
}

/// How a refusal names what was asked for (``tool `delete_issue` ``).
pub(crate) fn named(method: &str, target: Option<&str>) -> String {
    match (method, target) {
        ("tools/call", Some(name)) => format!("tool `{name}`"),
        ("prompts/get", Some(name)) => format!("prompt `{name}`"),
        ("resources/read", Some(uri)) => format!("resource `{uri}`"),
        ("", _) => "this request".to_owned(),
        (method, _) => format!("`{method}`"),
    }
}
