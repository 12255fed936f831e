//! Who is calling, and whether they may: credentials checked into a [`Principal`],
//! and the scopes each target requires.
//!
//! Both transports decide the same way: HTTP takes the credential from the
//! `Authorization: Bearer` header, stdio from the `{NAME}_TOKEN` environment variable,
//! and each asks the same gate before the request reaches the protocol layer. A refusal
//! is `unauthenticated` (no usable credential: HTTP 401) or `forbidden` (a valid
//! credential without the target's scopes: HTTP 403).

pub(crate) mod cache;
pub(crate) mod challenge;
pub(crate) mod http;
pub(crate) mod introspect;
pub(crate) mod jwks;
pub(crate) mod jwt;
pub(crate) mod metadata;
pub(crate) mod oauth;
pub(crate) mod token;

#[cfg(test)]
mod introspect_tests;
#[cfg(test)]
mod jwt_tests;
#[cfg(test)]
mod test_support;

use std::{fmt, sync::Arc};

mod config;
pub(crate) mod gate;
pub(crate) mod refusal;
#[cfg(test)]
mod tests;

pub use config::{
    AuthConfig, AuthMode, IntrospectionSettings, OAuthSettings, StaticToken, StdioAuth,
};

/// Who a request comes from, once its credential has been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Who the credential belongs to: a token's subject, a JWT's `sub`.
    pub subject: String,
    /// The scopes the credential grants, sorted and without duplicates.
    pub scopes: Vec<String>,
    /// How the credential was checked.
    pub method: AuthMethod,
    /// The credential's own id where it has one (a managed token's id, a JWT's `jti`);
    /// never the credential itself.
    pub token_id: Option<String>,
}

impl Principal {
    /// A caller with no credential, let through to a target open to anonymous callers.
    pub fn anonymous() -> Self {
        Self {
            subject: "anonymous".into(),
            scopes: Vec::new(),
            method: AuthMethod::Anonymous,
            token_id: None,
        }
    }

    /// Whether the caller presented no credential.
    pub fn is_anonymous(&self) -> bool {
        self.method == AuthMethod::Anonymous
    }

    /// Whether the credential grants `scope`.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// How a credential was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMethod {
    /// A static token from the spec (`auth.tokens`).
    StaticToken,
    /// A token created by `NAME token create`, kept in the server's store.
    ManagedToken,
    /// A JWT access token, checked against the issuer's keys (mode `oauth`).
    Jwt,
    /// An opaque token the authorization server vouched for (RFC 7662 introspection).
    Introspection,
    /// The local user on stdio, trusted by the spec (`auth.stdio: local_user`).
    LocalUser,
    /// No credential, on a target open to anonymous callers.
    Anonymous,
}

impl AuthMethod {
    /// The name in records and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StaticToken => "static_token",
            Self::ManagedToken => "managed_token",
            Self::Jwt => "jwt",
            Self::Introspection => "introspection",
            Self::LocalUser => "local_user",
            Self::Anonymous => "anonymous",
        }
    }
}

/// Why a credential was not accepted. Never holds the credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// What was wrong, in one word.
    pub kind: RejectionKind,
    /// What the client should know, safe to send back (`error_description`).
    pub description: String,
}

impl Rejection {
    /// A rejection of `kind` with `description`.
    pub fn new(kind: RejectionKind, description: impl Into<String>) -> Self {
        Self {
            kind,
            description: description.into(),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.description)
    }
}

/// What was wrong with a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectionKind {
    /// No credential where one is required.
    Missing,
    /// Not a token of any form the server accepts (bad encoding, bad checksum, not a JWT).
    Malformed,
    /// Well-formed, but no token the server knows (or a signature that does not verify).
    Unknown,
    /// Past its expiry (`exp`, or a managed token's `--expires-in`), or not yet valid (`nbf`).
    Expired,
    /// Revoked by `NAME token revoke` (or inactive at the authorization server).
    Revoked,
    /// Issued for another resource (`aud` does not name this server).
    WrongAudience,
    /// Issued by another authorization server (`iss`).
    WrongIssuer,
    /// The keys or the introspection endpoint could not be reached, so the credential
    /// could not be checked.
    Unavailable,
}

impl RejectionKind {
    /// The name in records, logs and the machine-readable data of a refusal.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Malformed => "malformed",
            Self::Unknown => "unknown",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
            Self::WrongAudience => "wrong_audience",
            Self::WrongIssuer => "wrong_issuer",
            Self::Unavailable => "unavailable",
        }
    }
}

/// The gate's decision on one request, written into its record: the principal to hand
/// to the handler (`None`: auth is off, or discovery without a credential), or the
/// refusal to answer with. Both transports call this, so both decide alike.
pub(crate) async fn admit(
    registry: &crate::declare::registry::Registry,
    credential: gate::Credential<'_>,
    via: refusal::Via<'_>,
    record: &crate::observe::record::Recording,
) -> Result<Option<Arc<Principal>>, refusal::Refusal> {
    let Some(gate) = &registry.gate else {
        return Ok(None);
    };
    let requirement = record
        .read(|r| {
            gate::requirement(
                registry,
                r.method.as_deref().unwrap_or(""),
                r.target.as_deref(),
            )
        })
        .unwrap_or(gate::Requirement::Principal);
    let access = gate.check(credential, requirement).await;
    let refusal = match &access {
        gate::Access::Allowed(_) => None,
        refused => {
            // Named only to refuse: a request let through allocates nothing for it.
            let named = record
                .read(|r| gate::named(r.method.as_deref().unwrap_or(""), r.target.as_deref()))
                .unwrap_or_default();
            let scopes = match requirement {
                gate::Requirement::Target { scopes, .. } => scopes,
                _ => &[],
            };
            refusal::Refusal::of(refused, via, &named, scopes)
        }
    };
    record.update(|r| {
        r.principal = match &access {
            gate::Access::Allowed(principal) => principal.clone(),
            gate::Access::Forbidden { principal, .. } => Some(Arc::clone(principal)),
            gate::Access::Unauthenticated(_) => None,
        };
        if let Some(refusal) = &refusal {
            r.outcome = Some(if refusal.unauthenticated {
                crate::observe::record::Outcome::Unauthenticated
            } else {
                crate::observe::record::Outcome::Forbidden
            });
            r.error_code = Some(refusal.code);
            r.detail = Some(refusal.detail.clone());
        }
    });
    match (access, refusal) {
        (_, Some(refusal)) => Err(refusal),
        (gate::Access::Allowed(principal), None) => Ok(principal),
        _ => Ok(None),
    }
}
