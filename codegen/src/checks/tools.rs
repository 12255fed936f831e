//! Tools: annotations, error templates, scopes, rate limits and limits.

use std::fmt::Write as _;

use super::types::walk_entries;
use super::{Cx, descriptions, names, server, sub_span, tick, tick_list, types};
use crate::diag::{Code, Diagnostic, Severity, did_you_mean};
use crate::model::{ErrorCase, Name, RateLimit, TaskStart, TaskSupport, Tool};
use crate::source::Sp;

/// Every check of one tool (its `allow:` list is already in effect).
pub(super) fn check_tool<'a>(cx: &mut Cx<'a>, name: &'a Name, tool: &'a Tool) {
    names::snake_name(cx, "tool", name);
    names::tool_name(cx, name);
    server::unknown_lints(cx, &tool.allow);
    descriptions::require(cx, "tool", name, tool.description.as_ref());
    if let Some(d) = &tool.description {
        descriptions::too_long(cx, d);
        descriptions::vacuous(cx, name, d, d.span);
    }
    check_annotations(cx, name, tool);
    if !cx.code_first {
        check_scopes(cx, name, tool);
    }
    if let Some(rate) = &tool.rate_limit {
        check_rate(
            cx,
            &format!("the rate limit of tool {}", tick(&name.value)),
            rate,
            false,
        );
    }
    if let Some(t) = &tool.timeout_ms {
        timeout(cx, "timeout_ms", t);
    }
    if let Some(b) = &tool.max_response_bytes {
        byte_size(cx, "max_response_bytes", b);
    }
    super::guardrails::check_tool(cx, name, tool);
    check_task(cx, name, tool);
    walk_entries(cx, "parameter", &tool.params, 0);
    if let Some(raw) = &tool.input_schema {
        super::input_schema::check(cx, name, tool, raw);
    }
    super::headers::check_tool(cx, tool);
    if let Some(output) = &tool.output {
        let label = format!("the output of tool {}", tick(&name.value));
        cx.in_schema(output, |cx| types::walk_schema(cx, output, &label, 0));
    }
    for (error_name, case) in tool.errors.iter() {
        names::snake_name(cx, "error", error_name);
        check_error_template(cx, tool, error_name, case);
        walk_entries(cx, "field", &case.fields, 0);
    }
}

/// `task` and `task_start`: settings that would have no effect.
fn check_task(cx: &mut Cx<'_>, name: &Name, tool: &Tool) {
    let tool_name = tick(&name.value);
    if let Some(start) = &tool.task_start
        && tool.task.is_none()
    {
        cx.emit(
            Diagnostic::new(
                Code::Task,
                start.span,
                format!("tool {tool_name} sets `task_start`, but its calls never become tasks"),
            )
            .with_label("no effect without `task`")
            .with_help("add `task: optional` (or `required`) to the tool, or remove `task_start`"),
        );
    }
    if let (Some(task), Some(idempotency)) = (&tool.task, &tool.idempotency)
        && task.value == TaskSupport::Required
        && tool
            .task_start
            .as_ref()
            .is_none_or(|s| s.value == TaskStart::AtOnce)
    {
        cx.emit(
            Diagnostic::new(
                Code::Task,
                idempotency.span,
                format!(
                    "tool {tool_name} declares idempotency keys, but every call of it becomes a task, and a task is not replayed from its key"
                ),
            )
            .with_label("never used")
            .with_help("remove `idempotency`, or make the tool `task: optional` so that calls without the tasks extension use the keys"),
        );
    }
}

