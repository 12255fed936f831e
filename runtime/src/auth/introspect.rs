//! Opaque access tokens, vouched for by the authorization server (RFC 7662 token
//! introspection, `auth.oauth.introspection`).
//!
//! The token is POSTed to the introspection endpoint with this server's own client
//! credentials (HTTP Basic). Answers are remembered under the token's SHA-256:
//! - an active token for its remaining life (`exp`), at most the configured ceiling
//!   (default 60 s): a token revoked at the authorization server stops working here
//!   within that ceiling;
//! - a refusal (inactive, another issuer or audience) for [`REFUSAL_MEMORY`] (10 s), so
//!   a client retrying a revoked token in a loop does not hammer the authorization
//!   server; refusals do not turn into acceptances, so remembering them is safe;
//! - a failure to ask (timeout, HTTP error) not at all: the next request asks again.

use std::{
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use base64::{Engine as _, engine::general_purpose::STANDARD};
use http::Uri;
use serde::Deserialize;

use super::{
    AuthMethod, Principal, Rejection, RejectionKind,
    cache::{Fingerprint, TokenCache},
    http::{FetchError, HttpClient, form_encode},
    jwt::{LEEWAY_SECS, Scopes, granted_scopes, unix_now},
};

/// How long a refusal is remembered.
pub(crate) const REFUSAL_MEMORY: Duration = Duration::from_secs(10);

/// How many answers are remembered.
const REMEMBERED: usize = 10_000;

/// The least time between two error logs about failed introspection calls: during an
/// outage every request fails, and one line per request would drown the log.
const LOG_EVERY: Duration = Duration::from_secs(10);

/// The fields of an introspection answer this server reads (RFC 7662 section 2.2).
#[derive(Debug, Deserialize)]
struct Answer {
    active: bool,
    sub: Option<String>,
    username: Option<String>,
    client_id: Option<String>,
    scope: Option<Scopes>,
    exp: Option<f64>,
    nbf: Option<f64>,
    iss: Option<String>,
    aud: Option<Audience>,
    jti: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn names(&self, audience: &str) -> bool {
        match self {
            Self::One(one) => one == audience,
            Self::Many(many) => many.iter().any(|a| a == audience),
        }
    }
}

/// Asks the authorization server about opaque tokens.
pub(crate) struct Introspector {
    url: Uri,
    /// `Basic base64(client_id:client_secret)`; never printed.
    authorization: String,
    issuer: String,
    audience: String,
    ceiling: Duration,
    client: HttpClient,
    answers: TokenCache<Result<Principal, Rejection>>,
    /// When the last failure was logged, and how many were not logged since.
    last_log: Mutex<(Option<Instant>, u64)>,
}

impl std::fmt::Debug for Introspector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Introspector")
            .field("url", &self.url)
            .field("ceiling", &self.ceiling)
            .finish_non_exhaustive()
    }
}

/// Where and as whom to introspect.
#[derive(Debug)]
pub(crate) struct Endpoint<'a> {
    pub(crate) url: Uri,
    pub(crate) client_id: &'a str,
    pub(crate) client_secret: &'a str,
    pub(crate) ceiling: Duration,
}

impl Introspector {
    pub(crate) fn new(
        endpoint: Endpoint<'_>,
        issuer: &str,
        audience: &str,
        client: HttpClient,
    ) -> Self {
        // RFC 6749 section 2.3.1: both parts form-encoded before Base64.
        let credentials = format!(
            "{}:{}",
            form_encode(endpoint.client_id),
            form_encode(endpoint.client_secret)
        );
        Self {
            url: endpoint.url,
            authorization: format!("Basic {}", STANDARD.encode(credentials)),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ceiling: endpoint.ceiling,
            client,
            answers: TokenCache::new(REMEMBERED),
            last_log: Mutex::new((None, 0)),
        }
    }

