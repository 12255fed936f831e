//! OpenTelemetry traces: one SERVER span per request, made from its record, exported
//! over OTLP/HTTP in batches off the request path.
//!
//! Off unless an endpoint is configured ([`install`]): then no tracer exists, no
//! exporter thread runs, and a request pays one check of [`tracer`]. On, a request's
//! span starts when its handler first asks for the trace context (a child span,
//! headers to pass on) or else when its record is finished, with the time the request
//! arrived as its start either way, and it ends when the record is finished: named
//! `{mcp.method.name} {target}`, with the MCP semantic conventions' attributes, status
//! ERROR when the request failed ([`end`]). The spans are not made from `tracing`
//! events (no tracing-opentelemetry): the record already holds everything they say.
//!
//! Its parent is the caller's span: the request's `_meta` `traceparent` (2026-07-28;
//! `tracestate` with it), else the HTTP `traceparent` header. With both, and different,
//! `_meta` wins and the header's span becomes a link, as the conventions ask: one MCP
//! request may ride several HTTP requests (retries), so the MCP client's span is the
//! parent and the transport's a related span. Without exporting, the caller's context
//! is still read: its trace id goes into the record (logs, audit), and handlers pass it
//! on unchanged.

use std::{borrow::Cow, net::IpAddr, sync::OnceLock, time::Duration};

use opentelemetry::{
    Context, KeyValue,
    trace::{
        Link, Span as _, SpanContext, SpanKind, Status, TraceContextExt as _, Tracer as _,
        TracerProvider as _,
    },
};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, Span as SdkSpan};

use super::record::{Outcome, Record, Transport};
use super::traceparent;

static TRACER: OnceLock<SdkTracer> = OnceLock::new();

/// The tracer, when spans are exported.
pub(crate) fn tracer() -> Option<&'static SdkTracer> {
    TRACER.get()
}

/// What a request's record knows of its trace (boxed in the record, and there only
/// when there is something to know: most requests of a server that does not export
/// come without a trace context).
#[derive(Debug, Default)]
pub(crate) struct RequestTrace {
    /// The caller's span, from the request's `_meta`.
    pub(crate) from_meta: Option<SpanContext>,
    /// The caller's span, from the HTTP `traceparent` header.
    pub(crate) from_header: Option<SpanContext>,
    /// Over HTTP: the client's address (the one trusted proxies name, behind them).
    pub(crate) client_address: Option<IpAddr>,
    /// Over HTTP: the 2025-11-25 session the request belongs to.
    pub(crate) session: Option<String>,
    /// The server span, once started.
    span: Option<SdkSpan>,
}

impl RequestTrace {
    fn parent(&self) -> Option<&SpanContext> {
        self.from_meta.as_ref().or(self.from_header.as_ref())
    }
}

/// The caller's context from a request's `_meta`, unless already read.
pub(crate) fn read_meta(record: &mut Record, meta: &rmcp::model::MetaObject) {
    read_meta_values(record, meta.get_traceparent(), meta.get_tracestate());
}

/// The caller's context from the `_meta` values `traceparent` and `tracestate`.
pub(crate) fn read_meta_values(record: &mut Record, parent: Option<&str>, state: Option<&str>) {
    let known = record.trace.as_ref().is_some_and(|t| t.from_meta.is_some());
    if let Some(parsed) = parent
        .filter(|_| !known)
        .and_then(|p| traceparent::parse(p, state))
    {
        record.trace_mut().from_meta = Some(parsed);
    }
}

/// The caller's context from the HTTP `traceparent` and `tracestate` headers.
pub(crate) fn read_header(record: &mut Record, parent: &str, state: Option<&str>) {
    if let Some(parsed) = traceparent::parse(parent, state) {
        record.trace_mut().from_header = Some(parsed);
    }
}

fn parent(record: &Record) -> Option<&SpanContext> {
    record.trace.as_deref().and_then(RequestTrace::parent)
}

/// The context a handler's work continues: the request's span when spans are exported
/// (started now if it was not), else the caller's span, if it sent one.
pub(crate) fn current(record: &mut Record) -> Option<SpanContext> {
    let Some(tracer) = tracer() else {
        return parent(record).cloned();
    };
    if record.trace.as_ref().is_none_or(|t| t.span.is_none()) {
        let span = start(tracer, record);
        record.trace_mut().span = Some(span);
    }
    let span = record.trace.as_ref().and_then(|t| t.span.as_ref());
    span.map(|s| s.span_context().clone())
}

/// Ends the request's span (starting it if nobody did), with what the finished record
/// says, and notes the trace id in the record.
pub(crate) fn end(record: &mut Record) {
    let Some(tracer) = tracer() else {
        record.trace_id = parent(record).map(|p| p.trace_id().to_string());
        return;
    };
    let started = record.trace.as_mut().and_then(|t| t.span.take());
    let mut span = started.unwrap_or_else(|| start(tracer, record));
    record.trace_id = Some(span.span_context().trace_id().to_string());
    // A span the sampler dropped records nothing: its attributes are not worth making.
    if !span.is_recording() {
        return;
    }
    span.update_name(name(record));
    span.set_attributes(attributes(record));
    if let Some(error_type) = error_type(record) {
        span.set_attribute(KeyValue::new("error.type", error_type));
        let outcome = record.outcome.unwrap_or(Outcome::InternalError);
        span.set_status(Status::error(outcome.as_str()));
    }
    span.end_with_timestamp(record.received_at + record.latency);
}