/// `annotations`: hints that contradict each other or leave a write tool unexplained.
fn check_annotations(cx: &mut Cx<'_>, name: &Name, tool: &Tool) {
    let a = &tool.annotations;
    let read_only = a.read_only.as_ref().is_some_and(|r| r.value);
    if read_only && let Some(destructive) = a.destructive.as_ref().filter(|d| d.value) {
        cx.emit(
            Diagnostic::new(
                Code::Annotations,
                destructive.span,
                format!("tool {} is both `read_only` and `destructive`", tick(&name.value)),
            )
            .with_label("contradicts `read_only: true`")
            .with_help("a read-only tool changes nothing, so it cannot destroy anything: remove `destructive: true`, or set `read_only: false` if the tool writes"),
        );
    }
    if read_only && let Some(idempotent) = a.idempotent.as_ref().filter(|i| i.value) {
        let mut d = Diagnostic::new(
            Code::Annotations,
            idempotent.span,
            format!(
                "tool {} is `read_only`, so `idempotent: true` is redundant",
                tick(&name.value)
            ),
        )
        .with_label("implied by `read_only: true`")
        .with_help("remove `idempotent: true`: a read-only tool has no effect to repeat");
        d.severity = Severity::Warning;
        cx.emit(d);
    }
    if !read_only && a.idempotent.is_none() {
        let span = a.read_only.as_ref().map_or(name.span, |r| r.span);
        cx.emit(
            Diagnostic::new(
                Code::Annotations,
                span,
                format!("tool {} may write, but does not say whether it is idempotent", tick(&name.value)),
            )
            .with_label(if a.read_only.is_some() { "a write tool" } else { "not marked `read_only`, so a write tool" })
            .with_help(
                "a write tool states whether it is idempotent: add `annotations: { idempotent: true }` if calling it twice with the same arguments has the effect of calling it once, else `idempotent: false`; if the tool only reads, add `read_only: true`",
            ),
        );
    }
    let destructive = !read_only && a.destructive.as_ref().is_none_or(|d| d.value);
    if destructive && tool.rate_limit.is_none() && cx.spec.rate_limits.per_tool.is_none() {
        let span = a.destructive.as_ref().map_or(name.span, |d| d.span);
        let stated = a.destructive.is_some();
        cx.emit(
            Diagnostic::new(
                Code::Annotations,
                span,
                format!("destructive tool {} has no rate limit", tick(&name.value)),
            )
            .with_label(if stated { "destructive" } else { "destructive by MCP default" })
            .with_help(format!(
                "add `rate_limit: 10/min` (or whatever suits) to the tool, or a default for every tool under `rate_limits: {{ per_tool: ... }}`{}",
                if stated { "" } else { "; if the tool only adds or updates, say `annotations: { destructive: false }`" }
            )),
        );
    }
}

/// The effective MCP annotations of a tool, with the defaults filled in and marked:
/// what `mcpgen check --explain` prints.
pub fn explain_annotations(tool: &Tool) -> String {
    let a = &tool.annotations;
    let read_only = a.read_only();
    let rows = [
        (
            "readOnlyHint",
            read_only,
            a.read_only.is_some(),
            "MCP default false",
        ),
        (
            "destructiveHint",
            a.destructive(),
            a.destructive.is_some() && !read_only,
            if read_only {
                "false for a read-only tool"
            } else {
                "MCP default true"
            },
        ),
        (
            "idempotentHint",
            a.idempotent(),
            a.idempotent.is_some() && !read_only,
            if read_only {
                "true for a read-only tool"
            } else {
                "MCP default false"
            },
        ),
        (
            "openWorldHint",
            a.open_world(),
            a.open_world.is_some(),
            "MCP default true",
        ),
    ];
    let mut out = String::new();
    for (hint, value, stated, default) in rows {
        let origin = if stated {
            "stated in the spec".to_owned()
        } else {
            format!("defaulted: {default}")
        };
        let _ = writeln!(out, "{hint:<16} {value:<5}  ({origin})");
    }
    out
}

/// The scopes and anonymous access of a tool.
fn check_scopes(cx: &mut Cx<'_>, name: &Name, tool: &Tool) {
    let whose = format!("tool {}", tick(&name.value));
    super::auth::check_access(cx, &whose, name.span, &tool.scopes, tool.anonymous.as_ref());
    let writes = tool.annotations.read_only.as_ref().is_none_or(|r| !r.value);
    if writes && tool.scopes.is_empty() && super::auth::enabled(cx.spec) && tool.anonymous.is_none()
    {
        cx.emit(
            Diagnostic::new(
                Code::UnscopedWrite,
                name.span,
                format!("{whose} changes something but requires no scope: every authenticated caller may run it"),
            )
            .with_label("no `scopes:`")
            .with_help("add `scopes: [NAME]` with a scope declared under `auth.scopes`, or `anonymous: true` if anyone may call it"),
        );
    }
}

