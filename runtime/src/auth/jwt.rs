//! JWT access tokens, checked against the issuer's keys (mode `oauth`).
//!
//! A token is accepted when its signature verifies with one of the issuer's keys under
//! an asymmetric algorithm on the allow-list (never `none`, never HMAC: a key from a
//! public JWKS is no secret), `iss` is `auth.oauth.issuer` exactly, `aud` names
//! `auth.oauth.audience`, `exp` is present and not past, and `nbf` (if any) is not in
//! the future, each with [`LEEWAY_SECS`] for clock skew.
//!
//! A client sends the same token on every request, so an accepted token is remembered
//! (under its SHA-256) until its `exp`: the next request costs a hash and a map look-up
//! instead of a signature check (RSA and ECDSA in pure Rust take tens to hundreds of
//! microseconds). A change in the issuer's key set forgets every remembered token, so
//! a withdrawn key stops working at once.

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, Validation, errors::ErrorKind};
use serde::Deserialize;

use super::{
    AuthMethod, Principal, Rejection, RejectionKind,
    cache::{Fingerprint, TokenCache},
    jwks::KeyStore,
};

/// Seconds of clock skew tolerated on `exp` and `nbf`.
pub(crate) const LEEWAY_SECS: u64 = 60;

/// How many accepted tokens are remembered.
const REMEMBERED: usize = 10_000;

/// Every algorithm a JWT may be signed with: the asymmetric ones.
pub(crate) const ASYMMETRIC: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The asymmetric algorithm named `name` (JOSE spelling), if it is one.
pub(crate) fn asymmetric_algorithm(name: &str) -> Option<Algorithm> {
    Some(match name {
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        "PS256" => Algorithm::PS256,
        "PS384" => Algorithm::PS384,
        "PS512" => Algorithm::PS512,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        "EdDSA" => Algorithm::EdDSA,
        _ => return None,
    })
}

/// Whether `token` has the shape of a JWT: three non-empty base64url segments.
pub(crate) fn looks_like_jwt(token: &str) -> bool {
    let segment = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    // An empty signature is an unsigned JWT (`alg: none`): still a JWT, refused as one,
    // never sent to the introspection endpoint as an opaque token.
    let mut parts = token.split('.');
    (0..2).all(|_| parts.next().is_some_and(segment))
        && parts.next().is_some_and(|s| s.is_empty() || segment(s))
        && parts.next().is_none()
}

/// `scope` (RFC 8693, RFC 9068: a space-separated string) or `scp` (a string or an
/// array, as some authorization servers write it).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Scopes {
    Text(String),
    List(Vec<String>),
}

/// The scopes of `scope` and `scp` together, sorted and without duplicates.
pub(crate) fn granted_scopes(scope: Option<Scopes>, scp: Option<Scopes>) -> Vec<String> {
    let mut scopes: Vec<String> = [scope, scp]
        .into_iter()
        .flatten()
        .flat_map(|s| match s {
            Scopes::Text(text) => text.split_whitespace().map(str::to_owned).collect(),
            Scopes::List(list) => list,
        })
        .filter(|s| !s.is_empty())
        .collect();
    scopes.sort_unstable();
    scopes.dedup();
    scopes
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The claims a principal is made of; `iss`, `aud`, `exp` and `nbf` are checked by
/// jsonwebtoken before these are read.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: Option<String>,
    client_id: Option<String>,
    jti: Option<String>,
    scope: Option<Scopes>,
    scp: Option<Scopes>,
    exp: Option<f64>,
}

/// The protected header fields this server reads.
#[derive(Debug, Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
    crit: Option<serde_json::Value>,
}

#[derive(Debug, Clone)]
struct Remembered {
    principal: Principal,
    /// The key set generation the signature was checked under.
    generation: u64,
}

/// Checks JWT access tokens for one issuer and one audience.
#[derive(Debug)]
pub(crate) struct JwtVerifier {
    issuer: String,
    audience: String,
    keys: Arc<KeyStore>,
    /// One validation per accepted algorithm, built once.
    validations: Vec<(Algorithm, Validation)>,
    accepted: String,
    remembered: TokenCache<Remembered>,
}

