//! Prometheus metrics, read from the record every request ends in
//! ([`super::record`]): the duration histogram of the OpenTelemetry MCP conventions
//! (`mcp.server.operation.duration`, in seconds, their buckets) by method, target and
//! outcome; requests by outcome; refusals by kind (and, for rate limits and caps, the
//! scope that refused); requests in flight; the state of each tool's circuit breaker,
//! read when scraped; and the audit rows dropped.
//!
//! Off until a transport turns them on ([`install`]): `serve --http` does by default,
//! `--metrics ADDR` does for either transport. While off, a finished record costs one
//! atomic load here ([`finished`]).
//!
//! Label values come only from fixed lists and the spec: a method the server does not
//! know, and a tool, prompt or resource it does not declare, are counted under
//! [`UNKNOWN`], so a client cannot grow the number of series by sending names. A
//! resource a template matches is counted under its template.

use std::{
    collections::HashMap,
    fmt::Write as _,
    sync::{Arc, OnceLock},
};

use prometheus_client::{
    encoding::{EncodeLabel as _, EncodeLabelSet, LabelSetEncoder},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::{Registry as Prometheus, Unit},
};

use super::record::{Outcome, Record};
use crate::declare::registry::Registry;

/// The label value of a method, tool, prompt or resource the server does not declare.
pub(crate) const UNKNOWN: &str = "_unknown";

/// The `Content-Type` of what [`render`] writes: the Prometheus text format 0.0.4.
pub(crate) const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// The bucket bounds the OpenTelemetry MCP conventions give for
/// `mcp.server.operation.duration`, in seconds.
pub(crate) const BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];

/// The breaker states, each a series of `mcpgen_circuit_breaker_state` (1 for the
/// current one).
const BREAKER_STATES: [&str; 3] = ["closed", "open", "half_open"];

static METRICS: OnceLock<Metrics> = OnceLock::new();

/// Turns metrics on for the process, counting `registry`'s tools, prompts and
/// resources by name. Later calls change nothing (one server per process is the rule;
/// a second one's names would count as unknown).
pub(crate) fn install(registry: &Arc<Registry>) {
    METRICS.get_or_init(|| Metrics::new(Arc::clone(registry)));
}

/// A record opened: counted in flight while metrics are on. Whether it was counted
/// (the record carries this to [`finished`]).
pub(crate) fn opened() -> bool {
    METRICS.get().is_some_and(|m| {
        m.in_flight.inc();
        true
    })
}

/// A record finished: counted, unless metrics are off.
pub(crate) fn finished(record: &Record) {
    if let Some(metrics) = METRICS.get() {
        metrics.observe(record);
    }
}

/// A record dropped without a trace (it was not a request after all): no longer in
/// flight.
pub(crate) fn discarded(record: &Record) {
    if record.in_flight
        && let Some(metrics) = METRICS.get()
    {
        metrics.in_flight.dec();
    }
}

/// How many audit rows were dropped since the process started, read when scraped: the
/// one place `mcpgen_audit_dropped_total` comes from.
fn audit_drops() -> u64 {
    super::audit::dropped()
}

/// The metrics in the Prometheus text format, or `None` while they are off.
pub(crate) fn render() -> Option<String> {
    METRICS.get().map(Metrics::render)
}

/// The labels of the duration histogram.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Operation {
    method: &'static str,
    target: Arc<str>,
    outcome: &'static str,
}

impl EncodeLabelSet for Operation {
    fn encode(&self, encoder: &mut LabelSetEncoder<'_>) -> std::fmt::Result {
        ("method", self.method).encode(encoder.encode_label())?;
        ("target", &*self.target).encode(encoder.encode_label())?;
        ("outcome", self.outcome).encode(encoder.encode_label())
    }
}

/// The labels of a refusal: its kind, and the scope when the kind has one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RefusalKind {
    kind: &'static str,
    scope: Option<&'static str>,
}

impl EncodeLabelSet for RefusalKind {
    fn encode(&self, encoder: &mut LabelSetEncoder<'_>) -> std::fmt::Result {
        ("kind", self.kind).encode(encoder.encode_label())?;
        match self.scope {
            Some(scope) => ("scope", scope).encode(encoder.encode_label()),
            None => Ok(()),
        }
    }
}

