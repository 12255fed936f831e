//! The arguments of `#[mcp_tool(...)]` into the model's `Tool`: its name and title,
//! annotations, limits and guardrails, scopes, declared errors, and the runtime path.

use proc_macro2::TokenStream;
use syn::Ident;
use syn::ext::IdentExt as _;
use syn::parse::Parser as _;

use crate::code_first::SpanTable;
use crate::code_first::args::{self, Arg, ArgValue};
use crate::code_first::report::Report;
use crate::diag::Diagnostics;
use crate::model::{
    CircuitBreakerSpec, ErrorCase, IdempotencySpec, LargeResponse, NamedMap, TaskSupport, Tool,
};
use crate::source::Sp;

/// The keys of `#[mcp_tool(...)]`.
const TOOL_KEYS: &[&str] = &[
    "name",
    "title",
    "read_only",
    "destructive",
    "idempotent",
    "open_world",
    "rate_limit",
    "timeout_ms",
    "max_response_bytes",
    "rate_limit_per_agent",
    "max_concurrent_calls",
    "on_large_response",
    "circuit_breaker",
    "idempotency",
    "disabled",
    "task",
    "scopes",
    "anonymous",
    "errors",
    "allow",
    "crate",
];

/// The keys of one error written `code(...)` in `errors(...)`.
const ERROR_KEYS: &[&str] = &["message", "retryable"];

/// The keys of `circuit_breaker(...)`, as in a spec's `circuit_breaker:`.
const CIRCUIT_BREAKER_KEYS: &[&str] = &[
    "enabled",
    "failures",
    "window_ms",
    "cooldown_ms",
    "successes",
];

/// The keys of `idempotency(...)`, as in a spec's `idempotency:`.
const IDEMPOTENCY_KEYS: &[&str] = &["key", "window_ms"];

pub(super) fn parse_args(tokens: TokenStream, report: &mut Report) -> Vec<Arg> {
    match args::parse.parse2(tokens) {
        Ok(args) => args,
        Err(e) => {
            report.syn(e);
            Vec::new()
        }
    }
}

/// What `#[mcp_tool(...)]` says beyond the model's `Tool`.
#[derive(Default)]
pub(super) struct ToolAttr {
    /// `name = "..."`; the function's name otherwise.
    pub(super) name: Option<Sp<String>>,
    /// `crate = path`; `::mcpgen_runtime` otherwise.
    pub(super) krate: Option<TokenStream>,
    /// `errors(...)`: each code, as written, with its case.
    pub(super) errors: Vec<(Ident, ErrorCase)>,
}

/// Lowers the arguments of `#[mcp_tool(...)]` into `tool`; returns what goes elsewhere.
pub(super) fn lower_attribute(
    args: &[Arg],
    tool: &mut Tool,
    spans: &mut SpanTable,
    diags: &mut Diagnostics,
    report: &mut Report,
) -> ToolAttr {
    let mut lowered = ToolAttr::default();
    for arg in args::known(args, TOOL_KEYS, "#[mcp_tool(...)]", report) {
        let at = spans.mark(arg.value_span());
        let key_at = spans.mark(arg.key.span());
        match arg.name().as_str() {
            "name" => {
                if let Some(n) = arg.string(report) {
                    lowered.name = Some(Sp::new(n, at));
                }
            }
            "title" => tool.title = arg.string(report).map(|t| Sp::new(t, at)),
            flag @ ("read_only" | "destructive" | "idempotent" | "open_world") => {
                let value = arg.bool(report).map(|v| Sp::new(v, key_at));
                let a = &mut tool.annotations;
                match flag {
                    "read_only" => a.read_only = value,
                    "destructive" => a.destructive = value,
                    "idempotent" => a.idempotent = value,
                    _ => a.open_world = value,
                }
            }
            key @ ("rate_limit" | "rate_limit_per_agent") => {
                if let Some(text) = arg.string(report) {
                    match crate::rate::parse(&text) {
                        Ok(rate) if key == "rate_limit" => {
                            tool.rate_limit = Some(Sp::new(rate, at));
                        }
                        Ok(rate) => tool.rate_limit_per_agent = Some(Sp::new(rate, at)),
                        Err(e) => diags.push(crate::rate::invalid(&text, &e, at)),
                    }
                }
            }
            "timeout_ms" => tool.timeout_ms = arg.u64(report).map(|v| Sp::new(v, at)),
            "max_response_bytes" => {
                tool.max_response_bytes = arg.u64(report).map(|v| Sp::new(v, at))
            }
            "max_concurrent_calls" => {
                tool.max_concurrent_calls = arg.u32(report).map(|v| Sp::new(v, at))
            }
            "on_large_response" => {
                tool.on_large_response =
                    arg.choice(report, &["error", "truncate"])
                        .map(|mode| match mode.as_str() {
                            "truncate" => Sp::new(LargeResponse::Truncate, at),
                            _ => Sp::new(LargeResponse::Error, at),
                        });
            }
            "circuit_breaker" => {
                tool.circuit_breaker = lower_circuit_breaker(arg, spans, report);
            }
            "idempotency" => tool.idempotency = lower_idempotency(arg, spans, report),
            "disabled" => tool.disabled = arg.bool(report).map(|v| Sp::new(v, at)),
            "anonymous" => tool.anonymous = arg.bool(report).map(|v| Sp::new(v, at)),
            "task" => {
                tool.task = arg
                    .choice(report, &["optional", "required"])
                    .map(|support| match support.as_str() {
                        "required" => Sp::new(TaskSupport::Required, at),
                        _ => Sp::new(TaskSupport::Optional, at),
                    });
            }
            "scopes" => {
                for (scope, span) in arg
                    .strings(report, "scopes(\"forecast:read\")")
                    .unwrap_or_default()
                {
                    let at = spans.mark(span);
                    tool.scopes.push(Sp::new(scope, at));
                }
            }
            "allow" => {
                for lint in arg.list(report, "allow(unit_suffix)").unwrap_or_default() {
                    let at = spans.mark(lint.key.span());
                    tool.allow.push(Sp::new(lint.name(), at));
                }
            }
            "errors" => lowered.errors = lower_errors(arg, spans, report),
            "crate" => {
                if let Some(path) = arg.path(report) {
                    lowered.krate = Some(path);
                }
            }
            _ => {}
        }
    }
    lowered
}