impl JwtVerifier {
    /// A verifier accepting tokens signed with `algorithms` (a subset of [`ASYMMETRIC`]).
    pub(crate) fn new(
        issuer: String,
        audience: String,
        algorithms: &[Algorithm],
        keys: Arc<KeyStore>,
    ) -> Self {
        let mut validations: Vec<(Algorithm, Validation)> = Vec::new();
        for &alg in algorithms {
            if validations.iter().any(|(seen, _)| *seen == alg) {
                continue;
            }
            let mut validation = Validation::new(alg);
            validation.leeway = LEEWAY_SECS;
            validation.validate_exp = true;
            validation.validate_nbf = true;
            validation.set_issuer(&[&issuer]);
            validation.set_audience(&[&audience]);
            validation.set_required_spec_claims(&["exp", "iss", "aud"]);
            validations.push((alg, validation));
        }
        let accepted = validations
            .iter()
            .map(|(alg, _)| format!("{alg:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        Self {
            issuer,
            audience,
            keys,
            validations,
            accepted,
            remembered: TokenCache::new(REMEMBERED),
        }
    }

    /// The issuer's keys.
    pub(crate) fn keys(&self) -> &Arc<KeyStore> {
        &self.keys
    }

    /// The principal of a token accepted before (by its SHA-256), if it has not
    /// expired and the keys have not changed since. This is the hot path: a client sends
    /// the same token on every request.
    pub(crate) fn remembered(&self, fingerprint: &Fingerprint) -> Option<Principal> {
        self.remembered
            .get(fingerprint, Instant::now())
            .filter(|hit| hit.generation == self.keys.generation())
            .map(|hit| hit.principal)
    }

    /// Checks `token` (whose SHA-256 is `fingerprint`) in full: signature, issuer,
    /// audience, times. An accepted token is remembered until its `exp`.
    pub(crate) async fn verify(
        &self,
        token: &str,
        fingerprint: Fingerprint,
    ) -> Result<Principal, Rejection> {
        let header = parse_header(token)?;
        let (alg, validation) = self.validation_for(&header.alg)?;
        let (key, generation) = self.keys.key_for(header.kid.as_deref(), alg).await?;
        let claims = jsonwebtoken::decode::<Claims>(token, &key.decoding, validation)
            .map_err(|e| self.reject(e.kind()))?
            .claims;
        let exp = claims.exp.unwrap_or(0.0);
        let principal = principal(claims)?;
        let left = exp + LEEWAY_SECS as f64 - unix_now();
        if left > 0.0 {
            let remembered = Remembered {
                principal: principal.clone(),
                generation,
            };
            let until = Instant::now() + Duration::from_secs_f64(left.min(86_400.0 * 365.0));
            self.remembered.insert(fingerprint, remembered, until);
        }
        Ok(principal)
    }

    fn validation_for(&self, alg: &str) -> Result<(Algorithm, &Validation), Rejection> {
        let found = asymmetric_algorithm(alg)
            .and_then(|alg| self.validations.iter().find(|(a, _)| *a == alg));
        if let Some((alg, validation)) = found {
            return Ok((*alg, validation));
        }
        let accepted = &self.accepted;
        let why = if alg.eq_ignore_ascii_case("none") {
            format!(
                "the token is unsigned (`alg: none`); only signed tokens are accepted ({accepted})"
            )
        } else if alg.starts_with("HS") {
            format!(
                "the token is signed with a shared secret (HMAC); only the issuer's public-key \
                 signatures are accepted ({accepted})"
            )
        } else {
            format!(
                "the token's signature algorithm (`alg`) is not accepted (accepted: {accepted})"
            )
        };
        Err(Rejection::new(RejectionKind::Malformed, why))
    }

    fn reject(&self, error: &ErrorKind) -> Rejection {
        let (kind, why) = match error {
            ErrorKind::InvalidSignature => (
                RejectionKind::Unknown,
                "the token's signature does not verify with the issuer's key: it was altered \
                 or signed by someone else"
                    .to_owned(),
            ),
            ErrorKind::ExpiredSignature => (
                RejectionKind::Expired,
                format!("the token has expired (`exp` is past, beyond {LEEWAY_SECS} s of leeway); get a new one"),
            ),
            ErrorKind::ImmatureSignature => (
                RejectionKind::Expired,
                format!(
                    "the token is not valid yet (`nbf` is more than {LEEWAY_SECS} s ahead); \
                     check the clocks of this server and the authorization server"
                ),
            ),
            ErrorKind::InvalidIssuer => (
                RejectionKind::WrongIssuer,
                format!("the token was issued by another authorization server (expected `iss` {})", self.issuer),
            ),
            ErrorKind::InvalidAudience => (
                RejectionKind::WrongAudience,
                format!("the token's audience does not name this server (expected {})", self.audience),
            ),
            ErrorKind::MissingRequiredClaim(claim) => match claim.as_str() {
                "iss" => (
                    RejectionKind::WrongIssuer,
                    format!("the token names no issuer (`iss`); expected {}", self.issuer),
                ),
                "aud" => (
                    RejectionKind::WrongAudience,
                    format!("the token names no audience (`aud`); it must name this server ({})", self.audience),
                ),
                _ => (
                    RejectionKind::Malformed,
                    "the token has no expiry (`exp`); tokens without one are refused".to_owned(),
                ),
            },
            ErrorKind::InvalidClaimFormat(claim) => (
                RejectionKind::Malformed,
                format!("the token's `{claim}` claim is not of the type JWT defines"),
            ),
            _ => (
                RejectionKind::Malformed,
                "the token is not a well-formed JWT (its header, claims or signature do not decode)"
                    .to_owned(),
            ),
        };
        Rejection::new(kind, why)
    }
}

fn parse_header(token: &str) -> Result<Header, Rejection> {
    let malformed = || {
        Rejection::new(
            RejectionKind::Malformed,
            "the token's header is not base64url-encoded JSON with an `alg`",
        )
    };
    let encoded = token.split('.').next().unwrap_or_default();
    let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| malformed())?;
    let header: Header = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
    if header.crit.is_some() {
        return Err(Rejection::new(
            RejectionKind::Malformed,
            "the token's header lists critical extensions (`crit`) this server does not implement",
        ));
    }
    Ok(header)
}

