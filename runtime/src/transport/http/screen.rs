//! The screening of raw HTTP requests before rmcp reads them: the client's address and
//! the per-address flood limit, `Host` and `Origin`, the path, `Accept`, `Content-Type` and
//! the body cap; then JSON-RPC bodies for every rejection, rmcp's own included. Every
//! request's record opens and finishes here ([`super::record`]).

use std::{net::SocketAddr, sync::Arc};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};

use super::{no_endpoint, record, record::RpcCode};
use crate::guard::Flood;
use crate::observe::record::Recording;

pub(super) struct ScreenRules {
    pub(super) max_body_bytes: usize,
    pub(super) allowed: super::allow::Allowed,
    pub(super) path: String,
    pub(super) trusted_proxy_hops: u32,
    pub(super) flood: Option<Flood>,
    /// The registry whose gate decides, when auth is on.
    pub(super) auth: Option<Arc<crate::declare::registry::Registry>>,
    /// The URL of the protected resource metadata, named in challenges.
    pub(super) metadata: Option<String>,
    /// Its paths and document (mode `oauth`), served to anyone who asks.
    pub(super) metadata_document: Option<(Vec<String>, Bytes)>,
    /// Health, readiness, metrics and the server cards.
    pub(super) ops: Arc<super::ops::Ops>,
    /// The URL clients use, named in the server cards.
    pub(super) public_url: Option<String>,
}

pub(crate) fn error_response(
    status: StatusCode,
    code: i64,
    message: String,
    data: Value,
) -> Response {
    error_response_with_id(status, Value::Null, code, message, data)
}

fn error_response_with_id(
    status: StatusCode,
    id: Value,
    code: i64,
    message: String,
    data: Value,
) -> Response {
    let body = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code, "message": message, "data": data},
    });
    let mut response = (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response();
    response.extensions_mut().insert(RpcCode(code));
    response
}

/// The media types of a header such as `Accept`, without parameters (compare them
/// ignoring ASCII case).
fn media_types(headers: &HeaderMap, name: header::HeaderName) -> impl Iterator<Item = &str> {
    headers
        .get_all(name)
        .into_iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|entry| entry.split(';').next())
        .map(str::trim)
}

/// The HTTP rules as a tower layer over a router ([`crate::Server::http_router`]; `serve_http`
/// serves [`Screened`] itself): [`screen`] before rmcp sees a request, [`reworded`] and
/// [`json_errors`] on its error answers. The checks that do not wait run in
/// [`tower_service::Service::call`]; a refused request is answered without a future.
#[derive(Clone)]
pub(super) struct Screening(pub(super) Arc<ScreenRules>);

impl<S> tower_layer::Layer<S> for Screening {
    type Service = Screened<S>;

    fn layer(&self, inner: S) -> Screened<S> {
        Screened {
            inner,
            rules: Arc::clone(&self.0),
        }
    }
}

/// rmcp's service, or a route, behind the rules.
#[derive(Clone)]
pub(crate) struct Screened<S> {
    pub(super) inner: S,
    pub(super) rules: Arc<ScreenRules>,
}

/// What [`Screened`] can stand in front of: rmcp's service (as `serve_http` serves it)
/// or an axum route (as [`crate::Server::http_router`] builds it).
trait Endpoint:
    tower_service::Service<
        Request,
        Response = http::Response<Self::Body>,
        Error = std::convert::Infallible,
    >
{
    type Body: axum::body::HttpBody<Data = Bytes, Error: Into<axum::BoxError>> + Send + 'static;
}

impl<S, B> Endpoint for S
where
    S: tower_service::Service<
            Request,
            Response = http::Response<B>,
            Error = std::convert::Infallible,
        >,
    B: axum::body::HttpBody<Data = Bytes, Error: Into<axum::BoxError>> + Send + 'static,
{
    type Body = B;
}

