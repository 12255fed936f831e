//! The issuer's signing keys (its JWKS), fetched over HTTPS and kept in memory.
//!
//! When keys are fetched:
//! - on [`KeyStore::load`] (start-up), or on the first token if nothing called it;
//! - when a token names a key (`kid`) the set does not hold: the issuer has probably
//!   rotated its keys. At most once per [`Timing::min_on_demand`] (30 s), so a flood
//!   of tokens with made-up `kid`s costs the authorization server one request per
//!   30 s; concurrent tokens with unknown `kid`s share one fetch (single flight);
//! - every [`Timing::refresh_every`] (1 h) in the background, which drops retired
//!   keys. A fixed period rather than the answer's `Cache-Control`: authorization
//!   servers publish a new key well before signing with it, and a token signed with a
//!   key newer than the last fetch triggers a fetch anyway. After a failed fetch the
//!   background task retries after 30 s, doubling up to 5 min.
//!
//! A failed fetch keeps the keys already held: tokens signed with them still verify.
//! Each failed fetch is logged once at error level, with the URL and the cause.

use std::{
    sync::{
        Arc, PoisonError, RwLock, Weak,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use http::Uri;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{
    Rejection, RejectionKind,
    http::{HttpClient, check_url, split_origin},
};

/// Where the key set is.
#[derive(Debug, Clone)]
pub(crate) enum KeySource {
    /// `auth.oauth.jwks_uri`.
    Explicit(Uri),
    /// Read `jwks_uri` from the metadata of this issuer (`auth.oauth.issuer`).
    Discover(String),
}

/// How often keys are fetched.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// The least time between two fetches caused by unknown `kid`s.
    pub(crate) min_on_demand: Duration,
    /// The same while no key set was ever fetched: shorter, since every token is
    /// refused until one is.
    pub(crate) min_on_demand_unloaded: Duration,
    /// The period of the background refresh.
    pub(crate) refresh_every: Duration,
    /// The first retry after a failed background fetch; it doubles up to `retry_max`.
    pub(crate) retry_first: Duration,
    /// The longest wait between background retries.
    pub(crate) retry_max: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            min_on_demand: Duration::from_secs(30),
            min_on_demand_unloaded: Duration::from_secs(5),
            refresh_every: Duration::from_secs(3600),
            retry_first: Duration::from_secs(30),
            retry_max: Duration::from_secs(300),
        }
    }
}

/// The kinds of key a JWT can be verified with. HMAC (`kty: oct`) is not one: a
/// published HMAC key is a key anyone can sign with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    P256,
    P384,
    Ed25519,
}

/// One signing key of the issuer.
#[derive(Debug)]
pub(crate) struct Key {
    kid: Option<String>,
    kind: KeyKind,
    /// The key's own `alg`, when the JWK names one: then only that algorithm.
    alg: Option<Algorithm>,
    pub(crate) decoding: DecodingKey,
}

impl Key {
    /// Whether a token signed with `alg` may be checked with this key: the key type
    /// must fit the algorithm (an RSA key never checks an ES256 signature, and no key
    /// here checks an HMAC), and so must the key's own `alg` if it has one.
    pub(crate) fn accepts(&self, alg: Algorithm) -> bool {
        use Algorithm::*;
        let fits = match self.kind {
            KeyKind::Rsa => matches!(alg, RS256 | RS384 | RS512 | PS256 | PS384 | PS512),
            KeyKind::P256 => alg == ES256,
            KeyKind::P384 => alg == ES384,
            KeyKind::Ed25519 => alg == EdDSA,
        };
        fits && self.alg.is_none_or(|own| own == alg)
    }

    fn describe(&self) -> &'static str {
        match self.kind {
            KeyKind::Rsa => "an RSA key",
            KeyKind::P256 => "an EC P-256 key",
            KeyKind::P384 => "an EC P-384 key",
            KeyKind::Ed25519 => "an Ed25519 key",
        }
    }
}

/// The keys of one fetch.
#[derive(Debug, Default)]
pub(crate) struct KeySet {
    keys: Vec<Arc<Key>>,
    /// SHA-256 of the usable keys as published, to tell a changed set from a refetch of
    /// the same one.
    digest: [u8; 32],
    /// Grows when the keys change; answers cached under an older generation are stale
    /// (a key they were checked with may have been withdrawn).
    pub(crate) generation: u64,
    loaded: bool,
}

/// What a key set says about a token's key.
enum Lookup {
    Found(Arc<Key>),
    Absent,
    Refused(Rejection),
}

