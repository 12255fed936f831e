//! The record of one request: what was asked, by whom, over which transport, and what it
//! came to ([`Outcome`]).
//!
//! The transport opens a [`Recording`] when a request arrives, names what it can read
//! of it (method, target, id, protocol revision, client, request bytes) and puts it in
//! the request's extensions (stdio: `transport/stdio/lines.rs`; HTTP:
//! `transport/http/screen.rs` and `record.rs`). The pipeline's stages find it there
//! ([`Recording::of_request`], which names the id and client the transport could not
//! read) and fill in the agent, the outcome and the detail (`call/`), and the JSON-RPC
//! error a handler answers with (`protocol/service.rs`). The transport finishes it when
//! the answer leaves (status, JSON-RPC error code, response bytes). Finishing settles
//! the outcome (what a stage said, else what the status or error code says), takes the
//! latency, emits the request's one log event ([`super::log::request`]), counts it in
//! the metrics ([`super::metrics`]) and hands the record to the audit trail
//! ([`super::audit::submit`]). A record nobody finished
//! (the request ended without its answer being sent) is finished when its last handle
//! is dropped.
//!
//! What is not a request gets no record: a notification, a client's response to a
//! server's request, and over HTTP a POST that carries either (answered 202). A line on
//! stdin that carries no message at all is recorded as a refused request.

use std::{
    borrow::Cow,
    sync::{Arc, Mutex, PoisonError},
    time::{Instant, SystemTime},
};

use rmcp::model::{ErrorCode, RequestId};

/// What a request came to: one word for logs, metrics and the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Answered as asked.
    Ok,
    /// A tool returned one of its declared errors; `retryable` as declared.
    ToolError { retryable: bool },
    /// Arguments that do not match the tool's input schema (or a prompt's arguments, a
    /// URI template's variables).
    InvalidArguments,
    /// An unknown tool, resource or prompt.
    NotFound,
    /// Refused by a rate limit (per agent, per tool, or the HTTP per-address limit).
    RateLimited,
    /// Refused by a concurrency cap, the task cap, or an unreachable rate-limit store.
    Overloaded,
    /// Refused by an open circuit breaker.
    CircuitOpen,
    /// The handler did not finish within its time limit.
    Timeout,
    /// The result was over the tool's size cap.
    ResponseTooLarge,
    /// The tool is disabled by configuration.
    Disabled,
    /// A bug in the server: a panic, an unexpected error, an output that breaks the
    /// tool's contract.
    InternalError,
    /// A malformed or refused request: bad JSON, wrong headers, an unknown method or
    /// session, a body over the cap, missing capabilities.
    ProtocolError,
    /// No credential, or one that was refused (HTTP 401).
    Unauthenticated,
    /// A valid credential without the scopes of the target (HTTP 403).
    Forbidden,
    /// The client cancelled the request, or went away before its answer was sent.
    Cancelled,
    /// The handler asked the client for input first (an input-required result).
    InputRequired,
    /// The call continues as a task (the tasks extension).
    TaskCreated,
}

impl Outcome {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::ToolError { .. } => "tool_error",
            Self::InvalidArguments => "invalid_arguments",
            Self::NotFound => "not_found",
            Self::RateLimited => "rate_limited",
            Self::Overloaded => "overloaded",
            Self::CircuitOpen => "circuit_open",
            Self::Timeout => "timeout",
            Self::ResponseTooLarge => "response_too_large",
            Self::Disabled => "disabled",
            Self::InternalError => "internal_error",
            Self::ProtocolError => "protocol_error",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::Cancelled => "cancelled",
            Self::InputRequired => "input_required",
            Self::TaskCreated => "task_created",
        }
    }

    /// Whether the request failed (its log event is a warning).
    pub(crate) fn is_failure(self) -> bool {
        !matches!(
            self,
            Self::Ok | Self::Cancelled | Self::InputRequired | Self::TaskCreated
        )
    }

    /// The outcome of a JSON-RPC error no stage explained: rmcp's own answers (an
    /// unknown method, malformed `_meta`, a parse error) are protocol errors.
    pub(crate) fn of_error_code(code: ErrorCode) -> Self {
        if code == ErrorCode::INTERNAL_ERROR {
            Self::InternalError
        } else {
            Self::ProtocolError
        }
    }

    /// The outcome of an HTTP answer nothing else explained.
    fn of_status(status: u16) -> Self {
        match status {
            ..=399 => Self::Ok,
            429 => Self::RateLimited,
            500.. => Self::InternalError,
            _ => Self::ProtocolError,
        }
    }
}

/// The transport a request came over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    Stdio,
    Http,
    /// A transport of the embedding application's (`Server::handler`).
    InProcess,
}

