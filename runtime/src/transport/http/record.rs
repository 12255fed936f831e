//! The record of every HTTP request: opened by the screening layer as the request
//! arrives ([`open`]), named from its headers and, when they cannot say it all, from the
//! message a POST carries ([`name`], [`named_by_body`]), finished when the answer's body
//! has been sent ([`finish`]).
//!
//! One record per HTTP request, refused ones included, except a POST of a notification
//! or of a response, answered 202: that carries no request. A GET that opens a
//! long-lived SSE stream is recorded when the stream opens.

use std::{
    borrow::Cow,
    pin::Pin,
    task::{Context, Poll},
};

use axum::{body::Body, extract::Request, response::Response};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, Method, StatusCode, header};
use rmcp::model::ProtocolVersion;
use serde::Deserialize;

use crate::observe::record::{ClientKind, Outcome, Record, Recording, Transport};

/// The JSON-RPC error code of an answer the HTTP layer wrote itself, in the answer's
/// extensions ([`super::error_response`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RpcCode(pub(crate) i64);

const PROTOCOL_VERSION: HeaderName = HeaderName::from_static("mcp-protocol-version");
const MCP_METHOD: HeaderName = HeaderName::from_static("mcp-method");
const MCP_NAME: HeaderName = HeaderName::from_static("mcp-name");
const SESSION_ID: HeaderName = HeaderName::from_static("mcp-session-id");
const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// Opens the record of `request` and puts it in the request's extensions, where rmcp
/// hands it to the handler (inside the request's `http::request::Parts`).
///
/// It is named from the headers of the 2026-07-28 revision: `MCP-Protocol-Version`,
/// `Mcp-Method` and `Mcp-Name`, which rmcp holds to the body before anything runs. The
/// pipeline adds the id and the client from rmcp's reading of the body
/// ([`Recording::of_request`]), so the body of such a request is not parsed a second
/// time for its record. What that leaves unnamed is read from the body
/// ([`named_by_body`]).
pub(super) fn open(request: &mut Request) -> Recording {
    let headers = request.headers();
    let mut record = Record::new(Transport::Http);
    record.http_method = Some(request.method().clone());
    record.protocol = header_text(headers, &PROTOCOL_VERSION);
    record.method = header_text(headers, &MCP_METHOD).map(Cow::Owned);
    record.target = header_text(headers, &MCP_NAME).and_then(decoded);
    trace_headers(headers, &mut record);
    if crate::observe::audit::enabled() {
        record.client_kind = client_kind(headers);
    }
    let recording = Recording::open(record);
    request.extensions_mut().insert(recording.clone());
    recording
}

/// The caller's context from the HTTP `traceparent` header (a malformed one is
/// ignored), and, when spans are exported, the session the request belongs to.
fn trace_headers(headers: &HeaderMap, record: &mut Record) {
    if let Some(parent) = headers.get(TRACEPARENT).and_then(|v| v.to_str().ok()) {
        let state = headers.get(TRACESTATE).and_then(|v| v.to_str().ok());
        crate::observe::traces::read_header(record, parent, state);
    }
    if crate::observe::traces::tracer().is_some()
        && let Some(session) = header_text(headers, &SESSION_ID)
    {
        record.trace_mut().session = Some(session);
    }
}

/// `User-Agent` words of crawlers, scanners and registry inspectors (lowercase).
const SCANNER_AGENTS: &[&str] = &[
    "bot",
    "crawler",
    "spider",
    "scan",
    "zgrab",
    "nmap",
    "nuclei",
    "masscan",
    "censys",
    "shodan",
    "smithery",
    "glama",
    "pulsemcp",
    "mcp.so",
    "httpx",
    "go-http-client",
];