fn start(tracer: &SdkTracer, record: &Record) -> SdkSpan {
    let parent_context = match parent(record) {
        Some(parent) => Context::new().with_remote_span_context(parent.clone()),
        None => Context::new(),
    };
    let mut builder = tracer
        .span_builder(name(record))
        .with_kind(SpanKind::Server)
        .with_start_time(record.received_at);
    if let Some(trace) = record.trace.as_deref()
        && let (Some(meta), Some(header)) = (&trace.from_meta, &trace.from_header)
        && meta.span_id() != header.span_id()
    {
        builder = builder.with_links(vec![Link::with_context(header.clone())]);
    }
    tracer.build_with_context(builder, &parent_context)
}

/// What the conventions call a method nobody could read.
const OTHER: &str = "_OTHER";

/// `{mcp.method.name} {target}`: the target is the tool or prompt; a resource URI
/// would make one span name per resource, so a read is named by its method alone.
fn name(record: &Record) -> Cow<'static, str> {
    let method = record.method.clone().unwrap_or(Cow::Borrowed(OTHER));
    match (&*method, &record.target) {
        ("tools/call" | "prompts/get", Some(target)) => format!("{method} {target}").into(),
        _ => method,
    }
}

/// The MCP semantic conventions' attributes of the request's span. Argument values,
/// credentials and the principal are never among them.
fn attributes(record: &Record) -> Vec<KeyValue> {
    let method = record.method.as_deref().unwrap_or(OTHER);
    let mut attributes = vec![KeyValue::new("mcp.method.name", method.to_owned())];
    let mut add = |key: &'static str, value: Option<String>| {
        if let Some(value) = value {
            attributes.push(KeyValue::new(key, value));
        }
    };
    let target = record.target.clone();
    match method {
        "tools/call" => {
            add("gen_ai.tool.name", target);
            add("gen_ai.operation.name", Some("execute_tool".to_owned()));
        }
        "prompts/get" => add("gen_ai.prompt.name", target),
        "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
            add("mcp.resource.uri", target);
        }
        _ => {}
    }
    add(
        "jsonrpc.request.id",
        record.request_id.as_ref().map(ToString::to_string),
    );
    add(
        "rpc.response.status_code",
        record.error_code.map(|c| c.to_string()),
    );
    add("mcp.protocol.version", record.protocol.clone());
    let trace = record.trace.as_deref();
    add("mcp.session.id", trace.and_then(|t| t.session.clone()));
    add(
        "client.address",
        trace.and_then(|t| t.client_address).map(|a| a.to_string()),
    );
    let transport = match record.transport {
        Transport::Http => Some("tcp"),
        Transport::Stdio => Some("pipe"),
        Transport::InProcess => None,
    };
    add("network.transport", transport.map(str::to_owned));
    if record.transport == Transport::Http {
        add("network.protocol.name", Some("http".to_owned()));
    }
    add(
        "http.request.method",
        record.http_method.as_ref().map(ToString::to_string),
    );
    if let Some(status) = record.status {
        attributes.push(KeyValue::new(
            "http.response.status_code",
            i64::from(status),
        ));
    }
    if let Some(outcome) = record.outcome {
        attributes.push(KeyValue::new("mcpgen.outcome", outcome.as_str()));
    }
    attributes
}

/// The conventions' `error.type`: the JSON-RPC error code; for a tool call answered
/// with an error result (`isError: true`), `tool_error`; for a refusal the HTTP layer
/// answered without one, its status; else the outcome.
fn error_type(record: &Record) -> Option<String> {
    if let Some(code) = record.error_code {
        return Some(code.to_string());
    }
    let outcome = record.outcome.filter(|o| o.is_failure())?;
    if record.method.as_deref() == Some("tools/call") && record.status.is_none_or(|s| s < 400) {
        return Some("tool_error".to_owned());
    }
    match record.status.filter(|&s| s >= 400) {
        Some(status) => Some(status.to_string()),
        None => Some(outcome.as_str().to_owned()),
    }
}

/// What the server is called in its spans, and where the spans go when the
/// environment does not say.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings<'a> {
    /// `service.name`, unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` names one.
    pub(crate) service_name: &'a str,
    pub(crate) service_version: &'a str,
    /// The spec's `telemetry.otlp_endpoint`, resolved (`${VAR}`).
    pub(crate) spec_endpoint: Option<&'a str>,
}

/// Flushes the spans still queued when dropped (the server stops), for a few seconds
/// at most: a collector that is down does not hold up the exit.
#[derive(Debug)]
#[must_use = "queued spans are flushed when this is dropped"]
pub(crate) struct TraceGuard(SdkTracerProvider);

