//! Auth on HTTP: the credential of a request (the `Authorization: Bearer` header; a
//! token in the query string is refused), and the 401 / 403 answers with their
//! `WWW-Authenticate` challenge. The decision itself is the gate's ([`crate::auth`]),
//! the same as on stdio.

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use serde_json::{Value, json};

use crate::auth::{gate::Credential, refusal::Refusal};

/// The credential of a request with `headers` to `uri`.
pub(super) fn credential<'a>(headers: &'a HeaderMap, uri: &Uri) -> Credential<'a> {
    let in_query = uri.query().is_some_and(|query| {
        query
            .split('&')
            .any(|pair| pair.split('=').next() == Some("access_token"))
    });
    if in_query {
        return Credential::Unusable(
            "a token in the URL's query string is refused (it ends up in proxy and server \
             logs); send it in the `Authorization: Bearer` header",
        );
    }
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Credential::Absent;
    };
    let Some((scheme, token)) = value.to_str().ok().and_then(|v| v.split_once(' ')) else {
        return Credential::Unusable(
            "the Authorization header is not `Bearer <token>`; send `Authorization: Bearer \
             <token>`",
        );
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Credential::Unusable(
            "only bearer tokens are accepted; send `Authorization: Bearer <token>`",
        );
    }
    Credential::Bearer(token.trim())
}

/// The answer to a refused request: 401 or 403 with the challenge, and the JSON-RPC
/// error (with the request's `id`) in the body.
pub(super) fn refused(refusal: &Refusal, metadata: Option<&str>, id: Value) -> Response {
    // The issuer's keys or introspection could not be reached: the token may be fine,
    // so no challenge that would send the client to fetch a new one; retry shortly.
    let unavailable = refusal
        .rejection
        .as_ref()
        .is_some_and(|r| r.kind == crate::auth::RejectionKind::Unavailable);
    let status = match (unavailable, refusal.unauthenticated) {
        (true, _) => StatusCode::SERVICE_UNAVAILABLE,
        (false, true) => StatusCode::UNAUTHORIZED,
        (false, false) => StatusCode::FORBIDDEN,
    };
    let body = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": refusal.code, "message": refusal.message, "data": refusal.data},
    });
    let (name, value) = if unavailable {
        (header::RETRY_AFTER, HeaderValue::from_static("5"))
    } else {
        let challenge = HeaderValue::from_str(&refusal.challenge(metadata))
            .unwrap_or_else(|_| HeaderValue::from_static("Bearer"));
        (header::WWW_AUTHENTICATE, challenge)
    };
    let mut response = (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (name, value),
        ],
        body.to_string(),
    )
        .into_response();
    response
        .extensions_mut()
        .insert(super::record::RpcCode(i64::from(refusal.code)));
    response
}