/// Who sent a request, from its headers ([`ClientKind`]).
fn client_kind(headers: &HeaderMap) -> ClientKind {
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    // The Python SDK's client is `python-httpx/...`: not a scanner.
    let scanner = SCANNER_AGENTS
        .iter()
        .any(|word| agent.contains(word) && !agent.starts_with("python-httpx"));
    if scanner {
        return ClientKind::Scanner;
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mcp = headers.contains_key(&PROTOCOL_VERSION)
        || headers.contains_key(&MCP_METHOD)
        || headers.contains_key(HeaderName::from_static("mcp-session-id"))
        || accept.contains("text/event-stream");
    if mcp {
        ClientKind::McpHttp
    } else if agent.starts_with("mozilla/") && accept.contains("text/html") {
        ClientKind::Browser
    } else {
        ClientKind::HttpBare
    }
}

fn header_text(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    Some(headers.get(name)?.to_str().ok()?.to_owned())
}

/// `Mcp-Name` as rmcp compares it with the body: as sent, or decoded from the
/// `=?base64?...?=` a client sends for a value that is not plain visible ASCII.
fn decoded(value: String) -> Option<String> {
    let Some(encoded) = value
        .strip_prefix("=?base64?")
        .and_then(|v| v.strip_suffix("?="))
    else {
        return Some(value);
    };
    String::from_utf8(STANDARD.decode(encoded).ok()?).ok()
}

/// Names the request a POST carries from its body, unless its headers and the
/// pipeline named it already (see [`open`]): a request of an earlier revision (its
/// headers, if any, went unchecked), one rmcp refused or answered itself (the pipeline
/// never met it), a notification. Whether the body carries a request.
pub(super) fn named_by_body(recording: &Recording, body: &[u8]) -> bool {
    let named = recording.read(|r| r.request_id.is_some() && headers_checked(r));
    named == Some(true) || name(recording, body) == Some(true)
}

/// Whether the headers named the method of a request whose revision has rmcp hold them
/// to the body (2026-07-28 on): the gate may then judge it without reading the body.
pub(super) fn named_by_headers(recording: &Recording) -> bool {
    recording.read(|r| r.method.is_some() && headers_checked(r)) == Some(true)
}

fn headers_checked(record: &Record) -> bool {
    let checked = ProtocolVersion::STANDARD_HEADERS.as_str();
    record.protocol.as_deref().is_some_and(|p| p >= checked)
}

/// What a POST's body says of the message it carries, read without its arguments.
#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow)]
    method: Option<Cow<'a, str>>,
    id: Option<rmcp::model::RequestId>,
    #[serde(borrow)]
    params: Option<Params<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Params<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    uri: Option<Cow<'a, str>>,
    /// `initialize`'s.
    protocol_version: Option<String>,
    client_info: Option<Client>,
    #[serde(rename = "_meta", borrow)]
    meta: Option<Meta<'a>>,
}

/// The `_meta` of a request: the 2026-07-28 keys, and the trace context.
#[derive(Deserialize, Default)]
struct Meta<'a> {
    #[serde(rename = "io.modelcontextprotocol/protocolVersion")]
    protocol_version: Option<String>,
    #[serde(rename = "io.modelcontextprotocol/clientInfo")]
    client_info: Option<Client>,
    #[serde(borrow)]
    traceparent: Option<Cow<'a, str>>,
    #[serde(borrow)]
    tracestate: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Client {
    name: String,
    version: String,
}

/// Names the request a POST carries in its record: method, id, target, revision,
/// client. `Some(false)` when the body carries no request (a notification, a
/// response), whose record is dropped if rmcp accepts it; `None` when it is not a
/// message.
pub(super) fn name(recording: &Recording, body: &[u8]) -> Option<bool> {
    let Ok(message) = serde_json::from_slice::<Message<'_>>(body) else {
        return None;
    };
    let is_request = message.id.is_some() && message.method.is_some();
    recording.update(|record| {
        if let Some(method) = message.method {
            record.method = Some(Cow::Owned(method.into_owned()));
        }
        record.request_id = message.id;
        let Some(params) = message.params else { return };
        if let Some(target) = params.name.or(params.uri) {
            record.target = Some(target.into_owned());
        }
        let meta = params.meta.unwrap_or_default();
        let (parent, state) = (meta.traceparent.as_deref(), meta.tracestate.as_deref());
        crate::observe::traces::read_meta_values(record, parent, state);
        if let Some(protocol) = meta.protocol_version.or(params.protocol_version) {
            record.protocol = Some(protocol);
        }
        if let Some(client) = meta.client_info.or(params.client_info) {
            record.client_name = Some(client.name);
            record.client_version = Some(client.version);
        }
    });
    Some(is_request)
}