type Labels<const N: usize> = [(&'static str, &'static str); N];

struct Metrics {
    prometheus: Prometheus,
    duration: Family<Operation, Histogram, fn() -> Histogram>,
    requests: Family<Labels<1>, Counter>,
    refusals: Family<RefusalKind, Counter>,
    in_flight: Gauge,
    audit_dropped: Counter,
    breakers: Family<[(&'static str, Arc<str>); 2], Gauge>,
    targets: Targets,
    registry: Arc<Registry>,
}

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

impl Metrics {
    fn new(registry: Arc<Registry>) -> Self {
        let metrics = Self {
            prometheus: Prometheus::default(),
            duration: Family::new_with_constructor(histogram),
            requests: Family::default(),
            refusals: Family::default(),
            in_flight: Gauge::default(),
            audit_dropped: Counter::default(),
            breakers: Family::default(),
            targets: Targets::new(&registry),
            registry,
        };
        metrics.register()
    }

    fn register(mut self) -> Self {
        let p = &mut self.prometheus;
        p.register_with_unit(
            "mcp_server_operation_duration",
            "How long MCP requests took (mcp.server.operation.duration), by method, target (the declared tool, prompt, resource or template; _unknown for others) and outcome",
            Unit::Seconds,
            self.duration.clone(),
        );
        p.register(
            "mcpgen_requests",
            "MCP requests by outcome (ok, or what went wrong)",
            self.requests.clone(),
        );
        p.register(
            "mcpgen_refusals",
            "Requests refused by a guardrail or by auth, by kind (rate_limited, overloaded, circuit_open, unauthenticated, forbidden) and scope (agent, agent_tool, tool, address; server or tool for overloaded)",
            self.refusals.clone(),
        );
        p.register(
            "mcpgen_requests_in_flight",
            "Requests received and not yet answered",
            self.in_flight.clone(),
        );
        p.register(
            "mcpgen_circuit_breaker_state",
            "The state of each tool's circuit breaker: 1 for the current state (closed, open, half_open), 0 for the others",
            self.breakers.clone(),
        );
        p.register(
            "mcpgen_audit_dropped",
            "Audit rows that could not be written (the store was slow, full or down)",
            self.audit_dropped.clone(),
        );
        self
    }

    fn observe(&self, record: &Record) {
        if record.in_flight {
            self.in_flight.dec();
        }
        let outcome = record.outcome.unwrap_or(Outcome::Ok);
        let method = method_label(record.method.as_deref());
        let target = self
            .targets
            .label(&self.registry, method, record.target.as_deref());
        let operation = Operation {
            method,
            target,
            outcome: outcome.as_str(),
        };
        self.duration
            .get_or_create(&operation)
            .observe(record.latency.as_secs_f64());
        self.requests
            .get_or_create(&[("outcome", outcome.as_str())])
            .inc();
        if let Some(kind) = refusal_kind(outcome) {
            let scope = record.scope.filter(|_| kind.has_scope);
            let labels = RefusalKind {
                kind: kind.name,
                scope,
            };
            self.refusals.get_or_create(&labels).inc();
        }
    }

    fn render(&self) -> String {
        for (tool, state) in self.registry.guard.breaker_states() {
            for name in BREAKER_STATES {
                let labels = [("tool", Arc::clone(&tool)), ("state", Arc::from(name))];
                self.breakers
                    .get_or_create(&labels)
                    .set(i64::from(name == state));
            }
        }
        let drops = audit_drops();
        let counted = self.audit_dropped.get();
        if drops > counted {
            self.audit_dropped.inc_by(drops - counted);
        }
        let mut text = String::with_capacity(8 * 1024);
        if prometheus_client::encoding::prometheus_text::encode(&mut text, &self.prometheus)
            .is_err()
        {
            // Writing to a String does not fail; say so rather than serve half a page.
            text.clear();
            let _ = writeln!(text, "# the metrics could not be encoded");
        }
        text
    }
}

struct Refused {
    name: &'static str,
    has_scope: bool,
}

/// The refusal an outcome is, if it is one.
fn refusal_kind(outcome: Outcome) -> Option<Refused> {
    let (name, has_scope) = match outcome {
        Outcome::RateLimited => ("rate_limited", true),
        Outcome::Overloaded => ("overloaded", true),
        Outcome::CircuitOpen => ("circuit_open", false),
        Outcome::Unauthenticated => ("unauthenticated", false),
        Outcome::Forbidden => ("forbidden", false),
        _ => return None,
    };
    Some(Refused { name, has_scope })
}

/// The method as a label: a method of MCP, [`UNKNOWN`], or empty for a request refused
/// before its method was read.
fn method_label(method: Option<&str>) -> &'static str {
    match method {
        None => "",
        Some(method) => crate::protocol::reword::MCP_METHODS
            .iter()
            .find(|known| **known == method)
            .copied()
            .unwrap_or(UNKNOWN),
    }
}

/// The names a request may target, as label values shared by every series.
struct Targets {
    tools: HashMap<String, Arc<str>>,
    prompts: HashMap<String, Arc<str>>,
    resources: HashMap<String, Arc<str>>,
    templates: Vec<Arc<str>>,
    unknown: Arc<str>,
    none: Arc<str>,
}

impl Targets {
    fn new(registry: &Arc<Registry>) -> Self {
        let shared = |name: &str| (name.to_owned(), Arc::from(name));
        Self {
            tools: registry.tools.iter().map(|t| shared(&t.name)).collect(),
            prompts: registry
                .prompts
                .iter()
                .map(|p| shared(&p.def.name))
                .collect(),
            resources: registry
                .resources
                .iter()
                .map(|r| shared(&r.def.uri))
                .collect(),
            templates: registry
                .templates
                .iter()
                .map(|t| Arc::from(t.def.uri_template.as_str()))
                .collect(),
            unknown: Arc::from(UNKNOWN),
            none: Arc::from(""),
        }
    }