impl Transport {
    fn as_str(self) -> &'static str {
        match self {
            Self::Stdio => "stdio",
            Self::Http => "http",
            Self::InProcess => "in_process",
        }
    }
}

/// Who sent a request, as far as the transport can tell: for the audit trail, so that
/// robots and real agents can be told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientKind {
    /// An MCP client over stdio.
    McpStdio,
    /// An MCP client over HTTP: the request carries MCP's headers (`MCP-Protocol-Version`,
    /// `Mcp-Session-Id`, `Mcp-Method`, an `Accept` naming `text/event-stream`), or a
    /// JSON-RPC request in its body.
    McpHttp,
    /// A web browser (its `User-Agent` and `Accept: text/html`) without MCP headers.
    Browser,
    /// A known crawler or registry inspector by its `User-Agent`, or an HTTP request
    /// with neither MCP headers nor a JSON-RPC request.
    Scanner,
    /// An HTTP request without MCP headers, yet to be settled by its body: `mcp_http`
    /// if it carried a JSON-RPC request, else `scanner`.
    HttpBare,
    /// A transport of the embedding application's.
    Unknown,
}

impl ClientKind {
    pub(crate) fn as_str(self, has_method: bool) -> &'static str {
        match self {
            Self::McpStdio => "mcp_stdio",
            Self::McpHttp => "mcp_http",
            Self::Browser => "browser",
            Self::Scanner => "scanner",
            Self::HttpBare if has_method => "mcp_http",
            Self::HttpBare => "scanner",
            Self::Unknown => "unknown",
        }
    }
}

/// Everything known about one request. Argument values are never part of it, except
/// as the audit trail's summary (`arguments`), where fields marked PII are keyed hashes.
#[derive(Debug)]
pub(crate) struct Record {
    /// When the request arrived.
    pub(crate) received_at: SystemTime,
    started: Instant,
    pub(crate) transport: Transport,
    pub(crate) request_id: Option<RequestId>,
    /// The protocol revision (`2025-11-25`).
    pub(crate) protocol: Option<String>,
    /// The JSON-RPC method (`tools/call`), when the request got far enough to have one.
    pub(crate) method: Option<Cow<'static, str>>,
    /// The HTTP method, over HTTP.
    pub(crate) http_method: Option<http::Method>,
    /// The tool or prompt name, or the resource URI.
    pub(crate) target: Option<String>,
    /// The key the guardrails count the request against (`address:127.0.0.1`).
    pub(crate) agent: Option<Cow<'static, str>>,
    /// Who the credential named, and how it was checked (`managed_token`), when auth
    /// is on. Never the credential.
    pub(crate) principal: Option<std::sync::Arc<crate::Principal>>,
    pub(crate) client_name: Option<String>,
    pub(crate) client_version: Option<String>,
    pub(crate) status: Option<u16>,
    pub(crate) error_code: Option<i32>,
    pub(crate) outcome: Option<Outcome>,
    pub(crate) request_bytes: Option<u64>,
    pub(crate) response_bytes: Option<u64>,
    /// The result was cut to the tool's size cap.
    pub(crate) truncated: bool,
    /// The result was the stored one of an earlier call with the same idempotency key.
    pub(crate) replayed: bool,
    /// For operators: what went wrong inside (a panic message, an error chain). Never
    /// argument values.
    pub(crate) detail: Option<String>,
    /// Which budget or cap refused the request (`agent`, `agent_tool`, `tool`,
    /// `address`; `server` or `tool` for a concurrency cap).
    pub(crate) scope: Option<&'static str>,
    /// Filled in when the record is finished.
    pub(crate) latency: std::time::Duration,
    /// The request's trace id (32 hex digits), filled in when the record is finished:
    /// its span's when spans are exported, else the caller's, if it sent one.
    pub(crate) trace_id: Option<String>,
    /// The caller's trace context and, when spans are exported, the request's span.
    pub(crate) trace: Option<Box<super::traces::RequestTrace>>,
    /// Who sent it (for the audit trail; over HTTP named only when the trail is on).
    pub(crate) client_kind: ClientKind,
    /// The arguments' summary for the audit trail, as JSON text (only when it is on):
    /// strings cut short, fields marked PII as keyed hashes (`observe/audit`).
    pub(crate) arguments: Option<String>,
    /// Counted in the metrics' requests in flight until it is finished.
    pub(crate) in_flight: bool,
}