/// Finishes the record when the answer's body has been sent; at once for the answer
/// that opens a long-lived stream (a GET), or drops it for an accepted notification.
pub(super) fn finish(recording: Recording, carries_request: bool, response: Response) -> Response {
    let status = response.status();
    let code = response.extensions().get::<RpcCode>().map(|c| c.0);
    recording.update(|record| {
        record.status = Some(status.as_u16());
        if let Some(code) = code {
            record.error_code = i32::try_from(code).ok();
        }
    });
    if status == StatusCode::ACCEPTED && !carries_request {
        recording.discard();
        return response;
    }
    let opens_stream = recording.read(|r| r.http_method == Some(Method::GET)) == Some(true)
        && status.is_success()
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if opens_stream {
        recording.finish(|_| {});
        return response;
    }
    response.map(|body| {
        Body::new(Answer {
            body,
            recording,
            bytes: 0,
            ended: false,
        })
    })
}

pin_project_lite::pin_project! {
    /// An answer's body that finishes its request's record when it is done: sent
    /// whole, or dropped (the client went away, or closed the stream once it had its
    /// answer).
    struct Answer {
        #[pin]
        body: Body,
        recording: Recording,
        bytes: u64,
        // The body said it has no more.
        ended: bool,
    }

    impl PinnedDrop for Answer {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            // A client may close an SSE stream as soon as it has its answer, so only a
            // body dropped before it sent anything says the client went away unanswered.
            let ended = *this.ended || http_body::Body::is_end_stream(&*this.body);
            let bytes = *this.bytes;
            this.recording.finish(|record| {
                record.response_bytes = Some(bytes);
                if !ended && bytes == 0 {
                    record.outcome.get_or_insert(Outcome::Cancelled);
                    record.detail.get_or_insert_with(|| {
                        "the client went away before the answer was sent".to_owned()
                    });
                }
            });
        }
    }
}

impl http_body::Body for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let this = self.project();
        let frame = this.body.poll_frame(cx);
        match &frame {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    *this.bytes += data.len() as u64;
                }
            }
            Poll::Ready(None) => *this.ended = true,
            Poll::Ready(Some(Err(_))) | Poll::Pending => {}
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(headers: &[(&'static str, &'static str)]) -> &'static str {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, http::HeaderValue::from_static(value));
        }
        client_kind(&map).as_str(false)
    }

    #[test]
    fn clients_are_told_apart_by_their_headers() {
        let sse = ("accept", "application/json, text/event-stream");
        assert_eq!(
            kind(&[sse, ("user-agent", "python-httpx/0.28.1")]),
            "mcp_http"
        );
        assert_eq!(kind(&[("mcp-protocol-version", "2026-07-28")]), "mcp_http");
        assert_eq!(
            kind(&[
                (
                    "user-agent",
                    "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
                ),
                ("accept", "text/html,application/xhtml+xml")
            ]),
            "browser"
        );
        assert_eq!(
            kind(&[
                sse,
                ("user-agent", "Mozilla/5.0 (compatible; Googlebot/2.1)")
            ]),
            "scanner"
        );
        assert_eq!(kind(&[("user-agent", "curl/8.5.0")]), "scanner");
        // Without MCP headers, a JSON-RPC request in the body still makes an MCP client.
        let mut bare = HeaderMap::new();
        bare.insert("user-agent", http::HeaderValue::from_static("curl/8.5.0"));
        assert_eq!(client_kind(&bare).as_str(true), "mcp_http");
    }
}