impl KeySet {
    /// A linear scan: key sets hold a handful of keys.
    fn lookup(&self, kid: Option<&str>, alg: Algorithm) -> Lookup {
        let Some(kid) = kid else {
            let mut fitting = self.keys.iter().filter(|k| k.accepts(alg));
            return match (fitting.next(), fitting.next()) {
                (Some(key), None) => Lookup::Found(key.clone()),
                (None, _) => Lookup::Absent,
                (Some(_), Some(_)) => Lookup::Refused(Rejection::new(
                    RejectionKind::Unknown,
                    format!(
                        "the token names no signing key (`kid` header) and the issuer \
                         publishes several {alg:?} keys; the authorization server must set `kid`"
                    ),
                )),
            };
        };
        match self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)) {
            Some(key) if key.accepts(alg) => Lookup::Found(key.clone()),
            Some(key) => Lookup::Refused(Rejection::new(
                RejectionKind::Unknown,
                format!(
                    "the token says it is signed with {alg:?}, but the issuer's key it names \
                     is {} for another algorithm",
                    key.describe()
                ),
            )),
            None => Lookup::Absent,
        }
    }
}

/// The issuer's keys, shared by every request.
#[derive(Debug)]
pub(crate) struct KeyStore {
    source: KeySource,
    client: HttpClient,
    timing: Timing,
    keys: RwLock<Arc<KeySet>>,
    /// Fetches begun so far: a request that waited for another one's fetch sees the
    /// count change and does not fetch again (single flight).
    fetches: AtomicU64,
    refresh: tokio::sync::Mutex<RefreshState>,
    refresher_started: AtomicBool,
}

#[derive(Debug, Default)]
struct RefreshState {
    last_on_demand: Option<Instant>,
    /// Found by discovery, then kept.
    jwks_uri: Option<Uri>,
    failures: u32,
}

impl KeyStore {
    pub(crate) fn new(source: KeySource, client: HttpClient, timing: Timing) -> Self {
        Self {
            source,
            client,
            timing,
            keys: RwLock::new(Arc::default()),
            fetches: AtomicU64::new(0),
            refresh: tokio::sync::Mutex::new(RefreshState::default()),
            refresher_started: AtomicBool::new(false),
        }
    }

    /// The keys held now.
    pub(crate) fn current(&self) -> Arc<KeySet> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The generation of the keys held now.
    pub(crate) fn generation(&self) -> u64 {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .generation
    }

    /// How many fetches were begun (tests count them).
    #[cfg(test)]
    pub(crate) fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Acquire)
    }

    /// Fetches the keys now and starts the background refresh; returns how many usable
    /// keys the set holds.
    pub(crate) async fn load(self: &Arc<Self>) -> Result<usize, String> {
        let fetched = self.fetch(&mut *self.refresh.lock().await).await;
        self.start_refresher();
        fetched
    }

    /// The key to check a token signed with `alg` (naming `kid`) with, and the
    /// generation of the set it came from; fetches the key set again if it does not
    /// hold that key.
    pub(crate) async fn key_for(
        self: &Arc<Self>,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<(Arc<Key>, u64), Rejection> {
        let seen = self.fetches.load(Ordering::Acquire);
        let set = self.current();
        match set.lookup(kid, alg) {
            Lookup::Found(key) => return Ok((key, set.generation)),
            Lookup::Refused(rejection) => return Err(rejection),
            Lookup::Absent => {}
        }
        self.refetch_on_demand(seen).await;
        self.start_refresher();
        let set = self.current();
        match set.lookup(kid, alg) {
            Lookup::Found(key) => Ok((key, set.generation)),
            Lookup::Refused(rejection) => Err(rejection),
            Lookup::Absent if !set.loaded => Err(Rejection::new(
                RejectionKind::Unavailable,
                "the issuer's signing keys could not be fetched, so the token could not be \
                 checked; try again shortly (the server's log names the cause)",
            )),
            Lookup::Absent if kid.is_some() => Err(Rejection::new(
                RejectionKind::Unknown,
                "the token names a signing key (`kid`) that the issuer does not publish",
            )),
            Lookup::Absent => Err(Rejection::new(
                RejectionKind::Unknown,
                format!(
                    "the token names no signing key (`kid`) and the issuer publishes no {alg:?} key"
                ),
            )),
        }
    }

    /// One fetch for all the requests that found their key missing at once, and none if
    /// the last such fetch was too recent.
    async fn refetch_on_demand(&self, seen: u64) {
        let mut state = self.refresh.lock().await;
        if self.fetches.load(Ordering::Acquire) != seen {
            return;
        }
        let min = if self.current().loaded {
            self.timing.min_on_demand
        } else {
            self.timing.min_on_demand_unloaded
        };
        if state.last_on_demand.is_some_and(|at| at.elapsed() < min) {
            return;
        }
        state.last_on_demand = Some(Instant::now());
        let _ = self.fetch(&mut state).await;
    }

    /// Fetches the key set (discovering its URL first if needed) and logs a failure.
    async fn fetch(&self, state: &mut RefreshState) -> Result<usize, String> {
        self.fetches.fetch_add(1, Ordering::AcqRel);
        match self.fetch_set(state).await {
            Ok(count) => {
                if state.failures > 0 {
                    tracing::info!(
                        failed_fetches = state.failures,
                        keys = count,
                        "fetched the issuer's signing keys again after failures"
                    );
                }
                state.failures = 0;
                Ok(count)
            }
            Err((url, error)) => {
                state.failures += 1;
                tracing::error!(
                    url = %url,
                    error = %error,
                    cached_keys = self.current().keys.len(),
                    "could not fetch the issuer's signing keys: tokens signed with keys \
                     already held still verify, tokens signed with any other key are refused \
                     until a fetch succeeds. Check that this URL answers from this server's \
                     network (auth.oauth.jwks_uri, or the metadata of auth.oauth.issuer)"
                );
                Err(error)
            }
        }
    }

    async fn fetch_set(&self, state: &mut RefreshState) -> Result<usize, (String, String)> {
        let uri = match (&self.source, &state.jwks_uri) {
            (KeySource::Explicit(uri), _) | (KeySource::Discover(_), Some(uri)) => uri.clone(),
            (KeySource::Discover(issuer), None) => {
                let uri = discover(&self.client, issuer).await?;
                state.jwks_uri = Some(uri.clone());
                uri
            }
        };
        let body = self
            .client
            .get(&uri)
            .await
            .map_err(|e| (uri.to_string(), e.to_string()))?;
        let (keys, digest) = parse_key_set(&body).map_err(|e| (uri.to_string(), e))?;
        let count = keys.len();
        let mut current = self.keys.write().unwrap_or_else(PoisonError::into_inner);
        let generation = if current.loaded && current.digest == digest {
            current.generation
        } else {
            current.generation + 1
        };
        *current = Arc::new(KeySet {
            keys,
            digest,
            generation,
            loaded: true,
        });
        Ok(count)
    }

    /// Starts the background refresh once, on the runtime of the first caller, after
    /// the first fetch (whose outcome sets the first wait). It ends when the store is
    /// dropped.
    fn start_refresher(self: &Arc<Self>) {
        if self.refresher_started.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.refresher_started.store(false, Ordering::Release);
            return;
        };
        runtime.spawn(refresh_forever(Arc::downgrade(self), self.timing));
    }
}

