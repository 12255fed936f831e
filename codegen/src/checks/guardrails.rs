//! Guardrails: per-agent tool budgets, concurrency caps, circuit breakers, idempotency
//! keys, response truncation, flood protection and the Redis failure mode.

use super::tools::{check_rate, faster};
use super::{Cx, tick};
use crate::diag::{Code, Diagnostic, Severity};
use crate::model::{CircuitBreakerSpec, Kind, LargeResponse, Name, RateLimitBackend, Tool};
use crate::source::Sp;

fn warning(mut d: Diagnostic) -> Diagnostic {
    d.severity = Severity::Warning;
    d
}

/// The `structuredContent.code`s the runtime sends itself (`RESERVED_ERROR_CODES` of
/// mcpgen-runtime): a declared error cannot have one of these names.
pub const RESERVED_ERROR_CODES: &[&str] = &[
    "invalid_arguments",
    "timeout",
    "unexpected_error",
    "response_too_large",
    "cancelled",
    "rate_limited",
    "rate_limit_unavailable",
    "tool_disabled",
    "overloaded",
    "circuit_open",
    "response_truncated",
    "too_many_tasks",
];

/// The guardrails of one tool.
pub(super) fn check_tool(cx: &mut Cx<'_>, name: &Name, tool: &Tool) {
    for (error, _) in tool.errors.iter() {
        if RESERVED_ERROR_CODES.contains(&error.value.as_str()) {
            cx.emit(
                Diagnostic::new(
                    Code::Duplicate,
                    error.span,
                    format!("error {} of tool {} has the name of a code the runtime sends itself", tick(&error.value), tick(&name.value)),
                )
                .with_label("reserved")
                .with_help(format!(
                    "rename it so that agents can tell it from the runtime's own refusal; the reserved codes are: {}",
                    RESERVED_ERROR_CODES.join(", ")
                )),
            );
        }
    }
    let what = |key: &str| format!("the {key} of tool {}", tick(&name.value));
    if let Some(rate) = &tool.rate_limit_per_agent {
        check_rate(cx, &what("per-agent rate limit"), rate, true);
        if let Some(shared) = tool
            .rate_limit
            .as_ref()
            .or(cx.spec.rate_limits.per_tool.as_ref())
            && faster(&rate.value, &shared.value)
        {
            cx.emit(warning(
                Diagnostic::new(
                    Code::RateLimit,
                    rate.span,
                    format!(
                        "{} ({}) is above the budget all callers share ({}), so it never applies: the shared budget runs out first",
                        what("per-agent rate limit"),
                        rate.value,
                        shared.value
                    ),
                )
                .with_label(format!("above {}", shared.value))
                .with_help(format!("lower it below {} so that no single agent can use up the tool, or remove it", shared.value)),
            ));
        }
    }
    if let Some(cap) = &tool.max_concurrent_calls {
        concurrency(cx, cap);
        if let Some(server) = &cx.spec.limits.max_concurrent_calls
            && server.value > 0
            && cap.value > server.value
        {
            cx.emit(warning(
                Diagnostic::new(
                    Code::Limit,
                    cap.span,
                    format!(
                        "tool {} allows {} calls at once, more than the server's `limits.max_concurrent_calls` ({})",
                        tick(&name.value),
                        cap.value,
                        server.value
                    ),
                )
                .with_label("never reached")
                .with_help(format!("lower it to at most {}, or raise the server's cap", server.value)),
            ));
        }
    }
    if let Some(breaker) = &tool.circuit_breaker {
        circuit_breaker(cx, breaker);
    }
    if let Some(mode) = &tool.on_large_response
        && mode.value == LargeResponse::Truncate
        && tool.max_response_bytes.is_none()
        && cx.spec.limits.max_response_bytes.is_none()
    {
        cx.emit(warning(
            Diagnostic::new(
                Code::Limit,
                mode.span,
                format!("tool {} truncates large responses but has no size limit", tick(&name.value)),
            )
            .with_label("no effect")
            .with_help("add `max_response_bytes` to the tool (or to `limits`), or remove `on_large_response`"),
        ));
    }
    if let Some(idempotency) = &tool.idempotency {
        check_idempotency(cx, name, tool, idempotency);
    }
}

fn concurrency(cx: &mut Cx<'_>, cap: &Sp<u32>) {
    if cap.value == 0 {
        cx.emit(
            Diagnostic::new(
                Code::Limit,
                cap.span,
                "`max_concurrent_calls` is 0: no call could ever run",
            )
            .with_label("zero")
            .with_help(
                "allow at least one call at a time, or disable the tool with `disabled: true`",
            ),
        );
    }
}