impl<S> tower_service::Service<Request> for Screened<S>
where
    S: Endpoint + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = futures::future::Either<
        std::future::Ready<Result<Response, std::convert::Infallible>>,
        futures::future::BoxFuture<'static, Result<Response, std::convert::Infallible>>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        use futures::{FutureExt, future::Either};
        // The service that was polled ready serves this request; a clone waits for the
        // next one (tower's rule for services called from a future).
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        if let Some(answer) = super::ops::answer(&self.rules.ops, &request) {
            return Either::Right(Box::pin(answer.map(Ok)));
        }
        let recording = record::open(&mut request);
        // The body waits aside while the head is screened: a refusal reads it first.
        let body = std::mem::take(request.body_mut());
        let expects_continue = request.headers().contains_key(header::EXPECT);
        match screen(&self.rules, request) {
            Verdict::Refused(refused) | Verdict::Answered(refused) => {
                let refused = record::finish(recording, true, refused);
                let limit = self.rules.max_body_bytes;
                match super::drain::after_body(refused, body, expects_continue, limit) {
                    Either::Left(ready) => Either::Left(std::future::ready(Ok(ready.into_inner()))),
                    Either::Right(drained) => Either::Right(Box::pin(drained.map(Ok))),
                }
            }
            Verdict::Pass(mut request) => {
                *request.body_mut() = body;
                if self.rules.auth.is_some() {
                    let rules = Arc::clone(&self.rules);
                    return Either::Right(Box::pin(async move {
                        let (mut parts, body) = request.into_parts();
                        if let Err(refused) = authorize(&rules, &mut parts, &recording, &[]).await {
                            return Ok(record::finish(recording, true, refused));
                        }
                        let request = Request::from_parts(parts, body);
                        forward(inner.call(request), recording).await
                    }));
                }
                Either::Right(Box::pin(forward(inner.call(request), recording)))
            }
            Verdict::Post(parts) => Either::Right(Box::pin(forward_post(
                inner,
                parts,
                body,
                Arc::clone(&self.rules),
                recording,
            ))),
        }
    }
}

/// rmcp's answer to a request that [`screen`] let through as it was.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn keeps its arguments twice (rust-lang/rust#62958)"
)]
fn forward<F, B>(
    answer: F,
    recording: Recording,
) -> impl Future<Output = Result<Response, std::convert::Infallible>>
where
    F: Future<Output = Result<http::Response<B>, std::convert::Infallible>>,
    B: axum::body::HttpBody<Data = Bytes, Error: Into<axum::BoxError>> + Send + 'static,
{
    async move {
        let Ok(response) = answer.await;
        let response = finish(response.map(Body::new), None).await;
        Ok(record::finish(recording, true, response))
    }
}

/// rmcp's answer to a POST to the MCP endpoint, once its body is read within the cap.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn keeps its arguments twice (rust-lang/rust#62958)"
)]
fn forward_post<S: Endpoint>(
    mut inner: S,
    mut parts: http::request::Parts,
    body: Body,
    rules: Arc<ScreenRules>,
    recording: Recording,
) -> impl Future<Output = Result<Response, std::convert::Infallible>> {
    async move {
        let bytes = match read_body(body, rules.max_body_bytes).await {
            Ok(bytes) => bytes,
            Err(refused) => return Ok(record::finish(recording, true, refused)),
        };
        recording.update(|r| r.request_bytes = Some(bytes.len() as u64));
        // With auth on, the gate judges the method and target the request names: from
        // the headers rmcp holds to the body (2026-07-28 on), else from the body.
        let mut named = None;
        if rules.auth.is_some() {
            if !record::named_by_headers(&recording) {
                let Some(is_request) = record::name(&recording, &bytes) else {
                    // What the gate did not read, it cannot judge: rmcp never sees it.
                    return Ok(record::finish(recording, true, unreadable(&bytes)));
                };
                named = Some(is_request);
            }
            if let Err(refused) = authorize(&rules, &mut parts, &recording, &bytes).await {
                return Ok(record::finish(recording, true, refused));
            }
        }
        let request = Request::from_parts(parts, Body::from(bytes.clone()));
        let Ok(response) = inner.call(request).await;
        let carries_request = named.unwrap_or_else(|| record::named_by_body(&recording, &bytes));
        let response = finish(response.map(Body::new), Some(bytes)).await;
        Ok(record::finish(recording, carries_request, response))
    }
}

