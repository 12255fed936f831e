//! Refusals: `isError: true` results whose `structuredContent` a program can act on
//! (`code`, `retryable`, `retry_after_ms`, the limit) and whose text tells the model
//! what happened and when, or whether, to try again. None of them ran the tool.

use std::time::Duration;

use rmcp::model::{CallToolResult, ContentBlock};
use serde_json::{Map, Value, json};

use super::config::Rate;

/// Which budget refused a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// All calls of one agent, to any tool.
    Agent,
    /// One agent's calls of one tool.
    AgentTool,
    /// All calls of one tool, by anyone.
    Tool,
}

impl Scope {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scope::Agent => "agent",
            Scope::AgentTool => "agent_tool",
            Scope::Tool => "tool",
        }
    }
}

/// An error result with `text` and `structuredContent` `{"status": "error", "code": ...,
/// <fields>, "retryable": ..., "message": text}`.
pub(crate) fn refusal(code: &str, fields: Value, retryable: bool, text: String) -> CallToolResult {
    let mut structured = Map::new();
    structured.insert("status".into(), json!("error"));
    structured.insert("code".into(), json!(code));
    if let Value::Object(fields) = fields {
        structured.extend(fields);
    }
    structured.insert("retryable".into(), json!(retryable));
    structured.insert("message".into(), json!(text));
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    result.structured_content = Some(Value::Object(structured));
    result
}

/// Milliseconds, rounded up so that retrying after them is never too early.
pub(crate) fn ceil_ms(duration: Duration) -> u64 {
    let ms = duration.as_micros().div_ceil(1000);
    u64::try_from(ms).unwrap_or(u64::MAX)
}

/// `850 ms`, `1.9 s`, `4 min 10 s`, `2 h 5 min`, for the model to read.
pub(crate) fn human(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => {
            let tenths = ms.div_ceil(100);
            format!("{}.{} s", tenths / 10, tenths % 10)
        }
        60_000..3_600_000 => {
            let s = ms.div_ceil(1000);
            format!("{} min {} s", s / 60, s % 60)
        }
        _ => {
            let min = ms.div_ceil(60_000);
            format!("{} h {} min", min / 60, min % 60)
        }
    }
}

pub(crate) fn rate_limited(
    tool: &str,
    scope: Scope,
    rate: &Rate,
    retry_after: Duration,
) -> CallToolResult {
    let ms = ceil_ms(retry_after).max(1);
    let whose = match scope {
        Scope::Agent => format!(
            "you have used your budget of {rate} tool calls on this server (all tools together)"
        ),
        Scope::AgentTool => format!(
            "you have used your budget of {rate} calls of `{tool}`; other tools may still be called"
        ),
        Scope::Tool => {
            format!("`{tool}` has used its budget of {rate} calls, shared by all callers")
        }
    };
    let text = format!(
        "Rate limit reached: {whose}. The call was not run. Retry in {} (retry_after_ms: {ms}); calls made before then are refused too.",
        human(ms)
    );
    refusal(
        "rate_limited",
        json!({"scope": scope.as_str(), "limit": rate.to_string(), "retry_after_ms": ms}),
        true,
        text,
    )
}

pub(crate) fn rate_limit_unavailable(tool: &str, retry_after: Duration) -> CallToolResult {
    let ms = ceil_ms(retry_after);
    let text = format!(
        "The server cannot check its rate limits right now (its rate-limit store does not answer), so it refuses `{tool}` for safety. The call was not run. Retry in {} (retry_after_ms: {ms}).",
        human(ms)
    );
    refusal(
        "rate_limit_unavailable",
        json!({"retry_after_ms": ms}),
        true,
        text,
    )
}

pub(crate) fn tool_disabled(tool: &str) -> CallToolResult {
    let text = format!(
        "The tool `{tool}` is disabled on this server by its operator. Do not retry: it will keep failing. Do the task another way, or tell the user that `{tool}` is unavailable."
    );
    refusal("tool_disabled", json!({}), false, text)
}