async fn refresh_forever(store: Weak<KeyStore>, timing: Timing) {
    let loaded = store.upgrade().is_some_and(|s| s.current().loaded);
    let mut wait = if loaded {
        timing.refresh_every
    } else {
        timing.retry_first
    };
    loop {
        tokio::time::sleep(wait).await;
        let Some(store) = store.upgrade() else { return };
        let mut state = store.refresh.lock().await;
        wait = match store.fetch(&mut state).await {
            Ok(_) => timing.refresh_every,
            Err(_) => {
                let doublings = state.failures.saturating_sub(1).min(16);
                timing
                    .retry_first
                    .saturating_mul(1 << doublings)
                    .min(timing.retry_max)
            }
        };
    }
}

/// Where the issuer's metadata may be: RFC 8414 (`/.well-known/oauth-authorization-server`
/// inserted before the issuer's path), then OpenID Connect Discovery (inserted, and
/// appended as OpenID Connect 1.0 has it), the order the MCP authorization spec gives.
pub(crate) fn metadata_urls(issuer: &str) -> Vec<String> {
    let (origin, path) = split_origin(issuer);
    let path = path.trim_end_matches('/');
    let mut urls = vec![
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
        format!("{origin}/.well-known/openid-configuration{path}"),
    ];
    if !path.is_empty() {
        urls.push(format!("{origin}{path}/.well-known/openid-configuration"));
    }
    urls
}

/// The `jwks_uri` from the issuer's metadata, checked to belong to that issuer.
async fn discover(client: &HttpClient, issuer: &str) -> Result<Uri, (String, String)> {
    let mut tried = Vec::new();
    for url in metadata_urls(issuer) {
        let Ok(uri) = url.parse::<Uri>() else {
            continue;
        };
        let body = match client.get(&uri).await {
            Ok(body) => body,
            Err(e) => {
                tried.push(format!("{url}: {e}"));
                continue;
            }
        };
        let metadata: Value = serde_json::from_slice(&body).map_err(|e| {
            (
                url.clone(),
                format!("the issuer's metadata is not JSON: {e}"),
            )
        })?;
        let named = metadata.get("issuer").and_then(Value::as_str);
        if named != Some(issuer) {
            return Err((
                url,
                format!(
                    "the metadata names issuer {named:?}, not auth.oauth.issuer ({issuer}); \
                     auth.oauth.issuer must be the `issuer` value exactly as published"
                ),
            ));
        }
        let jwks_uri = metadata
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                (
                    url.clone(),
                    "the issuer's metadata has no `jwks_uri`; set auth.oauth.jwks_uri".to_owned(),
                )
            })?;
        return check_url("the issuer's `jwks_uri`", jwks_uri).map_err(|e| (url, e));
    }
    Err((
        issuer.to_owned(),
        format!(
            "the issuer's metadata was found nowhere ({}); check auth.oauth.issuer, or set \
             auth.oauth.jwks_uri",
            tried.join("; ")
        ),
    ))
}