/// `unknown_scope`: a scope not declared under `auth.scopes`.
pub(super) fn undeclared_scope(cx: &mut Cx<'_>, scope: &Sp<String>, whose: &str) {
    let declared = &cx.spec.auth.scopes;
    if declared.get(&scope.value).is_some() {
        return;
    }
    let names = || declared.iter().map(|(n, _)| n.value.as_str());
    let mut d = Diagnostic::new(
        Code::UnknownScope,
        scope.span,
        format!(
            "scope {} of {whose} is not declared under `auth.scopes`",
            tick(&scope.value)
        ),
    );
    d = match did_you_mean(&scope.value, names()) {
        Some(best) => d
            .with_label(format!("did you mean {}?", tick(best)))
            .with_help(format!(
                "write {}, or declare {} under `auth.scopes` with what it allows",
                tick(best),
                tick(&scope.value)
            )),
        None => d.with_label("not declared").with_help(format!(
            "declare it under `auth.scopes` (`{}: what it allows`); declared scopes: {}",
            scope.value,
            tick_list(names())
        )),
    };
    cx.emit(d);
}

/// `error_template`: `{placeholder}` in an error message must be a parameter of the tool
/// or a field of the error. `{{` and `}}` are literal braces.
fn check_error_template(cx: &mut Cx<'_>, tool: &Tool, error_name: &Name, case: &ErrorCase) {
    let message = &case.message;
    let available = || {
        tool.params
            .iter()
            .chain(case.fields.iter())
            .map(|(n, _)| n.value.as_str())
            .chain(tool.input_schema.iter().flat_map(|s| s.property_names()))
            .collect::<Vec<_>>()
    };
    let chars: Vec<char> = message.value.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '{' if chars.get(i + 1) == Some(&'{') => i += 2,
            '}' if chars.get(i + 1) == Some(&'}') => i += 2,
            '{' => {
                let close = chars
                    .iter()
                    .skip(i + 1)
                    .position(|c| matches!(c, '}' | '{'));
                let Some(len) = close.filter(|&n| chars.get(i + 1 + n) == Some(&'}')) else {
                    cx.emit(
                        Diagnostic::new(
                            Code::ErrorTemplate,
                            sub_span(&cx.source, message, i, 1),
                            format!("error {} has a `{{` that is not closed", tick(&error_name.value)),
                        )
                        .with_label("unclosed `{`")
                        .with_help("write `{name}` to insert a parameter or field, or `{{` for a literal brace"),
                    );
                    i += 1;
                    continue;
                };
                let inner: String = chars.iter().skip(i + 1).take(len).collect();
                let placeholder = inner.trim();
                let known = available();
                if !known.contains(&placeholder) {
                    let mut d = Diagnostic::new(
                        Code::ErrorTemplate,
                        sub_span(&cx.source, message, i, len + 2),
                        format!(
                            "error {} uses `{{{inner}}}`, which is neither a parameter of the tool nor a field of the error",
                            tick(&error_name.value)
                        ),
                    );
                    d = match did_you_mean(placeholder, known.iter().copied()) {
                        Some(best) => d.with_label(format!("did you mean `{{{best}}}`?")),
                        None => d.with_label("unknown placeholder"),
                    };
                    d = d.with_help(format!(
                        "use one of {} (parameters, then the error's `fields`), declare `{placeholder}` under the error's `fields:`, or write `{{{{` for a literal brace",
                        tick_list(known.iter().copied())
                    ));
                    cx.emit(d);
                }
                i += len + 2;
            }
            '}' => {
                cx.emit(
                    Diagnostic::new(
                        Code::ErrorTemplate,
                        sub_span(&cx.source, message, i, 1),
                        format!(
                            "error {} has a `}}` without an opening `{{`",
                            tick(&error_name.value)
                        ),
                    )
                    .with_label("unmatched `}`")
                    .with_help("write `}}` for a literal brace, or `{name}` for a placeholder"),
                );
                i += 1;
            }
            _ => i += 1,
        }
    }
}