/// `circuit_breaker(failures = 5, window_ms = 60_000, cooldown_ms = 30_000, successes = 2)`
/// or `circuit_breaker(enabled = false)`; keys left out take the server's breaker's values.
fn lower_circuit_breaker(
    arg: &Arg,
    spans: &mut SpanTable,
    report: &mut Report,
) -> Option<CircuitBreakerSpec> {
    if !matches!(arg.value, ArgValue::List(..)) {
        report.error(
            arg.value_span(),
            "`circuit_breaker` takes a list in parentheses",
            "write `circuit_breaker(failures = 5, window_ms = 60_000, cooldown_ms = 30_000, successes = 2)` (keys left out keep the server's values), or `circuit_breaker(enabled = false)` to turn it off",
        );
        return None;
    }
    let list = arg.list(report, "circuit_breaker(failures = 5)")?;
    let mut breaker = CircuitBreakerSpec {
        span: spans.mark(arg.value_span()),
        ..CircuitBreakerSpec::default()
    };
    for arg in args::known(&list, CIRCUIT_BREAKER_KEYS, "circuit_breaker(...)", report) {
        let at = spans.mark(arg.value_span());
        match arg.name().as_str() {
            "enabled" => breaker.enabled = arg.bool(report).map(|v| Sp::new(v, at)),
            "failures" => breaker.failures = arg.u32(report).map(|v| Sp::new(v, at)),
            "successes" => breaker.successes = arg.u32(report).map(|v| Sp::new(v, at)),
            "window_ms" => breaker.window_ms = arg.u64(report).map(|v| Sp::new(v, at)),
            _ => breaker.cooldown_ms = arg.u64(report).map(|v| Sp::new(v, at)),
        }
    }
    Some(breaker)
}

/// `idempotency(key = "request_id", window_ms = 3_600_000)`: `key` names the `String`
/// parameter that carries the key.
fn lower_idempotency(
    arg: &Arg,
    spans: &mut SpanTable,
    report: &mut Report,
) -> Option<IdempotencySpec> {
    let list = arg.list(report, "idempotency(key = \"request_id\")")?;
    let span = spans.mark(arg.value_span());
    let mut key = None;
    let mut window_ms = None;
    for arg in args::known(&list, IDEMPOTENCY_KEYS, "idempotency(...)", report) {
        let at = spans.mark(arg.value_span());
        if arg.name() == "key" {
            key = arg
                .string_as(report, "key = \"request_id\"")
                .map(|k| Sp::new(k, at));
        } else {
            window_ms = arg.u64(report).map(|w| Sp::new(w, at));
        }
    }
    let Some(key) = key else {
        if !list.iter().any(|a| a.name() == "key") {
            report.error(
                arg.key.span(),
                "`idempotency` has no `key`",
                "write `idempotency(key = \"request_id\")`, naming the `String` parameter that carries the key",
            );
        }
        return None;
    };
    Some(IdempotencySpec {
        span,
        key,
        window_ms,
    })
}

/// `errors(...)`: each code, as written, with its case.
fn lower_errors(arg: &Arg, spans: &mut SpanTable, report: &mut Report) -> Vec<(Ident, ErrorCase)> {
    let example = "errors(city_not_found = \"No city named {city}. Check the spelling.\")";
    let mut errors = Vec::new();
    for case in arg.list(report, example).unwrap_or_default() {
        if let Some(error) = lower_error(&case, spans, report) {
            errors.push((case.key.unraw(), error));
        }
    }
    errors
}

/// One entry of `errors(...)`: `code = "message"` or `code(message = "...", retryable)`.
fn lower_error(case: &Arg, spans: &mut SpanTable, report: &mut Report) -> Option<ErrorCase> {
    let at = spans.mark(case.value_span());
    match &case.value {
        ArgValue::Eq(_) => case.string(report).map(|m| ErrorCase {
            message: Sp::new(m, at),
            fields: NamedMap::default(),
            retryable: None,
        }),
        ArgValue::List(..) => {
            let list = case.list(report, "code(message = \"...\", retryable)")?;
            let mut message = None;
            let mut retryable = None;
            for arg in args::known(&list, ERROR_KEYS, "errors(code(...))", report) {
                let at = spans.mark(arg.value_span());
                if arg.name() == "message" {
                    message = arg.string(report).map(|m| Sp::new(m, at));
                } else {
                    retryable = arg.bool(report).map(|r| Sp::new(r, at));
                }
            }
            let Some(message) = message else {
                report.error(
                    case.key.span(),
                    format!("error `{}` has no message", case.name()),
                    "add `message = \"what went wrong and what to check first\"`",
                );
                return None;
            };
            Some(ErrorCase {
                message,
                fields: NamedMap::default(),
                retryable,
            })
        }
        ArgValue::Flag => {
            report.error(
                case.key.span(),
                format!("error `{}` has no message", case.name()),
                format!(
                    "write `{} = \"what went wrong and what to check first\"`",
                    case.name()
                ),
            );
            None
        }
    }
}