    /// The principal the authorization server says `token` (whose SHA-256 is `key`)
    /// stands for, or why not.
    pub(crate) async fn verify(
        &self,
        token: &str,
        key: Fingerprint,
    ) -> Result<Principal, Rejection> {
        if let Some(answer) = self.answers.get(&key, Instant::now()) {
            return answer;
        }
        let form = format!("token={}&token_type_hint=access_token", form_encode(token));
        let answer = match self
            .client
            .post_form(&self.url, &self.authorization, form)
            .await
        {
            Ok(body) => serde_json::from_slice::<Answer>(&body).map_err(|e| {
                FetchError(format!(
                    "the answer is not an introspection response (JSON with `active`): {e}"
                ))
            }),
            Err(e) => Err(e),
        };
        let answer = answer.map_err(|e| {
            self.log_failure(&e);
            Rejection::new(
                RejectionKind::Unavailable,
                "the authorization server could not be asked whether the token is valid \
                 (introspection failed); try again shortly",
            )
        })?;
        let (judgement, remember) = self.judge(answer);
        if !remember.is_zero() {
            self.answers
                .insert(key, judgement.clone(), Instant::now() + remember);
        }
        judgement
    }

    /// The verdict on an answer, and how long to remember it.
    fn judge(&self, answer: Answer) -> (Result<Principal, Rejection>, Duration) {
        let refusal_memory = REFUSAL_MEMORY.min(self.ceiling);
        let refuse = |kind, why: String| (Err(Rejection::new(kind, why)), refusal_memory);
        if !answer.active {
            return refuse(
                RejectionKind::Revoked,
                "the authorization server says the token is not active (revoked, expired, or \
                 not one it issued)"
                    .to_owned(),
            );
        }
        if let Some(iss) = &answer.iss
            && *iss != self.issuer
        {
            return refuse(
                RejectionKind::WrongIssuer,
                format!(
                    "the token was issued by another authorization server (expected `iss` {})",
                    self.issuer
                ),
            );
        }
        if let Some(aud) = &answer.aud
            && !aud.names(&self.audience)
        {
            return refuse(
                RejectionKind::WrongAudience,
                format!(
                    "the token's audience does not name this server (expected {})",
                    self.audience
                ),
            );
        }
        let now = unix_now();
        let leeway = LEEWAY_SECS as f64;
        if answer.exp.is_some_and(|exp| exp + leeway < now) {
            return refuse(
                RejectionKind::Expired,
                "the token has expired (`exp` is past); get a new one".to_owned(),
            );
        }
        if answer.nbf.is_some_and(|nbf| nbf - leeway > now) {
            return refuse(
                RejectionKind::Expired,
                "the token is not valid yet (`nbf` is in the future)".to_owned(),
            );
        }
        let Some(subject) = answer.sub.or(answer.username).or(answer.client_id) else {
            return refuse(
                RejectionKind::Malformed,
                "the authorization server's answer names no subject (`sub`, `username` or `client_id`)"
                    .to_owned(),
            );
        };
        let remember = match answer.exp {
            Some(exp) => {
                Duration::from_secs_f64((exp - now).clamp(0.0, self.ceiling.as_secs_f64()))
            }
            None => self.ceiling,
        };
        let principal = Principal {
            subject,
            scopes: granted_scopes(answer.scope, None),
            method: AuthMethod::Introspection,
            token_id: answer.jti,
        };
        (Ok(principal), remember)
    }

    fn log_failure(&self, error: &FetchError) {
        let mut last = self.last_log.lock().unwrap_or_else(PoisonError::into_inner);
        let (at, suppressed) = &mut *last;
        if at.is_some_and(|at| at.elapsed() < LOG_EVERY) {
            *suppressed += 1;
            return;
        }
        tracing::error!(
            url = %self.url,
            error = %error,
            failures_not_logged = *suppressed,
            "could not ask the authorization server about an opaque token (RFC 7662 \
             introspection): such tokens are refused until it answers. Check that \
             auth.oauth.introspection.url answers from this server's network and that \
             auth.oauth.introspection.client_id and client_secret are right (HTTP 401 \
             means they are not)"
        );
        *at = Some(Instant::now());
        *suppressed = 0;
    }
}