/// Calls per second, as a fraction `count / period_ms` compared exactly.
pub(super) fn faster(a: &RateLimit, b: &RateLimit) -> bool {
    u128::from(a.count) * u128::from(b.period.as_millis())
        > u128::from(b.count) * u128::from(a.period.as_millis())
}

/// Rates above this many calls per period are almost surely a slip.
const VERY_HIGH_RATE: u32 = 1_000_000;

/// `rate_limit` readability: a rate so high it limits nothing.
/// `per_agent_budget` says whether the rate is one agent's (`rate_limit_per_agent`), so
/// that it can never exceed the agent's budget across all tools; a tool's shared budget
/// (`rate_limit`, `per_tool`) counts every agent together and may.
pub(super) fn check_rate(
    cx: &mut Cx<'_>,
    what: &str,
    rate: &Sp<RateLimit>,
    per_agent_budget: bool,
) {
    if rate.value.count > VERY_HIGH_RATE {
        let mut d = Diagnostic::new(
            Code::RateLimit,
            rate.span,
            format!("{what} is very high: {} calls per {}", rate.value.count, period_name(rate.value.period)),
        )
        .with_label("limits nothing in practice")
        .with_help("write a rate the server can sustain, such as `100/s` or `1000/min`, or remove the limit");
        d.severity = Severity::Warning;
        cx.emit(d);
    }
    if per_agent_budget
        && let Some(agent) = &cx.spec.rate_limits.per_agent
        && faster(&rate.value, &agent.value)
    {
        let mut d = Diagnostic::new(
            Code::RateLimit,
            rate.span,
            format!(
                "{what} ({}) is above the per-agent budget ({}), so it can never be reached",
                rate.value, agent.value
            ),
        )
        .with_label(format!("above `rate_limits.per_agent: {}`", agent.value))
        .with_help(format!(
            "lower it to at most {} or raise `rate_limits.per_agent`",
            agent.value
        ));
        d.severity = Severity::Warning;
        cx.emit(d);
    }
}

/// `limit` on a time limit in milliseconds.
pub(super) fn timeout(cx: &mut Cx<'_>, key: &str, value: &Sp<u64>) {
    const HOUR_MS: u64 = 3_600_000;
    if value.value == 0 {
        cx.emit(
            Diagnostic::new(
                Code::Limit,
                value.span,
                format!("`{key}` is 0: every call would time out at once"),
            )
            .with_label("zero")
            .with_help(format!(
                "give the time limit in milliseconds, such as `{key}: 30000` (30 s)"
            )),
        );
    } else if value.value > HOUR_MS {
        let mut d = Diagnostic::new(
            Code::Limit,
            value.span,
            format!("`{key}` is {} ms, over an hour", value.value),
        )
        .with_label("over 3600000 ms")
        .with_help("clients give up long before an hour; keep calls under a few minutes and start long work as a job the model can poll");
        d.severity = Severity::Warning;
        cx.emit(d);
    }
}