impl Drop for TraceGuard {
    fn drop(&mut self) {
        if let Err(error) = self.0.shutdown_with_timeout(Duration::from_secs(3)) {
            tracing::warn!("the last spans could not be sent to the collector: {error}");
        }
    }
}

/// Starts exporting spans when an endpoint is configured (see [`super::trace_config`]);
/// `None` when none is (nothing is started). An endpoint that is not a URL stops the
/// server from starting, with what to fix. `runtime` carries the exporter's requests.
pub(crate) fn install(
    settings: Settings<'_>,
    runtime: tokio::runtime::Handle,
) -> Result<Option<TraceGuard>, String> {
    let env = |name: &str| std::env::var(name).ok();
    let Some(config) = super::trace_config::resolve(env, settings.spec_endpoint)? else {
        return Ok(None);
    };
    let client = super::otlp_client::OtlpClient::new(runtime, &config.url, config.timeout)?;
    let exporter = config
        .exporter(client)
        .map_err(|e| format!("traces cannot be exported: {e}"))?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(super::trace_config::resource(
            settings.service_name,
            settings.service_version,
        ))
        .build();
    let scope = opentelemetry::InstrumentationScope::builder("mcpgen-runtime")
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    if TRACER.set(provider.tracer_with_scope(scope)).is_err() {
        // Installed already (a second server in one process): that one exports.
        return Ok(None);
    }
    tracing::info!(endpoint = %config.url, "spans are exported over OTLP/HTTP");
    Ok(Some(TraceGuard(provider)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(method: &'static str, target: Option<&str>) -> Record {
        let mut record = Record::new(Transport::Http);
        record.method = Some(Cow::Borrowed(method));
        record.target = target.map(str::to_owned);
        record
    }

    #[test]
    fn spans_are_named_by_method_and_tool_or_prompt_never_by_uri() {
        assert_eq!(
            name(&record("tools/call", Some("get_forecast"))),
            "tools/call get_forecast"
        );
        assert_eq!(
            name(&record("prompts/get", Some("plan_trip"))),
            "prompts/get plan_trip"
        );
        assert_eq!(
            name(&record("resources/read", Some("weather://cities/zurich"))),
            "resources/read"
        );
        assert_eq!(name(&Record::new(Transport::Stdio)), "_OTHER");
    }

    #[test]
    fn the_error_type_is_the_code_else_tool_error_else_the_status() {
        let mut call = record("tools/call", Some("t"));
        call.outcome = Some(Outcome::Ok);
        assert_eq!(error_type(&call), None);
        call.outcome = Some(Outcome::InvalidArguments);
        assert_eq!(error_type(&call).as_deref(), Some("tool_error"));
        call.outcome = Some(Outcome::NotFound);
        call.error_code = Some(-32602);
        assert_eq!(error_type(&call).as_deref(), Some("-32602"));

        let mut refused = Record::new(Transport::Http);
        refused.status = Some(406);
        refused.outcome = Some(Outcome::ProtocolError);
        assert_eq!(error_type(&refused).as_deref(), Some("406"));
        let mut cancelled = record("tools/call", Some("t"));
        cancelled.outcome = Some(Outcome::Cancelled);
        assert_eq!(error_type(&cancelled), None);
    }

    #[test]
    fn attributes_follow_the_conventions() {
        let mut read = record("resources/read", Some("weather://cities/zurich"));
        read.request_id = Some(rmcp::model::NumberOrString::Number(7));
        read.protocol = Some("2025-11-25".to_owned());
        read.status = Some(200);
        read.outcome = Some(Outcome::Ok);
        let attributes: Vec<(String, String)> = attributes(&read)
            .into_iter()
            .map(|kv| (kv.key.to_string(), kv.value.to_string()))
            .collect();
        let get = |key: &str| {
            attributes
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("mcp.method.name"), Some("resources/read"));
        assert_eq!(get("mcp.resource.uri"), Some("weather://cities/zurich"));
        assert_eq!(get("jsonrpc.request.id"), Some("7"));
        assert_eq!(get("mcp.protocol.version"), Some("2025-11-25"));
        assert_eq!(get("network.transport"), Some("tcp"));
        assert_eq!(get("http.response.status_code"), Some("200"));
        assert_eq!(get("mcpgen.outcome"), Some("ok"));
        assert_eq!(get("gen_ai.tool.name"), None);
        assert_eq!(get("rpc.response.status_code"), None);
    }

    #[test]
    fn without_exporting_the_record_gets_the_callers_trace_id() {
        let mut record = record("tools/call", Some("t"));
        let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        read_header(&mut record, parent, None);
        // No tracer is installed in unit tests.
        assert!(tracer().is_none());
        let caller = traceparent::parse(parent, None);
        assert_eq!(current(&mut record), caller);
        end(&mut record);
        assert_eq!(
            record.trace_id.as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
    }
}
