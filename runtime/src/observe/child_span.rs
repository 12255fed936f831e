//! What a handler sees of the request's trace: spans of its own work under the
//! request's span ([`ChildSpan`], from [`crate::ToolContext::start_span`]), and the W3C
//! headers to send with its own outbound calls ([`TraceHeaders`], from
//! [`crate::ToolContext::trace_headers`]). No OpenTelemetry type is needed to use them.

use std::borrow::Cow;

use opentelemetry::{
    Context, KeyValue,
    trace::{Span as _, SpanContext, SpanKind, Status, TraceContextExt as _, Tracer as _},
};

use super::traceparent;

/// The W3C trace context to send with an outbound call (HTTP headers, or the `_meta`
/// of a request to another MCP server), so that what it does joins this request's
/// trace. Empty when there is no trace to continue: spans are not exported and the
/// caller sent none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceHeaders {
    traceparent: Option<String>,
    tracestate: Option<String>,
}

impl TraceHeaders {
    pub(crate) fn of(span: Option<&SpanContext>) -> Self {
        let Some(span) = span.filter(|s| s.is_valid()) else {
            return Self::default();
        };
        Self {
            traceparent: Some(traceparent::format(span)),
            tracestate: traceparent::state(span),
        }
    }

    /// `traceparent`, such as `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`.
    pub fn traceparent(&self) -> Option<&str> {
        self.traceparent.as_deref()
    }

    /// `tracestate`, when the trace carries vendor entries.
    pub fn tracestate(&self) -> Option<&str> {
        self.tracestate.as_deref()
    }

    /// Each header as (name, value): `traceparent`, then `tracestate` if any.
    ///
    /// ```
    /// # let ctx = mcpgen_runtime::ToolContext::detached("t", mcpgen_runtime::Identity::Stdio);
    /// let mut request = http::Request::get("https://api.example.com/forecast");
    /// for (name, value) in ctx.trace_headers().iter() {
    ///     request = request.header(name, value);
    /// }
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let parent = self.traceparent().map(|v| (traceparent::TRACEPARENT, v));
        let state = self.tracestate().map(|v| (traceparent::TRACESTATE, v));
        parent.into_iter().chain(state)
    }

    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.traceparent.is_none()
    }
}

/// A span of a handler's own work (a query, a call to an API), a child of the
/// request's span or of another `ChildSpan`. It ends when dropped, or at
/// [`ChildSpan::end`]. When spans are not exported it records nothing and costs
/// nothing; [`ChildSpan::trace_headers`] then still passes the caller's context on.
///
/// Never put argument values, credentials or personal data in its attributes: they go
/// to the trace collector as written.
#[derive(Debug)]
pub struct ChildSpan {
    span: Option<opentelemetry_sdk::trace::Span>,
    /// The context it continues, when it records nothing.
    parent: Option<SpanContext>,
}

impl ChildSpan {
    pub(crate) fn start(parent: Option<&SpanContext>, name: Cow<'static, str>) -> Self {
        let tracer = super::traces::tracer();
        let (Some(tracer), Some(parent_span)) = (tracer, parent) else {
            return Self {
                span: None,
                parent: parent.cloned(),
            };
        };
        let context = Context::new().with_remote_span_context(parent_span.clone());
        let builder = tracer.span_builder(name).with_kind(SpanKind::Internal);
        Self {
            span: Some(tracer.build_with_context(builder, &context)),
            parent: None,
        }
    }

    fn context(&self) -> Option<&SpanContext> {
        match &self.span {
            Some(span) => Some(span.span_context()),
            None => self.parent.as_ref(),
        }
    }

    /// Sets an attribute (`"db.rows"`, `42_i64`): strings, integers (`i64`),
    /// floats and booleans.
    pub fn set_attribute(
        &mut self,
        key: impl Into<Cow<'static, str>>,
        value: impl Into<opentelemetry::Value>,
    ) {
        if let Some(span) = &mut self.span {
            span.set_attribute(KeyValue::new(key.into(), value));
        }
    }

    /// Marks the work as failed (status ERROR), with a short description such as
    /// `upstream_timeout`.
    pub fn set_error(&mut self, description: impl Into<Cow<'static, str>>) {
        if let Some(span) = &mut self.span {
            span.set_status(Status::error(description));
        }
    }

    /// A span for a part of this span's work.
    pub fn start_span(&self, name: impl Into<Cow<'static, str>>) -> ChildSpan {
        ChildSpan::start(self.context(), name.into())
    }

    /// The headers that make an outbound call a child of this span.
    pub fn trace_headers(&self) -> TraceHeaders {
        TraceHeaders::of(self.context())
    }

    /// The trace id (32 hex digits), when there is a trace.
    pub fn trace_id(&self) -> Option<String> {
        self.context()
            .filter(|c| c.is_valid())
            .map(|c| c.trace_id().to_string())
    }

    /// Ends the span now (dropping it does too).
    pub fn end(mut self) {
        if let Some(span) = &mut self.span {
            span.end();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CALLER: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    #[test]
    fn spans_and_headers_may_be_held_across_awaits() {
        fn send_and_sync<T: Send + Sync>() {}
        send_and_sync::<ChildSpan>();
        send_and_sync::<TraceHeaders>();
    }

    #[test]
    fn without_exporting_the_callers_context_is_passed_on_as_it_came() {
        let caller = traceparent::parse(CALLER, Some("rojo=00f067aa0ba902b7")).unwrap();
        let mut span = ChildSpan::start(Some(&caller), "fetch".into());
        span.set_attribute("rows", 3_i64);
        span.set_error("x");
        let headers = span.trace_headers();
        assert_eq!(
            headers.iter().collect::<Vec<_>>(),
            [
                ("traceparent", CALLER),
                ("tracestate", "rojo=00f067aa0ba902b7")
            ]
        );
        assert_eq!(
            span.start_span("inner").trace_id().as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        span.end();
        let none = ChildSpan::start(None, "fetch".into());
        assert!(none.trace_headers().is_empty());
        assert_eq!(none.trace_id(), None);
    }
}