/// Asks the gate about a request (auth is on): the principal goes into the request's
/// extensions, where the pipeline finds it; a refusal is the 401 or 403 to answer with,
/// carrying the id of the request in `body` (read only then, if the headers named it).
async fn authorize(
    rules: &ScreenRules,
    parts: &mut http::request::Parts,
    recording: &Recording,
    body: &[u8],
) -> Result<(), Response> {
    let Some(registry) = &rules.auth else {
        return Ok(());
    };
    let metadata = rules.metadata.as_deref();
    let credential = super::authorize::credential(&parts.headers, &parts.uri);
    let via = crate::auth::refusal::Via::Http { metadata };
    match crate::auth::admit(registry, credential, via, recording).await {
        Ok(Some(principal)) => {
            parts.extensions.insert(principal);
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(refusal) => {
            if !body.is_empty() && recording.read(|r| r.request_id.is_none()) == Some(true) {
                record::name(recording, body);
            }
            let id = recording
                .read(|r| r.request_id.clone())
                .flatten()
                .map_or(Value::Null, |id| json!(id));
            Err(super::authorize::refused(&refusal, metadata, id))
        }
    }
}

/// The answer to a POST whose body is not a JSON-RPC message, when auth is on.
fn unreadable(body: &[u8]) -> Response {
    explain_body(body).unwrap_or_else(|| {
        error_response(
            StatusCode::BAD_REQUEST,
            -32600,
            "Invalid Request: the body is not one JSON-RPC message with the fields of its \
             method; send one JSON object with `jsonrpc`, `method`, `id` and `params`"
                .to_owned(),
            json!({}),
        )
    })
}

/// What [`screen`] made of a request's head: the answer to send instead, a POST to the
/// MCP endpoint, whose body is read (within the cap) before rmcp sees it, or any other
/// request, as it is.
enum Verdict {
    Refused(Response),
    /// Answered here: the protected resource metadata, a server card.
    Answered(Response),
    Post(http::request::Parts),
    Pass(Request),
}

/// The checks of a request's head that need no waiting (its body waits aside in
/// [`Screened`]): the client's address (and the flood limit), `Host` and `Origin`, the
/// path (any other than the MCP endpoint's gets a JSON 404), and for a POST `Accept`,
/// `Content-Type` and a declared `Content-Length` over the cap.
fn screen(rules: &ScreenRules, mut request: Request) -> Verdict {
    if let Some(ConnectInfo(addr)) = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .copied()
    {
        let client =
            crate::guard::client_addr(addr.ip(), request.headers(), rules.trusted_proxy_hops);
        // Only when a trusted proxy named another client: the handler falls back on
        // `ConnectInfo`, and an extension costs an allocation per request.
        if client != addr.ip() {
            request
                .extensions_mut()
                .insert(crate::guard::ClientAddr(client));
        }
        if crate::observe::traces::tracer().is_some()
            && let Some(recording) = request.extensions().get::<Recording>()
        {
            recording.update(|r| r.trace_mut().client_address = Some(client));
        }
        if let Some(flood) = &rules.flood
            && let Some(response) = flood.refuse(client)
        {
            if let Some(recording) = request.extensions().get::<Recording>() {
                let agent = crate::guard::agent_key(&crate::Identity::Address(client));
                recording.update(|r| {
                    r.agent = Some(agent);
                    r.scope = Some("address");
                });
            }
            return Verdict::Refused(response);
        }
    }

    if let Some(card) = super::ops::card(
        &rules.ops.registry,
        &rules.path,
        rules.public_url.as_deref(),
        &request,
    ) {
        // Any origin may read a card; the host must be one this server answers for.
        return match rules.allowed.refuse_host(&request) {
            Some(refused) => Verdict::Refused(refused),
            None => Verdict::Answered(card),
        };
    }

    if let Some(refused) = rules.allowed.refuse(&request) {
        if let Some(recording) = request.extensions().get::<Recording>() {
            let header = |name| {
                let value = request.headers().get(name).and_then(|v| v.to_str().ok());
                value.unwrap_or("(none)").to_owned()
            };
            let detail = format!(
                "refused by the Host and Origin allow lists (Host `{}`, Origin `{}`)",
                header(header::HOST),
                header(header::ORIGIN)
            );
            recording.update(|r| r.detail = Some(detail));
        }
        return Verdict::Refused(refused);
    }

    if let Some((paths, document)) = &rules.metadata_document
        && request.method() == Method::GET
        && paths.iter().any(|p| p == request.uri().path())
    {
        let json = HeaderValue::from_static("application/json");
        let response = ([(header::CONTENT_TYPE, json)], document.clone()).into_response();
        return Verdict::Answered(response);
    }
    if request.uri().path() != rules.path {
        return Verdict::Refused(no_endpoint(request.uri().path()));
    }
    if request.method() == Method::POST {
        if let Some(refused) = refused_post(rules, request.headers()) {
            return Verdict::Refused(refused);
        }
        return Verdict::Post(request.into_parts().0);
    }
    Verdict::Pass(request)
}

/// What the client gets for rmcp's answer: successes as they are; errors reworded
/// ([`explain_body`] when rmcp refused the body read by [`Screened`], [`reworded`],
/// [`json_errors`]).
fn finish(
    response: Response,
    posted: Option<Bytes>,
) -> futures::future::Either<
    std::future::Ready<Response>,
    futures::future::BoxFuture<'static, Response>,
> {
    use futures::future::Either;
    if response.status().as_u16() < 400 {
        return Either::Left(std::future::ready(response));
    }
    // Boxed: a rare path, kept out of the future of every request.
    Either::Right(Box::pin(rewrite_error(response, posted)))
}

async fn rewrite_error(response: Response, posted: Option<Bytes>) -> Response {
    // rmcp parses the body itself and answers 415 with text when it is not a JSON-RPC
    // message; only then is it parsed again here, to say what is wrong with it.
    if let Some(body) = posted
        && response.status() == StatusCode::UNSUPPORTED_MEDIA_TYPE
        && let Some(explained) = explain_body(&body)
    {
        return explained;
    }
    if matches!(
        response.status(),
        StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST
    ) && is_json(&response)
    {
        return reworded(response).await;
    }
    json_errors(response).await
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Two of rmcp's JSON errors say too little for a client to fix its request: a method it
/// does not serve (404, the method's bare name as the message: say why instead,
/// `methods::unavailable`) and a SEP-2243 header that disagrees with the body (400,
/// -32020: add what to send, [`header_mismatch`]). Other bodies pass unchanged.
async fn reworded(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(collected) = http_body_util::Limited::new(body, 64 * 1024)
        .collect()
        .await
    else {
        // rmcp's answer is in memory: reading it does not fail in practice.
        let (code, message) = if parts.status == StatusCode::NOT_FOUND {
            (
                -32601,
                "Method not found: check the method's name and the protocol revision in `_meta`",
            )
        } else {
            (
                -32020,
                "Header mismatch: make Mcp-Method, Mcp-Name and the Mcp-Param-* headers match the body",
            )
        };
        return error_response(parts.status, code, message.to_owned(), json!({}));
    };
    let bytes = collected.to_bytes();
    let mut message: Value = match serde_json::from_slice(&bytes) {
        Ok(message) => message,
        Err(_) => return Response::from_parts(parts, Body::from(bytes)),
    };
    if let Some(code) = message["error"]["code"].as_i64() {
        parts.extensions.insert(RpcCode(code));
    }
    let error = message.get_mut("error");
    let why = error.as_deref().and_then(|e| {
        let text = e.get("message")?.as_str()?;
        match e.get("code")?.as_i64()? {
            -32601 => crate::protocol::reword::unavailable(text),
            -32020 => Some(header_mismatch(text)),
            _ => None,
        }
    });
    match (why, error) {
        (Some(why), Some(error)) => {
            error["message"] = Value::String(why);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(message.to_string()))
        }
        _ => Response::from_parts(parts, Body::from(bytes)),
    }
}

/// rmcp's -32020 message names the header that disagrees with the body
/// (`missing Mcp-Param-Region header for `region``); this adds what to send instead.
fn header_mismatch(message: &str) -> String {
    let hint = if message.contains("Mcp-Param-") {
        "the tool's inputSchema (tools/list) marks this argument with `x-mcp-header`, so a \
         2026-07-28 request sends it in that header too, with exactly the argument's value \
         (as `=?base64?...?=` when the value is not plain visible ASCII or has spaces at \
         either end), and leaves the header out when the argument is absent or null"
    } else if message.contains("Mcp-Name") {
        "send Mcp-Name with the body's params.name (tools/call, prompts/get) or params.uri \
         (resources/read), exactly as in the body"
    } else if message.contains("Mcp-Method") {
        "send Mcp-Method with the body's method, exactly as in the body (values are \
         case-sensitive)"
    } else {
        "a 2026-07-28 request mirrors its method, its name and the `x-mcp-header` arguments \
         into the Mcp-Method, Mcp-Name and Mcp-Param-* headers; make them match the body"
    };
    format!("{message}. Header mismatch: {hint}.")
}

/// The header checks on a POST before rmcp sees it ([`screen`]): the answer to send
/// instead when one fails.
fn refused_post(rules: &ScreenRules, headers: &HeaderMap) -> Option<Response> {
    // One pass over the header for both types.
    let (mut json, mut stream) = (false, false);
    for media_type in media_types(headers, header::ACCEPT) {
        json |= media_type.eq_ignore_ascii_case("application/json");
        stream |= media_type.eq_ignore_ascii_case("text/event-stream");
    }
    if !(json && stream) {
        let got = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(none)")
            .to_owned();
        return Some(error_response(
            StatusCode::NOT_ACCEPTABLE,
            -32600,
            format!(
                "send the header `Accept: application/json, text/event-stream` (the response may be JSON or an SSE stream); got `{got}`"
            ),
            json!({"accept": got}),
        ));
    }
    let is_json = media_types(headers, header::CONTENT_TYPE)
        .next()
        .is_some_and(|m| m.eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Some(error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            -32600,
            "send the body as JSON with the header `Content-Type: application/json`".to_owned(),
            json!({}),
        ));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > rules.max_body_bytes as u64) {
        return Some(too_large(rules.max_body_bytes));
    }
    None
}