fn principal(claims: Claims) -> Result<Principal, Rejection> {
    // RFC 9068 requires `sub`; tokens from the client-credentials grant of some
    // authorization servers carry only `client_id`.
    let subject = claims.sub.or(claims.client_id).ok_or_else(|| {
        Rejection::new(
            RejectionKind::Malformed,
            "the token names no subject (`sub` or `client_id`)",
        )
    })?;
    Ok(Principal {
        subject,
        scopes: granted_scopes(claims.scope, claims.scp),
        method: AuthMethod::Jwt,
        token_id: claims.jti,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_shape() {
        assert!(looks_like_jwt("eyJh.eyJz.c2ln"));
        assert!(looks_like_jwt("a-_0.b.c"));
        assert!(
            looks_like_jwt("eyJh.eyJz."),
            "unsigned, and refused as a JWT"
        );
        assert!(!looks_like_jwt("a.b"));
        assert!(!looks_like_jwt("a.b.c.d"));
        assert!(!looks_like_jwt("a..c"));
        assert!(!looks_like_jwt("a.b.c="));
        assert!(!looks_like_jwt("mcp_0123456789abcdef"));
        assert!(!looks_like_jwt(""));
    }

    #[test]
    fn scopes_from_scope_and_scp_are_sorted_and_deduplicated() {
        let text = |s: &str| Some(Scopes::Text(s.into()));
        assert_eq!(granted_scopes(text("b a  b"), None), ["a", "b"]);
        assert_eq!(
            granted_scopes(
                None,
                Some(Scopes::List(vec!["z".into(), "a".into(), String::new()]))
            ),
            ["a", "z"]
        );
        assert_eq!(granted_scopes(text("x"), text("y x")), ["x", "y"]);
        assert!(granted_scopes(None, None).is_empty());
    }
}