/// `scope` is `tool` or `server`.
pub(crate) fn overloaded(
    tool: &str,
    scope: &str,
    limit: u32,
    retry_after: Duration,
) -> CallToolResult {
    let ms = ceil_ms(retry_after).max(1);
    let what = if scope == "tool" {
        format!("`{tool}` already has {limit} calls in progress, its limit")
    } else {
        format!("the server already has {limit} tool calls in progress, its limit")
    };
    let text = format!(
        "The server is busy: {what}. The call was not run. Retry in about {} (retry_after_ms: {ms}), or make fewer calls at once.",
        human(ms)
    );
    refusal(
        "overloaded",
        json!({"scope": scope, "limit": limit, "retry_after_ms": ms}),
        true,
        text,
    )
}

pub(crate) fn circuit_open(
    tool: &str,
    state: &str,
    failures: u32,
    window: Duration,
    retry_after: Duration,
) -> CallToolResult {
    let ms = ceil_ms(retry_after).max(1);
    let text = if state == "half_open" {
        format!(
            "`{tool}` has been failing; the server is letting a few trial calls through to see whether it has recovered, and this call was not one of them. The call was not run. Retry in {} (retry_after_ms: {ms}).",
            human(ms)
        )
    } else {
        format!(
            "`{tool}` is failing repeatedly ({failures} failures within {}), so the server has stopped calling it for a while. The call was not run. Retry in {} (retry_after_ms: {ms}); until then calls fail at once.",
            human(ceil_ms(window)),
            human(ms)
        )
    };
    refusal(
        "circuit_open",
        json!({"state": state, "retry_after_ms": ms}),
        true,
        text,
    )
}

pub(crate) fn response_too_large(tool: &str, size: usize, limit: usize) -> CallToolResult {
    let text = format!(
        "The result of `{tool}` is {size} bytes, over this tool's limit of {limit} bytes, so it was not sent. Ask for less: narrow the query or request fewer items."
    );
    refusal(
        "response_too_large",
        json!({"limit_bytes": limit, "size_bytes": size}),
        false,
        text,
    )
}

/// The first part of `text` in a result labelled `response_truncated`: the notice
/// first, then the kept text. The kept text leaves about 1 KiB of the limit for the
/// notice (but keeps at least half of the limit), cut at a character boundary.
pub(crate) fn response_truncated(
    tool: &str,
    text: &str,
    size: usize,
    limit: usize,
) -> CallToolResult {
    let mut keep = limit.saturating_sub(1024).max(limit / 2).min(text.len());
    while !text.is_char_boundary(keep) {
        keep -= 1;
    }
    let notice = format!(
        "TRUNCATED: the result of `{tool}` is {size} bytes, over this tool's limit of {limit} bytes. Only its first {keep} bytes of text follow, cut off mid-way: do not treat them as complete. To get everything, ask for less (narrow the query or request fewer items)."
    );
    let mut result = refusal(
        "response_truncated",
        json!({"limit_bytes": limit, "size_bytes": size, "kept_bytes": keep}),
        false,
        notice,
    );
    result
        .content
        .push(ContentBlock::text(text[..keep].to_owned()));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limited_has_the_documented_shape() {
        let result = rate_limited(
            "get_forecast",
            Scope::Tool,
            &Rate::per_minute(30),
            Duration::from_micros(1_849_001),
        );
        let structured = result.structured_content.clone().unwrap_or_default();
        assert_eq!(structured["code"], "rate_limited");
        assert_eq!(structured["scope"], "tool");
        assert_eq!(structured["limit"], "30/min");
        assert_eq!(structured["retry_after_ms"], 1850);
        assert_eq!(structured["retryable"], true);
        assert_eq!(result.is_error, Some(true));
        let keys: Vec<&str> = structured
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            [
                "status",
                "code",
                "scope",
                "limit",
                "retry_after_ms",
                "retryable",
                "message"
            ]
        );
        let text = format!("{:?}", result.content[0]);
        assert!(text.contains("Retry in 1.9 s"), "{text}");
    }

    #[test]
    fn human_durations_read_naturally() {
        assert_eq!(human(850), "850 ms");
        assert_eq!(human(1_850), "1.9 s");
        assert_eq!(human(250_000), "4 min 10 s");
        assert_eq!(human(7_500_000), "2 h 5 min");
    }

    #[test]
    fn truncation_keeps_a_prefix_at_a_character_boundary() {
        let text = "é".repeat(1000);
        let result = response_truncated("big", &text, 2000, 1001);
        assert_eq!(result.content.len(), 2);
        let kept = result.structured_content.unwrap_or_default()["kept_bytes"]
            .as_u64()
            .unwrap_or(0);
        assert_eq!(kept, 500);
    }
}