/// A POST's body, read within the cap of `limit` bytes: handed on to rmcp unchanged,
/// and kept for [`explain_body`].
async fn read_body(body: Body, limit: usize) -> Result<Bytes, Response> {
    let bytes: Bytes = match http_body_util::Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            return Err(too_large(limit));
        }
        Err(error) => {
            return Err(error_response(
                StatusCode::BAD_REQUEST,
                -32700,
                format!("could not read the request body: {error}"),
                json!({}),
            ));
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(error_response(
            StatusCode::BAD_REQUEST,
            -32700,
            "Parse error: the request body is empty; send one JSON-RPC 2.0 message".to_owned(),
            json!({}),
        ));
    }
    Ok(bytes)
}

fn too_large(limit: usize) -> Response {
    error_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        -32600,
        format!(
            "the request body is larger than this server's limit of {limit} bytes; send smaller arguments (split the work into several calls)"
        ),
        json!({"limit_bytes": limit}),
    )
}

/// Why a body is not one JSON-RPC 2.0 message, as the JSON error to answer
/// (400 with -32700, -32600 or -32602); `None` if it is one after all.
fn explain_body(bytes: &[u8]) -> Option<Response> {
    use crate::protocol::malformed::{Framing, explain};
    let why = explain(bytes, Framing::Body)?;
    Some(error_response_with_id(
        StatusCode::BAD_REQUEST,
        why.id,
        why.code,
        why.message,
        why.data,
    ))
}