/// The usable signing keys of a JWKS document, and their digest. Keys this server
/// cannot use (encryption keys, HMAC keys, other curves) are skipped, not errors: an
/// issuer's set often holds some.
fn parse_key_set(body: &[u8]) -> Result<(Vec<Arc<Key>>, [u8; 32]), String> {
    let document: Value =
        serde_json::from_slice(body).map_err(|e| format!("is not a JSON key set (JWKS): {e}"))?;
    let listed = document
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("is not a JSON key set (JWKS): it has no `keys` array")?;
    let mut digest = Sha256::new();
    let mut keys = Vec::new();
    for jwk in listed {
        if let Some(key) = parse_key(jwk) {
            digest.update(jwk.to_string().as_bytes());
            keys.push(Arc::new(key));
        }
    }
    if keys.is_empty() {
        return Err(format!(
            "holds no usable signing key ({} listed; usable: RSA, EC P-256 or P-384, Ed25519, \
             not marked `use: enc`)",
            listed.len()
        ));
    }
    Ok((keys, digest.finalize().into()))
}

fn parse_key(jwk: &Value) -> Option<Key> {
    let text = |name: &str| jwk.get(name).and_then(Value::as_str);
    if text("use").is_some_and(|u| u != "sig") {
        return None;
    }
    let (kind, decoding) = match (text("kty")?, text("crv")) {
        ("RSA", _) => (
            KeyKind::Rsa,
            DecodingKey::from_rsa_components(text("n")?, text("e")?),
        ),
        ("EC", Some("P-256")) => (
            KeyKind::P256,
            DecodingKey::from_ec_components(text("x")?, text("y")?),
        ),
        ("EC", Some("P-384")) => (
            KeyKind::P384,
            DecodingKey::from_ec_components(text("x")?, text("y")?),
        ),
        ("OKP", Some("Ed25519")) => (
            KeyKind::Ed25519,
            DecodingKey::from_ed_components(text("x")?),
        ),
        _ => return None,
    };
    let alg = match text("alg") {
        Some(name) => Some(super::jwt::asymmetric_algorithm(name)?),
        None => None,
    };
    let key = Key {
        kid: text("kid").map(str::to_owned),
        kind,
        alg,
        decoding: decoding.ok()?,
    };
    // A key whose own `alg` does not fit its type could never check a signature.
    key.alg.is_none_or(|alg| key.accepts(alg)).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_urls_insert_the_well_known_path_before_the_issuers_path() {
        assert_eq!(
            metadata_urls("https://as.example.com"),
            [
                "https://as.example.com/.well-known/oauth-authorization-server",
                "https://as.example.com/.well-known/openid-configuration",
            ]
        );
        assert_eq!(
            metadata_urls("https://as.example.com/realms/mcp/"),
            [
                "https://as.example.com/.well-known/oauth-authorization-server/realms/mcp",
                "https://as.example.com/.well-known/openid-configuration/realms/mcp",
                "https://as.example.com/realms/mcp/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn only_signing_keys_of_known_types_are_kept() {
        let set = serde_json::json!({"keys": [
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            {"kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB", "kid": "enc"},
            {"kty": "EC", "crv": "P-521", "x": "AQAB", "y": "AQAB", "kid": "p521"},
            {"kty": "RSA", "alg": "RSA-OAEP", "n": "AQAB", "e": "AQAB", "kid": "oaep"},
            {"kty": "RSA", "alg": "ES256", "n": "AQAB", "e": "AQAB", "kid": "mismatched"},
            {"kty": "RSA", "alg": "RS256", "n": "AQAB", "e": "AQAB", "kid": "good"},
        ]});
        let (keys, _) = parse_key_set(set.to_string().as_bytes()).expect("one usable key");
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].kid.as_deref(), Some("good"));
        assert!(keys[0].accepts(Algorithm::RS256));
        assert!(
            !keys[0].accepts(Algorithm::PS256),
            "the key's own alg binds it"
        );

        let none = parse_key_set(br#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#).unwrap_err();
        assert!(none.contains("no usable signing key"), "{none}");
        assert!(
            parse_key_set(b"<html>")
                .unwrap_err()
                .contains("not a JSON key set")
        );
    }
}