fn circuit_breaker(cx: &mut Cx<'_>, breaker: &CircuitBreakerSpec) {
    for (key, value) in [
        ("failures", &breaker.failures),
        ("successes", &breaker.successes),
    ] {
        if let Some(v) = value.as_ref().filter(|v| v.value == 0) {
            cx.emit(
                Diagnostic::new(Code::Limit, v.span, format!("circuit breaker `{key}` is 0"))
                    .with_label("zero")
                    .with_help(if key == "failures" {
                        "count at least one failure (the default is 5), or turn the breaker off with `enabled: false`"
                    } else {
                        "need at least one successful trial call to close the breaker (the default is 2)"
                    }),
            );
        }
    }
    for (key, value) in [
        ("window_ms", &breaker.window_ms),
        ("cooldown_ms", &breaker.cooldown_ms),
    ] {
        if let Some(value) = value {
            nonzero_ms(cx, key, value);
        }
    }
}

fn check_idempotency(
    cx: &mut Cx<'_>,
    name: &Name,
    tool: &Tool,
    idempotency: &crate::model::IdempotencySpec,
) {
    let key = &idempotency.key;
    match tool.params.get(&key.value) {
        None => {
            let params: Vec<&str> = tool.params.iter().map(|(n, _)| n.value.as_str()).collect();
            cx.emit(
                Diagnostic::new(
                    Code::Idempotency,
                    key.span,
                    format!("the idempotency key {} is not a parameter of tool {}", tick(&key.value), tick(&name.value)),
                )
                .with_label("no such parameter")
                .with_help(format!(
                    "declare it under `params`, such as `{}: {{ type: string, optional: true, description: A unique id for this request; repeat it to retry safely. }}`{}",
                    key.value,
                    if params.is_empty() { String::new() } else { format!(", or name one of: {}", params.join(", ")) }
                )),
            );
        }
        Some(param) if !matches!(param.kind(), Kind::String) || param.enum_values.is_some() => {
            cx.emit(
                Diagnostic::new(
                    Code::Idempotency,
                    param.ty.as_ref().map_or(key.span, |t| t.span),
                    format!(
                        "the idempotency key {} is not a free string",
                        tick(&key.value)
                    ),
                )
                .with_label("must be `type: string`")
                .with_help(
                    "make the key parameter a string (a UUID or any unique text the agent chooses)",
                ),
            );
        }
        Some(_) => {}
    }
    if tool.annotations.idempotent() {
        cx.emit(warning(
            Diagnostic::new(
                Code::Idempotency,
                key.span,
                format!("tool {} is idempotent, so an idempotency key changes nothing", tick(&name.value)),
            )
            .with_label("not needed")
            .with_help("remove `idempotency`, or set `annotations.idempotent: false` if repeating a call does have an effect"),
        ));
    }
    if let Some(window) = &idempotency.window_ms {
        nonzero_ms(cx, "window_ms", window);
    }
}

/// `limit` on a window or cooldown in milliseconds.
fn nonzero_ms(cx: &mut Cx<'_>, key: &str, value: &Sp<u64>) {
    if value.value == 0 {
        cx.emit(
            Diagnostic::new(Code::Limit, value.span, format!("`{key}` is 0 ms"))
                .with_label("zero")
                .with_help(format!(
                    "give the time in milliseconds, such as `{key}: 60000` (one minute)"
                )),
        );
    }
}

/// The server-wide guardrails.
pub(super) fn check_server(cx: &mut Cx<'_>) {
    let spec = cx.spec;
    let rates = &spec.rate_limits;
    if let (Some(per_address), Some(per_agent)) = (&rates.per_address, &rates.per_agent)
        && faster(&per_agent.value, &per_address.value)
    {
        cx.emit(warning(
            Diagnostic::new(
                Code::RateLimit,
                per_address.span,
                format!(
                    "`rate_limits.per_address` ({}) is below `rate_limits.per_agent` ({}), so HTTP agents are stopped by flood protection before their budget",
                    per_address.value, per_agent.value
                ),
            )
            .with_label("below the per-agent budget")
            .with_help("flood protection counts every HTTP request (a call, its session start, its notifications): set it well above `per_agent`, such as 2 to 4 times"),
        ));
    }
    if let Some(breaker) = &spec.limits.circuit_breaker {
        circuit_breaker(cx, breaker);
    }
    if let Some(mode) = &rates.on_redis_error
        && rates
            .backend
            .as_ref()
            .is_some_and(|b| b.value == RateLimitBackend::Memory)
    {
        cx.emit(warning(
            Diagnostic::new(
                Code::RateLimit,
                mode.span,
                "`rate_limits.on_redis_error` is set, but the backend is `memory`",
            )
            .with_label("unused")
            .with_help("remove it, or use `backend: redis`"),
        ));
    }
}