/// rmcp answers some rejections with plain text; give every error a JSON body.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    if status.as_u16() < 400 {
        return response;
    }
    if is_json(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = match http_body_util::Limited::new(body, 64 * 1024)
        .collect()
        .await
    {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        Err(_) => String::new(),
    };
    let text = text.trim().to_owned();
    let (code, hint) = match status {
        StatusCode::NOT_FOUND if text.contains("Session") => (
            -32001,
            "the session ended or the server restarted; start a new session with an initialize request without Mcp-Session-Id",
        ),
        StatusCode::BAD_REQUEST if text.contains("Session ID is required") => (
            -32600,
            "send the Mcp-Session-Id header from the initialize response, or start with an initialize request",
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            -32600,
            "send JSON-RPC messages with POST (GET opens a stream and DELETE ends a session, both only with Mcp-Session-Id)",
        ),
        StatusCode::FORBIDDEN => (
            -32600,
            "the server refused the request's Host or Origin; allow them with `--allowed-host` or `--allowed-origin` (`transports.http.allowed_hosts`, `transports.http.allowed_origins` in the spec)",
        ),
        StatusCode::NOT_ACCEPTABLE => (
            -32600,
            "send the header `Accept: text/event-stream` to open a stream",
        ),
        _ if status.is_server_error() => (-32603, "the server failed; try again later"),
        _ => (-32600, "fix the request and send it again"),
    };
    let message = if text.is_empty() {
        format!("{status}: {hint}")
    } else {
        format!("{text}: {hint}")
    };
    let mut response = error_response(status, code, message, json!({}));
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HttpOptions;
    use tokio_util::sync::CancellationToken;

    /// What a request to `path` gets from `service`: its status and JSON body.
    async fn answer<S>(mut service: S, path: &str) -> (StatusCode, Value)
    where
        S: tower_service::Service<Request, Response = Response, Error = std::convert::Infallible>,
    {
        let request = Request::post(path)
            .header(header::HOST, "localhost")
            .header(header::ACCEPT, "application/json, text/event-stream")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#))
            .expect("a request");
        let Ok(response) = service.call(request).await;
        let status = response.status();
        let body = response.into_body().collect().await.expect("a body");
        (
            status,
            serde_json::from_slice(&body.to_bytes()).expect("JSON"),
        )
    }

    /// Both ways of serving the endpoint, the rules in front of rmcp's service
    /// (`serve_http`) and the router for embedding ([`crate::Server::http_router`]), answer a
    /// path other than the endpoint's with the same JSON 404.
    #[tokio::test]
    async fn other_paths_get_a_json_404_however_the_endpoint_is_served() {
        let server = crate::Server::builder(crate::ServerInfo::default())
            .build()
            .expect("an empty server builds");
        let options = HttpOptions::default();
        let served = server.screened(&options, CancellationToken::new());
        let routed = server.http_router(&options, CancellationToken::new());
        for (how, (status, body)) in [
            ("served", answer(served, "/other").await),
            ("routed", answer(routed, "/other").await),
        ] {
            assert_eq!(status, StatusCode::NOT_FOUND, "{how}: {body}");
            assert_eq!(body["error"]["data"], json!({"path": "/other"}), "{how}");
            assert!(
                body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("no MCP endpoint at `/other`")),
                "{how}: {body}"
            );
        }
    }
}