/// `limit` on a size in bytes.
fn byte_size(cx: &mut Cx<'_>, key: &str, value: &Sp<u64>) {
    const MIB: u64 = 1024 * 1024;
    if value.value == 0 {
        cx.emit(
            Diagnostic::new(
                Code::Limit,
                value.span,
                format!("`{key}` is 0: nothing would fit"),
            )
            .with_label("zero")
            .with_help(format!(
                "give the size in bytes, such as `{key}: 1048576` (1 MiB)"
            )),
        );
        return;
    }
    let (message, help) = if value.value < 1024 {
        (
            format!("`{key}` is {} bytes, under 1 KiB", value.value),
            "the unit is bytes, not KiB; a JSON-RPC message rarely fits in less than 1 KiB: write e.g. `1048576` for 1 MiB",
        )
    } else if value.value > 100 * MIB {
        (
            format!("`{key}` is {} bytes, over 100 MiB", value.value),
            "a model cannot read that much; keep responses small (1 MiB is the default) and page through large results",
        )
    } else {
        return;
    };
    let mut d = Diagnostic::new(Code::Limit, value.span, message)
        .with_label("unusual size")
        .with_help(help);
    d.severity = Severity::Warning;
    cx.emit(d);
}

/// `limit` and `rate_limit` on the server-wide settings.
pub(super) fn check_server_limits(cx: &mut Cx<'_>) {
    let spec = cx.spec;
    let limits = &spec.limits;
    if let Some(t) = &limits.default_timeout_ms {
        timeout(cx, "default_timeout_ms", t);
    }
    if let Some(b) = &limits.max_request_bytes {
        byte_size(cx, "max_request_bytes", b);
    }
    if let Some(b) = &limits.max_response_bytes {
        byte_size(cx, "max_response_bytes", b);
    }
    if let Some(c) = limits
        .max_concurrent_calls
        .as_ref()
        .filter(|c| c.value == 0)
    {
        cx.emit(
            Diagnostic::new(
                Code::Limit,
                c.span,
                "`max_concurrent_calls` is 0: no call could ever run",
            )
            .with_label("zero")
            .with_help("allow at least one call, such as `max_concurrent_calls: 64` (the default)"),
        );
    }
    if let Some(m) = spec
        .lints
        .max_description_chars
        .as_ref()
        .filter(|m| m.value == 0)
    {
        cx.emit(
            Diagnostic::new(
                Code::Limit,
                m.span,
                "`max_description_chars` is 0: every description would be too long",
            )
            .with_label("zero")
            .with_help("use the default 1024, or a cap such as 512"),
        );
    }
    let rates = &spec.rate_limits;
    if let Some(rate) = &rates.per_tool {
        check_rate(cx, "`rate_limits.per_tool`", rate, false);
    }
    if let Some(rate) = rates
        .per_agent
        .as_ref()
        .filter(|r| r.value.count > VERY_HIGH_RATE)
    {
        let mut d = Diagnostic::new(
            Code::RateLimit,
            rate.span,
            format!(
                "`rate_limits.per_agent` is very high: {} calls per {}",
                rate.value.count,
                period_name(rate.value.period)
            ),
        )
        .with_label("limits nothing in practice")
        .with_help("write a budget an agent should really get, such as `600/min`, or remove it");
        d.severity = Severity::Warning;
        cx.emit(d);
    }
    let redis = rates
        .backend
        .as_ref()
        .is_some_and(|b| b.value == crate::model::RateLimitBackend::Redis);
    match (&rates.backend, &rates.redis_url) {
        (Some(backend), None) if redis => cx.emit(
            Diagnostic::new(
                Code::RateLimit,
                backend.span,
                "the `redis` backend needs `rate_limits.redis_url`",
            )
            .with_label("no Redis URL")
            .with_help("add `redis_url: ${REDIS_URL}` next to `backend: redis`"),
        ),
        (_, Some(url)) if !redis => {
            let mut d = Diagnostic::new(
                Code::RateLimit,
                url.span,
                "`rate_limits.redis_url` is set, but the backend is not `redis`",
            )
            .with_label("unused")
            .with_help("add `backend: redis` to keep budgets in Redis, or remove `redis_url`");
            d.severity = Severity::Warning;
            cx.emit(d);
        }
        _ => {}
    }
}

/// The period in words, for messages ("per second").
fn period_name(period: crate::model::Period) -> &'static str {
    match period {
        crate::model::Period::Second => "second",
        crate::model::Period::Minute => "minute",
        crate::model::Period::Hour => "hour",
        crate::model::Period::Day => "day",
    }
}