impl Record {
    pub(crate) fn new(transport: Transport) -> Self {
        Self {
            received_at: SystemTime::now(),
            started: Instant::now(),
            transport,
            request_id: None,
            protocol: None,
            method: None,
            http_method: None,
            target: None,
            agent: None,
            principal: None,
            client_name: None,
            client_version: None,
            status: None,
            error_code: None,
            outcome: None,
            request_bytes: None,
            response_bytes: None,
            truncated: false,
            replayed: false,
            detail: None,
            scope: None,
            latency: std::time::Duration::ZERO,
            trace_id: None,
            trace: None,
            client_kind: match transport {
                Transport::Stdio => ClientKind::McpStdio,
                Transport::Http => ClientKind::HttpBare,
                Transport::InProcess => ClientKind::Unknown,
            },
            arguments: None,
            in_flight: super::metrics::opened(),
        }
    }

    /// The method of a request and what it names: a tool, a prompt, a resource URI.
    pub(crate) fn identify(&mut self, request: &rmcp::model::ClientRequest) {
        use rmcp::model::ClientRequest as R;
        self.method = Some(request.method().to_owned().into());
        self.target = match request {
            R::CallToolRequest(r) => Some(r.params.name.to_string()),
            R::GetPromptRequest(r) => Some(r.params.name.clone()),
            R::ReadResourceRequest(r) => Some(r.params.uri.clone()),
            R::SubscribeRequest(r) => Some(r.params.uri.clone()),
            R::UnsubscribeRequest(r) => Some(r.params.uri.clone()),
            _ => None,
        };
    }

    /// What the record knows of the request's trace, made when there is something to
    /// know.
    pub(crate) fn trace_mut(&mut self) -> &mut super::traces::RequestTrace {
        self.trace.get_or_insert_with(Box::default)
    }

    /// The client, as an `initialize` request or a request's `_meta` names it.
    pub(crate) fn client(&mut self, client: rmcp::model::Implementation) {
        self.client_name = Some(client.name);
        self.client_version = Some(client.version);
    }

    /// When the request arrived, in microseconds since the Unix epoch.
    pub(crate) fn received_at_us(&self) -> u64 {
        let since = self.received_at.duration_since(std::time::UNIX_EPOCH);
        since.map_or(0, |t| u64::try_from(t.as_micros()).unwrap_or(u64::MAX))
    }

    pub(crate) fn transport_name(&self) -> &'static str {
        self.transport.as_str()
    }

    /// The outcome a stage set, else what an HTTP error status says, else what the
    /// JSON-RPC error code says, else `ok`.
    fn settled_outcome(&self) -> Outcome {
        let http_error = self.status.filter(|&s| s >= 400).map(Outcome::of_status);
        self.outcome
            .or(http_error)
            .or_else(|| {
                self.error_code
                    .map(|c| Outcome::of_error_code(ErrorCode(c)))
            })
            .unwrap_or(Outcome::Ok)
    }
}

/// A handle on an open record, cheap to clone: every holder fills in what it knows, and
/// [`Recording::finish`] ends it once. A detached handle (a request without a record)
/// ignores everything.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recording(Option<Arc<Open>>);

#[derive(Debug)]
struct Open(Mutex<Option<Record>>);

impl Recording {
    pub(crate) fn open(record: Record) -> Self {
        Self(Some(Arc::new(Open(Mutex::new(Some(record))))))
    }

    /// The record a transport put in a request's extensions: there on stdio, in the
    /// request's HTTP head over HTTP.
    pub(crate) fn of(extensions: &rmcp::model::Extensions) -> Option<Self> {
        extensions
            .get::<Self>()
            .or_else(|| {
                extensions
                    .get::<http::request::Parts>()?
                    .extensions
                    .get::<Self>()
            })
            .cloned()
    }

    /// The record of the request `context` belongs to, or a detached handle. A record
    /// without an id is named here from rmcp's reading of the request: its id, and the
    /// client its `_meta` names (over HTTP, the transport names a 2026-07-28 request
    /// from its headers, which carry neither).
    pub(crate) fn of_request(context: &rmcp::service::RequestContext<rmcp::RoleServer>) -> Self {
        let recording = Self::of(&context.extensions).unwrap_or_default();
        recording.update(|record| {
            if record.request_id.is_some() {
                return;
            }
            record.request_id = Some(context.id.clone());
            super::traces::read_meta(record, &context.meta);
            if record.client_name.is_none()
                && let Some(client) = context.meta.client_info()
            {
                record.client(client);
            }
        });
        recording
    }

    /// Changes the record with `change`, unless it is finished or detached.
    pub(crate) fn update(&self, change: impl FnOnce(&mut Record)) {
        if let Some(open) = &self.0
            && let Some(record) = open
                .0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_mut()
        {
            change(record);
        }
    }

    /// The trace context a handler's work continues ([`super::traces::current`]).
    pub(crate) fn trace_context(&self) -> Option<opentelemetry::trace::SpanContext> {
        let open = self.0.as_ref()?;
        let mut record = open.0.lock().unwrap_or_else(PoisonError::into_inner);
        record.as_mut().and_then(super::traces::current)
    }