    /// The target label of a request: the declared name it targets, the template a
    /// resource URI matches, [`UNKNOWN`] for anything else, empty when the method
    /// targets nothing.
    fn label(&self, registry: &Registry, method: &str, target: Option<&str>) -> Arc<str> {
        let Some(target) = target else {
            return Arc::clone(&self.none);
        };
        let known = match method {
            "tools/call" => self.tools.get(target).cloned(),
            "prompts/get" => self.prompts.get(target).cloned(),
            "resources/read" | "resources/subscribe" | "resources/unsubscribe" => self
                .resources
                .get(target)
                .cloned()
                .or_else(|| self.template_of(registry, target)),
            _ => None,
        };
        known.unwrap_or_else(|| Arc::clone(&self.unknown))
    }

    fn template_of(&self, registry: &Registry, uri: &str) -> Option<Arc<str>> {
        use crate::declare::uri_template::UriMatch;
        let index = registry
            .templates
            .iter()
            .position(|t| !matches!(t.template.matches(uri), UriMatch::NoMatch))?;
        self.templates.get(index).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::record::Transport;
    use crate::{ResourceOutput, ResourceTemplateDef, Server, ServerInfo, ToolDef, ToolOutput};

    fn registry() -> Arc<Registry> {
        let tool = ToolDef {
            name: "get_forecast".into(),
            description: "Forecasts.".into(),
            input_schema: serde_json::json!({"type": "object", "additionalProperties": false}),
            ..Default::default()
        };
        let template = ResourceTemplateDef {
            uri_template: "weather://city/{city}".into(),
            name: "city".into(),
            params_schema: serde_json::json!({
                "type": "object", "additionalProperties": false,
                "properties": {"city": {"type": "string"}}, "required": ["city"]
            }),
            ..Default::default()
        };
        let server = Server::builder(ServerInfo {
            name: "metrics".into(),
            version: "1.0.0".into(),
            ..Default::default()
        })
        .tool(tool, |_, _| async { Ok(ToolOutput::text("sunny")) })
        .resource_template(template, |_, _| async {
            Ok(ResourceOutput::Text("sunny".into()))
        })
        .build()
        .expect("the fixture builds");
        Arc::clone(&server.registry)
    }

    fn record(method: &str, target: &str, outcome: Outcome, scope: Option<&'static str>) -> Record {
        let mut record = Record::new(Transport::Http);
        record.method = Some(method.to_owned().into());
        record.target = Some(target.to_owned());
        record.outcome = Some(outcome);
        record.scope = scope;
        record.latency = std::time::Duration::from_millis(30);
        record
    }

    /// A Prometheus text line of `text` that starts with `prefix`, and its value.
    fn value(text: &str, prefix: &str) -> Option<f64> {
        let line = text.lines().find(|l| l.starts_with(prefix))?;
        line.rsplit(' ').next()?.parse().ok()
    }

    #[test]
    fn records_are_counted_under_declared_names_only() {
        let metrics = Metrics::new(registry());
        let calls = [
            ("tools/call", "get_forecast", Outcome::Ok, None),
            (
                "tools/call",
                "get_forecast",
                Outcome::RateLimited,
                Some("tool"),
            ),
            ("tools/call", "made_up_1", Outcome::NotFound, None),
            ("tools/call", "made_up_2", Outcome::NotFound, None),
            ("resources/read", "weather://city/Zurich", Outcome::Ok, None),
            ("resources/read", "weather://city/Bern", Outcome::Ok, None),
            ("resources/read", "other://x", Outcome::NotFound, None),
            ("bogus/method", "x", Outcome::ProtocolError, None),
        ];
        for (method, target, outcome, scope) in calls {
            metrics.observe(&record(method, target, outcome, scope));
        }
        let text = metrics.render();
        let count = |labels: &str| {
            value(
                &text,
                &format!("mcp_server_operation_duration_seconds_count{{{labels}}}"),
            )
        };
        assert_eq!(
            count(r#"method="tools/call",target="get_forecast",outcome="ok""#),
            Some(1.0)
        );
        assert_eq!(
            count(r#"method="tools/call",target="_unknown",outcome="not_found""#),
            Some(2.0)
        );
        assert_eq!(
            count(r#"method="resources/read",target="weather://city/{city}",outcome="ok""#),
            Some(2.0)
        );
        assert_eq!(
            count(r#"method="_unknown",target="_unknown",outcome="protocol_error""#),
            Some(1.0)
        );
        assert!(!text.contains("made_up") && !text.contains("Zurich") && !text.contains("bogus"));
        // 30 ms falls in the 0.05 bucket, not the 0.02 one.
        let bucket = |le: &str| {
            value(
                &text,
                &format!(
                    r#"mcp_server_operation_duration_seconds_bucket{{method="tools/call",target="get_forecast",outcome="ok",le="{le}"}}"#
                ),
            )
        };
        assert_eq!((bucket("0.02"), bucket("0.05")), (Some(0.0), Some(1.0)));
        assert_eq!(
            value(
                &text,
                r#"mcpgen_refusals_total{kind="rate_limited",scope="tool"}"#
            ),
            Some(1.0)
        );
        assert_eq!(
            value(&text, r#"mcpgen_requests_total{outcome="not_found"}"#),
            Some(3.0)
        );
        let dropped = value(&text, "mcpgen_audit_dropped_total").expect("the audit counter");
        super::super::audit::count_dropped(3);
        let text = metrics.render();
        // Other tests may drop rows meanwhile: the count only grows.
        let now = value(&text, "mcpgen_audit_dropped_total").expect("the audit counter");
        assert!(now >= dropped + 3.0, "{dropped} then {now}");
    }

    #[test]
    fn methods_outside_the_protocol_share_one_label() {
        assert_eq!(method_label(Some("tools/call")), "tools/call");
        assert_eq!(method_label(Some("tools/cal")), UNKNOWN);
        assert_eq!(method_label(Some("x".repeat(100).as_str())), UNKNOWN);
        assert_eq!(method_label(None), "");
    }

    #[test]
    fn refusals_have_a_scope_only_where_one_applies() {
        assert!(refusal_kind(Outcome::RateLimited).is_some_and(|k| k.has_scope));
        assert!(refusal_kind(Outcome::Forbidden).is_some_and(|k| !k.has_scope));
        assert!(refusal_kind(Outcome::ToolError { retryable: true }).is_none());
        assert!(refusal_kind(Outcome::Ok).is_none());
    }
}
