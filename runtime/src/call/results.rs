//! The error results of a tool call, as the model reads them.

use rmcp::{
    ErrorData, RoleServer,
    model::{CallToolResult, ContentBlock},
    service::RequestContext,
};
use serde_json::{Value, json};

use crate::protocol::{service::*, wording::*};
use crate::{declare::registry::Registry, declare::tool::ClientCapability};

/// An error result of a tool with an `outputSchema` carries its error object (code,
/// message, `retry_after_ms`, ...) as a last text block of JSON instead of as
/// `structuredContent`: clients validate `structuredContent` against the tool's
/// `outputSchema` even when `isError` is true (the MCP Inspector does, and reports a
/// schema mismatch in place of the error), and an error object matches no output
/// schema. Results of tools without an `outputSchema` keep it as `structuredContent`.
pub(crate) fn error_object_as_text(mut result: CallToolResult) -> CallToolResult {
    if result.is_error == Some(true)
        && let Some(object) = result.structured_content.take()
    {
        result.content.push(ContentBlock::text(object.to_string()));
    }
    result
}

// Generic over the result type, so that they serve wherever a `CallToolResult` or a
// `CallToolResponse` (which may also be an input-required result) is returned.
pub(crate) fn error_result<R: From<CallToolResult>>(text: String, structured: Value) -> R {
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    result.structured_content = Some(structured);
    result.into()
}

pub(crate) fn unexpected_result<R: From<CallToolResult>>(name: &str) -> R {
    let message = format!("unexpected error in tool `{name}`: {TEXT_BUG}");
    error_result(
        message.clone(),
        json!({"status": "error", "code": "unexpected_error", "message": message, "retryable": false}),
    )
}

pub(crate) fn invalid_arguments<R: From<CallToolResult>>(
    name: &str,
    violations: &[crate::schema::Violation],
) -> R {
    let mut text = format!("Invalid arguments for tool `{name}`:\n");
    for v in violations {
        text.push_str(&format!("- {}: {}\n", v.path, v.message));
    }
    text.push_str(&format!(
        "Fix these arguments and call `{name}` again; its input schema (tools/list) describes every field."
    ));
    error_result(
        text,
        json!({"status": "error", "code": "invalid_arguments", "errors": violations}),
    )
}

/// -32021 naming the capabilities `tool` needs that the client did not declare.
pub(crate) fn missing_client_capabilities(
    tool: &str,
    needed: &[ClientCapability],
    context: &RequestContext<RoleServer>,
) -> Result<(), ErrorData> {
    if needed.is_empty() {
        return Ok(());
    }
    let declared = context.client_capabilities().unwrap_or_default();
    let missing: Vec<&str> = needed
        .iter()
        .filter(|c| !c.declared_in(&declared))
        .map(|c| c.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let required: serde_json::Map<String, Value> = missing
        .iter()
        .map(|c| ((*c).to_owned(), json!({})))
        .collect();
    let mut error = ErrorData::missing_required_client_capability(
        serde_json::from_value(Value::Object(required)).unwrap_or_default(),
    );
    error.message = format!(
        "the tool `{tool}` needs the client capabilities {}, which this client did not declare; \
         use a client that supports them, or declare them in the request's clientCapabilities",
        quote_list(&missing)
    )
    .into();
    Err(error)
}

pub(crate) fn unknown_tool(registry: &Registry, name: &str) -> ErrorData {
    let known: Vec<&str> = registry.tools.iter().map(|t| t.def.name.as_str()).collect();
    ErrorData::invalid_params(
        format!(
            "unknown tool `{name}`{}; known tools: {}",
            suggestion(name, &known),
            list_or_none(&known)
        ),
        Some(json!({"name": name})),
    )
}