    /// Reads the record, if it is open.
    pub(crate) fn read<T>(&self, read: impl FnOnce(&Record) -> T) -> Option<T> {
        let open = self.0.as_ref()?;
        let record = open.0.lock().unwrap_or_else(PoisonError::into_inner);
        record.as_ref().map(read)
    }

    /// Drops the record without a trace: what arrived was not a request after all (an
    /// HTTP POST of a notification).
    pub(crate) fn discard(&self) {
        if let Some(open) = &self.0
            && let Some(record) = open.0.lock().unwrap_or_else(PoisonError::into_inner).take()
        {
            super::metrics::discarded(&record);
        }
    }

    /// Notes the JSON-RPC error a request is answered with (over HTTP, the body of a
    /// stateless answer is not read again to learn it).
    pub(crate) fn answered<T>(&self, result: &Result<T, rmcp::ErrorData>) {
        if let Err(error) = result {
            self.update(|r| r.error_code = Some(error.code.0));
        }
    }

    pub(crate) fn outcome(&self, outcome: Outcome) {
        self.update(|r| r.outcome = Some(outcome));
    }

    /// The outcome and what went wrong inside, for operators.
    pub(crate) fn failed(&self, outcome: Outcome, detail: impl Into<String>) {
        let detail = detail.into();
        self.update(|r| {
            r.outcome = Some(outcome);
            r.detail = Some(detail);
        });
    }

    /// Ends the record with the transport's last facts (`change`) and emits its log
    /// event; later calls, and the other handles, do nothing.
    pub(crate) fn finish(&self, change: impl FnOnce(&mut Record)) {
        let Some(open) = &self.0 else { return };
        let record = open.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(mut record) = record {
            change(&mut record);
            finished(record);
        }
    }
}

/// A record nobody finished: the request ended without its answer being sent (the
/// client cancelled it or went away).
impl Drop for Open {
    fn drop(&mut self) {
        if let Some(mut record) = self
            .0
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            record.outcome.get_or_insert(Outcome::Cancelled);
            record
                .detail
                .get_or_insert_with(|| "the request ended before its answer was sent".to_owned());
            finished(record);
        }
    }
}

/// The one place a record ends: its outcome settled, its latency taken, its span
/// ended, its log event emitted, its metrics counted (one atomic load while metrics are
/// off), and the record handed to the audit trail (when it is on).
fn finished(mut record: Record) {
    record.outcome = Some(record.settled_outcome());
    record.latency = record.started.elapsed();
    super::traces::end(&mut record);
    super::log::request(&record);
    super::metrics::finished(&record);
    super::audit::submit(record);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_finished_once_and_by_the_last_handle_if_nobody_did() {
        let logged = super::super::log::testing::capture(|| {
            let recording = Recording::open(Record::new(Transport::Stdio));
            let other = recording.clone();
            recording.outcome(Outcome::Ok);
            recording.finish(|r| r.response_bytes = Some(10));
            other.finish(|r| r.response_bytes = Some(20));
            drop((recording, other));

            let abandoned = Recording::open(Record::new(Transport::Http));
            abandoned.update(|r| r.method = Some("tools/call".into()));
            drop(abandoned);
        });
        assert_eq!(logged.len(), 2, "{logged:?}");
        assert_eq!(logged[0]["outcome"], "ok");
        assert_eq!(logged[0]["response_bytes"], 10);
        assert_eq!(logged[1]["outcome"], "cancelled");
        assert_eq!(logged[1]["method"], "tools/call");
        assert_eq!(logged[1]["level"], "INFO");
    }

    #[test]
    fn an_unexplained_answer_gets_the_outcome_its_code_or_status_says() {
        let outcome = |change: fn(&mut Record)| {
            let mut record = Record::new(Transport::Http);
            change(&mut record);
            record.settled_outcome()
        };
        assert_eq!(outcome(|_| {}), Outcome::Ok);
        assert_eq!(
            outcome(|r| r.error_code = Some(-32601)),
            Outcome::ProtocolError
        );
        assert_eq!(
            outcome(|r| r.error_code = Some(-32603)),
            Outcome::InternalError
        );
        assert_eq!(outcome(|r| r.status = Some(429)), Outcome::RateLimited);
        assert_eq!(outcome(|r| r.status = Some(406)), Outcome::ProtocolError);
        assert_eq!(
            outcome(|r| {
                r.status = Some(429);
                r.error_code = Some(-32000);
            }),
            Outcome::RateLimited
        );
        assert_eq!(
            outcome(|r| {
                r.status = Some(200);
                r.outcome = Some(Outcome::NotFound);
            }),
            Outcome::NotFound
        );
    }
}
