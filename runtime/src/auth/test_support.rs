//! A loopback authorization server for the OAuth tests: it serves a key set, metadata
//! and an introspection endpoint, counts the requests it gets and can be taken down;
//! and signers holding the test keys of `tests/fixtures/oauth/` (test keys only).

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
};

use axum::{
    Router,
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    routing::{get, post},
};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, jwk::Jwk};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::{http::form_encode, jwt::unix_now};

pub(crate) const RSA_A: &str = include_str!("../../tests/fixtures/oauth/rsa_a.pem");
pub(crate) const RSA_B: &str = include_str!("../../tests/fixtures/oauth/rsa_b.pem");
pub(crate) const RSA_A_PUBLIC: &str = include_str!("../../tests/fixtures/oauth/rsa_a.pub.pem");
const EC_P256: &str = include_str!("../../tests/fixtures/oauth/ec_p256.pem");
const ED25519: &str = include_str!("../../tests/fixtures/oauth/ed25519.pem");

/// The audience the tests' server has.
pub(crate) const AUDIENCE: &str = "https://mcp.example.com/mcp";

/// The client credentials the introspection endpoint accepts.
pub(crate) const CLIENT_ID: &str = "mcp-server";
pub(crate) const CLIENT_SECRET: &str = "s3cret:with/odd chars";

/// A private key that signs tokens, and its public JWK.
pub(crate) struct Signer {
    pub(crate) kid: String,
    alg: Algorithm,
    key: EncodingKey,
    pub(crate) jwk: Value,
}

impl Signer {
    pub(crate) fn rsa(kid: &str, pem: &str, alg: Algorithm) -> Self {
        Self::new(kid, alg, EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap())
    }

    pub(crate) fn es256(kid: &str) -> Self {
        Self::new(
            kid,
            Algorithm::ES256,
            EncodingKey::from_ec_pem(EC_P256.as_bytes()).unwrap(),
        )
    }

    pub(crate) fn eddsa(kid: &str) -> Self {
        Self::new(
            kid,
            Algorithm::EdDSA,
            EncodingKey::from_ed_pem(ED25519.as_bytes()).unwrap(),
        )
    }

    fn new(kid: &str, alg: Algorithm, key: EncodingKey) -> Self {
        let mut jwk = serde_json::to_value(Jwk::from_encoding_key(&key, alg).unwrap()).unwrap();
        jwk["kid"] = json!(kid);
        jwk["use"] = json!("sig");
        Self {
            kid: kid.to_owned(),
            alg,
            key,
            jwk,
        }
    }

    /// A token with `claims`, signed by this key and naming it in `kid`.
    pub(crate) fn sign(&self, claims: &Value) -> String {
        self.sign_as(Some(&self.kid), claims)
    }

    /// A token with `claims` whose header names `kid` (or none).
    pub(crate) fn sign_as(&self, kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(self.alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &self.key).unwrap()
    }
}

/// The claims of a token the tests' server accepts, from `issuer`, valid for an hour.
pub(crate) fn claims(issuer: &str) -> Value {
    let now = unix_now() as u64;
    json!({
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": "alice",
        "exp": now + 3600,
        "iat": now,
        "jti": "token-1",
        "scope": "issues:write issues:read",
    })
}

/// What the loopback authorization server serves and counts.
#[derive(Default)]
pub(crate) struct IdpState {
    jwks: Mutex<Value>,
    /// Documents served at other paths (metadata), by path.
    documents: Mutex<HashMap<String, Value>>,
    /// Introspection answers, by token.
    answers: Mutex<HashMap<String, Value>>,
    down: AtomicBool,
    jwks_fetches: AtomicUsize,
    introspections: AtomicUsize,
}

/// The loopback authorization server; stops when dropped.
pub(crate) struct Idp {
    /// `http://127.0.0.1:PORT`.
    pub(crate) url: String,
    state: Arc<IdpState>,
    stop: Option<oneshot::Sender<()>>,
}

impl Idp {
    pub(crate) async fn start(signers: &[&Signer]) -> Self {
        let state = Arc::new(IdpState::default());
        let app = Router::new()
            .route("/jwks", get(jwks))
            .route("/introspect", post(introspect))
            .fallback(document)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        let idp = Self {
            url,
            state,
            stop: Some(stop),
        };
        idp.publish(signers);
        idp
    }

    pub(crate) fn jwks_uri(&self) -> String {
        format!("{}/jwks", self.url)
    }

    /// Replaces the published key set.
    pub(crate) fn publish(&self, signers: &[&Signer]) {
        let keys: Vec<Value> = signers.iter().map(|s| s.jwk.clone()).collect();
        *self.state.jwks.lock().unwrap() = json!({ "keys": keys });
    }

    /// Serves `document` at `path`.
    pub(crate) fn serve(&self, path: &str, document: Value) {
        self.state
            .documents
            .lock()
            .unwrap()
            .insert(path.to_owned(), document);
    }

    /// Answers introspection requests for `token` with `answer`.
    pub(crate) fn answer(&self, token: &str, answer: Value) {
        self.state
            .answers
            .lock()
            .unwrap()
            .insert(token.to_owned(), answer);
    }

    /// Makes every endpoint answer 503 (`true`) or work again.
    pub(crate) fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    pub(crate) fn jwks_fetches(&self) -> usize {
        self.state.jwks_fetches.load(Ordering::SeqCst)
    }

    pub(crate) fn introspections(&self) -> usize {
        self.state.introspections.load(Ordering::SeqCst)
    }
}

impl Drop for Idp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

type Answer = (StatusCode, [(header::HeaderName, &'static str); 1], String);

fn json_answer(status: StatusCode, body: &Value) -> Answer {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

async fn jwks(State(state): State<Arc<IdpState>>) -> Answer {
    state.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    if state.down.load(Ordering::SeqCst) {
        return json_answer(StatusCode::SERVICE_UNAVAILABLE, &json!({}));
    }
    let keys = state.jwks.lock().unwrap().clone();
    json_answer(StatusCode::OK, &keys)
}

async fn document(State(state): State<Arc<IdpState>>, request: Request) -> Answer {
    let found = state
        .documents
        .lock()
        .unwrap()
        .get(request.uri().path())
        .cloned();
    match found {
        Some(document) if !state.down.load(Ordering::SeqCst) => {
            json_answer(StatusCode::OK, &document)
        }
        _ => json_answer(StatusCode::NOT_FOUND, &json!({})),
    }
}

async fn introspect(
    State(state): State<Arc<IdpState>>,
    headers: HeaderMap,
    body: String,
) -> Answer {
    state.introspections.fetch_add(1, Ordering::SeqCst);
    if state.down.load(Ordering::SeqCst) {
        return json_answer(StatusCode::SERVICE_UNAVAILABLE, &json!({}));
    }
    // RFC 6749 2.3.1: the credentials are form-encoded before Base64.
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{CLIENT_ID}:{}", "s3cret%3Awith%2Fodd%20chars"))
    );
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(&expected)
    {
        return json_answer(
            StatusCode::UNAUTHORIZED,
            &json!({"error": "invalid_client"}),
        );
    }
    let sent = body.split('&').find_map(|pair| pair.strip_prefix("token="));
    let answers = state.answers.lock().unwrap();
    let answer = answers
        .iter()
        .find(|(token, _)| sent == Some(form_encode(token).as_str()))
        .map(|(_, answer)| answer.clone());
    json_answer(
        StatusCode::OK,
        &answer.unwrap_or_else(|| json!({"active": false})),
    )
}
