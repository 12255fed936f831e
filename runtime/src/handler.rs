//! The rmcp `ServerHandler` over the registry: dispatch, validation, error shaping,
//! timeouts, panics, pagination.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use base64::Engine as _;
use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
        GetPromptRequestParams, GetPromptResponse, GetPromptResult, ListPromptsResult,
        ListResourceTemplatesResult, ListResourcesResult, ListToolsResult, PaginatedRequestParams,
        PromptMessage, ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult,
        ResourceContents, ServerConfig, Tool,
    },
    service::RequestContext,
};
use serde_json::{Value, json};

use crate::{
    resource::{ResourceContent, ResourceError, ResourceOutput, Role},
    server::{Registry, ToolEntry, prompt_template_key},
    template::{UriMatch, coerce_to_schema},
    tool::{Identity, LogLevel, ToolContext, ToolError, ToolOutput, from_rmcp_level},
};

/// Which transport a handler instance serves; decides the default [`Identity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransportKind {
    InProcess,
    Stdio,
    Http,
}

/// The remote address of an HTTP connection, put into request extensions by the
/// HTTP layer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RemoteAddr(pub(crate) std::net::SocketAddr);

/// The rmcp [`ServerHandler`] of a [`crate::Server`]: one per connection (stdio,
/// in-process) or per HTTP session / stateless request.
#[derive(Clone)]
pub struct McpHandler {
    registry: Arc<Registry>,
    transport: TransportKind,
    // Set by `logging/setLevel` for this connection.
    log_level: Arc<Mutex<Option<LogLevel>>>,
}

impl std::fmt::Debug for McpHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpHandler")
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

const TEXT_BUG: &str = "this is a bug in the server, not in your arguments; retrying will probably not help; report it to the server's maintainers";

impl McpHandler {
    pub(crate) fn new(registry: Arc<Registry>, transport: TransportKind) -> Self {
        Self {
            registry,
            transport,
            log_level: Arc::new(Mutex::new(None)),
        }
    }

    fn identity(&self, context: &RequestContext<RoleServer>) -> Identity {
        if let Some(parts) = context.extensions.get::<http::request::Parts>() {
            if let Some(identity) = parts.extensions.get::<Identity>() {
                return identity.clone();
            }
            if let Some(crate::guard::ClientAddr(ip)) = parts.extensions.get() {
                return Identity::Address(*ip);
            }
            if let Some(RemoteAddr(addr)) = parts.extensions.get::<RemoteAddr>() {
                return Identity::Address(addr.ip());
            }
        }
        match self.transport {
            TransportKind::Stdio => Identity::Stdio,
            TransportKind::InProcess | TransportKind::Http => Identity::Anonymous,
        }
    }

    fn context(&self, name: &str, context: &RequestContext<RoleServer>) -> ToolContext {
        let protocol_version = context.protocol_version().map(|v| v.to_string());
        let modern = protocol_version
            .as_deref()
            .is_some_and(|v| v >= rmcp::model::ProtocolVersion::V_2026_07_28.as_str());
        // 2026-07-28 asks for logs per request in `_meta`; older clients use
        // `logging/setLevel` per connection (and get info and above by default).
        let connection_level = self.log_level.lock().ok().and_then(|level| *level);
        let log_level = context.meta.log_level().map(from_rmcp_level).or(if modern {
            None
        } else {
            Some(connection_level.unwrap_or(LogLevel::Info))
        });
        ToolContext {
            name: Arc::from(name),
            identity: self.identity(context),
            cancellation: context.ct.child_token(),
            peer: Some(context.peer.clone()),
            progress_token: context.meta.get_progress_token(),
            log_level,
            protocol_version,
        }
    }

    /// A tool call through the guardrails ([`crate::guard`]): the same on every transport.
    async fn call(
        &self,
        params: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let name = params.name.as_ref();
        let Some(&index) = self.registry.tool_index.get(name) else {
            return Err(unknown_tool(&self.registry, name));
        };
        let arguments = params.arguments.unwrap_or_default();
        let guard = &self.registry.guard;
        if !guard.enabled() {
            return self.execute(index, arguments, context).await;
        }
        let agent = crate::guard::agent_key(&self.identity(&context));
        let key = guard.idempotency_key(index, &agent, &arguments);
        if let Some(result) = key.as_deref().and_then(|k| guard.replay(index, k)) {
            tracing::info!(
                tool = name,
                outcome = "idempotent_replay",
                "tool call answered from its idempotency key"
            );
            return Ok(result);
        }
        let admission = match guard.admit(index, &agent).await {
            Ok(admission) => admission,
            Err(refusal) => return Ok(refusal),
        };
        let reservation = match key {
            Some(key) => match guard.reserve(index, &key).await {
                Some(crate::guard::Reserve::Replay(result)) => return Ok(result),
                Some(crate::guard::Reserve::Run(reservation)) => Some(reservation),
                None => None,
            },
            None => None,
        };
        let result = self.execute(index, arguments, context).await?;
        let result = guard.finish(index, admission, result);
        if let Some(reservation) = reservation {
            crate::guard::GuardLayer::store(reservation, &result);
        }
        Ok(result)
    }

    /// Validation, the handler under its timeout, and the shaping of its result.
    async fn execute(
        &self,
        index: usize,
        arguments: rmcp::model::JsonObject,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResult, ErrorData> {
        let tool = &self.registry.tools[index];
        let name = tool.def.name.as_str();
        let started = Instant::now();
        let mut instance = Value::Object(arguments);
        let violations = tool.input.violations(&instance);
        crate::schema::apply_defaults(tool.input.schema(), &mut instance);
        let Value::Object(arguments) = instance else {
            return Err(ErrorData::internal_error(
                "arguments are not an object",
                None,
            ));
        };
        if !violations.is_empty() {
            tracing::info!(
                tool = name,
                outcome = "invalid_arguments",
                violations = violations.len(),
                "tool call rejected"
            );
            return Ok(invalid_arguments(name, &violations));
        }

        let ctx = self.context(name, &context);
        let cancellation = ctx.cancellation.clone();
        let timeout = tool.def.timeout.or(self.registry.default_timeout);
        let mut task = tokio::spawn((tool.handler)(ctx, arguments.clone()));
        let joined = tokio::select! {
            joined = &mut task => Some(joined),
            () = sleep_or_forever(timeout) => None,
            () = context.ct.cancelled() => {
                cancellation.cancel();
                task.abort();
                tracing::info!(tool = name, outcome = "cancelled", duration_ms = elapsed_ms(started), "tool call cancelled by the client");
                return Ok(error_result(
                    format!("The call to `{name}` was cancelled."),
                    json!({"status": "error", "code": "cancelled", "message": "cancelled by the client", "retryable": true}),
                ));
            }
        };
        let duration_ms = elapsed_ms(started);
        let result = match joined {
            None => {
                cancellation.cancel();
                task.abort();
                let limit_ms = timeout.map_or(0, |t| t.as_millis());
                tracing::warn!(
                    tool = name,
                    outcome = "timeout",
                    duration_ms,
                    limit_ms = limit_ms as u64,
                    "tool call timed out"
                );
                let message = format!(
                    "The tool `{name}` did not finish within its time limit of {limit_ms} ms and was stopped. \
                     Try again later, or ask for less (a narrower query) so it finishes in time."
                );
                return Ok(error_result(
                    message.clone(),
                    json!({"status": "error", "code": "timeout", "message": message, "retryable": true, "limit_ms": limit_ms as u64}),
                ));
            }
            Some(Err(join_error)) => {
                let detail = if join_error.is_panic() {
                    let payload = join_error.into_panic();
                    let text = payload
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "non-string panic payload".to_owned());
                    format!("handler panicked: {text}")
                } else {
                    "handler task was cancelled".to_owned()
                };
                tracing::error!(tool = name, outcome = "panic", duration_ms, error = %detail, "tool handler failed");
                return Ok(unexpected_result(name));
            }
            Some(Ok(result)) => result,
        };
        let call_result = match result {
            Ok(output) => match self.render_output(tool, output) {
                Ok(result) => result,
                Err(problem) => {
                    tracing::error!(tool = name, outcome = "bad_output", duration_ms, error = %problem, "tool returned an output that breaks its contract");
                    return Ok(unexpected_result(name));
                }
            },
            Err(ToolError::Declared { code, fields }) => {
                let Some((def, template)) = tool.errors.get(&code) else {
                    tracing::error!(tool = name, outcome = "undeclared_error", duration_ms, code = %code, "tool returned an error code it does not declare");
                    return Ok(unexpected_result(name));
                };
                let (message, missing) = template.render(&fields, &arguments);
                if !missing.is_empty() {
                    tracing::warn!(tool = name, code = %code, missing = ?missing, "declared error message has placeholders with no value");
                }
                tracing::info!(tool = name, outcome = "declared_error", code = %code, duration_ms, "tool call failed");
                return Ok(error_result(
                    message.clone(),
                    json!({"status": "error", "code": code, "message": message, "retryable": def.retryable}),
                ));
            }
            Err(ToolError::Unexpected(error)) => {
                tracing::error!(
                    tool = name,
                    outcome = "unexpected_error",
                    duration_ms,
                    error = format!("{error:#}"),
                    "tool handler failed"
                );
                return Ok(unexpected_result(name));
            }
        };
        tracing::info!(
            tool = name,
            outcome = "ok",
            duration_ms,
            "tool call succeeded"
        );
        Ok(call_result)
    }

    fn render_output(
        &self,
        tool: &ToolEntry,
        output: ToolOutput,
    ) -> Result<CallToolResult, String> {
        match output {
            ToolOutput::Structured(value) => {
                if let Some(schema) = &tool.output {
                    let violations = schema.violations(&value);
                    if !violations.is_empty() {
                        return Err(format!(
                            "structured output does not match the output schema: {}",
                            violations
                                .iter()
                                .map(|v| format!("{}: {}", v.path, v.message))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ));
                    }
                }
                let text = serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
                let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
                // `structuredContent` must be an object; without an output schema a
                // scalar or array is sent as text only.
                if value.is_object() {
                    result.structured_content = Some(value);
                } else if tool.output.is_some() {
                    return Err("structured output must be a JSON object".to_owned());
                }
                Ok(result)
            }
            ToolOutput::Text(_) | ToolOutput::Content(_) if tool.output.is_some() => Err(
                "the tool declares an output schema but returned unstructured output".to_owned(),
            ),
            ToolOutput::Text(text) => Ok(CallToolResult::success(vec![ContentBlock::text(text)])),
            ToolOutput::Content(content) => Ok(CallToolResult::success(content)),
        }
    }

    async fn read(
        &self,
        uri: &str,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResult, ErrorData> {
        let started = Instant::now();
        if let Some(&index) = self.registry.resource_index.get(uri) {
            let entry = &self.registry.resources[index];
            let mime = entry.def.mime_type.clone();
            let output = match &entry.def.content {
                ResourceContent::Text(text) => ResourceOutput::Text(text.to_string()),
                ResourceContent::Blob(bytes) => ResourceOutput::Blob(bytes.to_vec()),
                ResourceContent::Handler(handler) => {
                    let ctx = self.context(&entry.def.name, &context);
                    run_resource(uri, (handler.0)(ctx)).await?
                }
            };
            tracing::info!(resource = %entry.def.name, duration_ms = elapsed_ms(started), "resource read");
            return Ok(contents(uri, mime, output));
        }
        for entry in &self.registry.templates {
            let mut vars = match entry.template.matches(uri) {
                UriMatch::NoMatch => continue,
                UriMatch::UnknownQuery(names) => {
                    let known: Vec<&str> = entry.template.variables().collect();
                    return Err(ErrorData::invalid_params(
                        format!(
                            "the query of `{uri}` has parameter(s) {} that the template `{}` does not accept; it accepts: {}",
                            names.join(", "),
                            entry.def.uri_template,
                            known.join(", ")
                        ),
                        Some(json!({"uri": uri})),
                    ));
                }
                UriMatch::Vars(vars) => vars,
            };
            coerce_to_schema(&mut vars, entry.params.schema());
            let mut instance = Value::Object(vars);
            let violations = entry.params.violations(&instance);
            crate::schema::apply_defaults(entry.params.schema(), &mut instance);
            if !violations.is_empty() {
                let lines: Vec<String> = violations
                    .iter()
                    .map(|v| format!("{}: {}", v.path, v.message))
                    .collect();
                return Err(ErrorData::invalid_params(
                    format!(
                        "`{uri}` matches the template `{}` but its variables are invalid: {}",
                        entry.def.uri_template,
                        lines.join("; ")
                    ),
                    Some(json!({"uri": uri, "errors": violations})),
                ));
            }
            let Value::Object(vars) = instance else {
                continue;
            };
            let ctx = self.context(&entry.def.name, &context);
            let output = run_resource(uri, (entry.handler)(ctx, vars)).await?;
            tracing::info!(resource_template = %entry.def.name, duration_ms = elapsed_ms(started), "resource read");
            return Ok(contents(uri, entry.def.mime_type.clone(), output));
        }
        Err(ErrorData::invalid_params(
            format!(
                "no resource at `{uri}`; list the resources with resources/list and the URI templates with resources/templates/list"
            ),
            Some(json!({"uri": uri})),
        ))
    }

    fn prompt(&self, params: GetPromptRequestParams) -> Result<GetPromptResult, ErrorData> {
        let name = params.name.as_str();
        let Some(&index) = self.registry.prompt_index.get(name) else {
            let known: Vec<&str> = self
                .registry
                .prompts
                .iter()
                .map(|p| p.def.name.as_str())
                .collect();
            return Err(ErrorData::invalid_params(
                format!(
                    "unknown prompt `{name}`{}; known prompts: {}",
                    suggestion(name, &known),
                    list_or_none(&known)
                ),
                Some(json!({"name": name})),
            ));
        };
        let prompt = &self.registry.prompts[index].def;
        let arguments = params.arguments.unwrap_or_default();
        let declared: Vec<&str> = prompt.arguments.iter().map(|a| a.name.as_str()).collect();
        let unknown: Vec<&str> = arguments
            .keys()
            .map(String::as_str)
            .filter(|k| !declared.contains(k))
            .collect();
        if !unknown.is_empty() {
            return Err(ErrorData::invalid_params(
                format!(
                    "prompt `{name}` has no argument(s) {}; its arguments are: {}",
                    quote_list(&unknown),
                    list_or_none(&declared)
                ),
                Some(json!({"unknown": unknown})),
            ));
        }
        let missing: Vec<&str> = prompt
            .arguments
            .iter()
            .filter(|a| a.required && !arguments.contains_key(&a.name))
            .map(|a| a.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(ErrorData::invalid_params(
                format!(
                    "prompt `{name}` needs the argument(s) {}; pass them in `arguments`",
                    quote_list(&missing)
                ),
                Some(json!({"missing": missing})),
            ));
        }
        let ctx = minijinja::Value::from(minijinja::value::Serde(&arguments));
        let mut messages = Vec::new();
        for (i, (role, _)) in prompt.messages.iter().enumerate() {
            let rendered = self
                .registry
                .prompt_env
                .get_template(&prompt_template_key(name, i))
                .and_then(|t| t.render(&ctx));
            let text = rendered.map_err(|e| {
                tracing::error!(prompt = name, message = i + 1, error = %e, "prompt template failed to render");
                ErrorData::internal_error(
                    format!("prompt `{name}` failed to render; {TEXT_BUG}"),
                    None,
                )
            })?;
            let role = match role {
                Role::User => rmcp::model::Role::User,
                Role::Assistant => rmcp::model::Role::Assistant,
            };
            messages.push(PromptMessage::new_text(role, text));
        }
        let mut result = GetPromptResult::new(messages);
        result.description = prompt.description.clone();
        tracing::info!(prompt = name, "prompt rendered");
        Ok(result)
    }
}

async fn run_resource(
    uri: &str,
    future: crate::tool::BoxFuture<Result<ResourceOutput, ResourceError>>,
) -> Result<ResourceOutput, ErrorData> {
    match tokio::spawn(future).await {
        Ok(Ok(output)) => Ok(output),
        Ok(Err(ResourceError::NotFound(message))) => Err(ErrorData::invalid_params(
            message,
            Some(json!({"uri": uri})),
        )),
        Ok(Err(ResourceError::Unexpected(error))) => {
            tracing::error!(uri, error = format!("{error:#}"), "resource handler failed");
            Err(ErrorData::internal_error(
                format!("unexpected error reading `{uri}`: {TEXT_BUG}"),
                None,
            ))
        }
        Err(join_error) => {
            tracing::error!(uri, error = %join_error, "resource handler panicked");
            Err(ErrorData::internal_error(
                format!("unexpected error reading `{uri}`: {TEXT_BUG}"),
                None,
            ))
        }
    }
}

fn contents(uri: &str, mime: Option<String>, output: ResourceOutput) -> ReadResourceResult {
    let content = match output {
        ResourceOutput::Text(text) => ResourceContents::TextResourceContents {
            uri: uri.to_owned(),
            mime_type: mime.or_else(|| Some("text/plain".to_owned())),
            text,
            meta: None,
        },
        ResourceOutput::Blob(bytes) => ResourceContents::BlobResourceContents {
            uri: uri.to_owned(),
            mime_type: mime.or_else(|| Some("application/octet-stream".to_owned())),
            blob: base64::engine::general_purpose::STANDARD.encode(bytes),
            meta: None,
        },
    };
    ReadResourceResult::new(vec![content])
}

async fn sleep_or_forever(timeout: Option<Duration>) {
    match timeout {
        Some(timeout) => tokio::time::sleep(timeout).await,
        None => std::future::pending().await,
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn error_result(text: String, structured: Value) -> CallToolResult {
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    result.structured_content = Some(structured);
    result
}

fn unexpected_result(name: &str) -> CallToolResult {
    let message = format!("unexpected error in tool `{name}`: {TEXT_BUG}");
    error_result(
        message.clone(),
        json!({"status": "error", "code": "unexpected_error", "message": message, "retryable": false}),
    )
}

fn invalid_arguments(name: &str, violations: &[crate::schema::Violation]) -> CallToolResult {
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

fn unknown_tool(registry: &Registry, name: &str) -> ErrorData {
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

fn suggestion(name: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(name, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

fn list_or_none(items: &[&str]) -> String {
    const MAX: usize = 50;
    if items.is_empty() {
        return "(none)".to_owned();
    }
    let mut text = items
        .iter()
        .take(MAX)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > MAX {
        text.push_str(&format!(", ... ({} more)", items.len() - MAX));
    }
    text
}

fn quote_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One page of `items` from an opaque cursor.
fn page<T: Clone>(
    items: &[T],
    params: Option<&PaginatedRequestParams>,
    page_size: usize,
) -> Result<(Vec<T>, Option<String>), ErrorData> {
    let start = match params.and_then(|p| p.cursor.as_deref()) {
        None => 0,
        Some(cursor) => cursor
            .strip_prefix("offset:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| {
                ErrorData::invalid_params(
                    format!(
                        "invalid cursor `{cursor}`: pass the nextCursor of the previous page unchanged, or no cursor to start over"
                    ),
                    None,
                )
            })?,
    };
    let end = (start + page_size).min(items.len());
    let next = (end < items.len()).then(|| format!("offset:{end}"));
    Ok((items[start..end].to_vec(), next))
}

#[allow(deprecated)]
impl ServerHandler for McpHandler {
    fn get_info(&self) -> ServerConfig {
        self.registry.config.clone()
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        let index = *self.registry.tool_index.get(name)?;
        Some(self.registry.tools[index].wire.clone())
    }

    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let all: Vec<&Tool> = self.registry.tools.iter().map(|t| &t.wire).collect();
        let (items, next) = page(&all, request.as_ref(), self.registry.page_size)?;
        let mut result = ListToolsResult::with_all_items(items.into_iter().cloned().collect());
        result.next_cursor = next;
        Ok(result)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.call(request, context)
            .await
            .map(CallToolResponse::from)
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let all: Vec<&rmcp::model::Resource> =
            self.registry.resources.iter().map(|r| &r.wire).collect();
        let (items, next) = page(&all, request.as_ref(), self.registry.page_size)?;
        let mut result = ListResourcesResult::with_all_items(items.into_iter().cloned().collect());
        result.next_cursor = next;
        Ok(result)
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let all: Vec<&rmcp::model::ResourceTemplate> =
            self.registry.templates.iter().map(|t| &t.wire).collect();
        let (items, next) = page(&all, request.as_ref(), self.registry.page_size)?;
        let mut result =
            ListResourceTemplatesResult::with_all_items(items.into_iter().cloned().collect());
        result.next_cursor = next;
        Ok(result)
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        self.read(&request.uri, context)
            .await
            .map(ReadResourceResponse::from)
    }

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        let all: Vec<&rmcp::model::Prompt> =
            self.registry.prompts.iter().map(|p| &p.wire).collect();
        let (items, next) = page(&all, request.as_ref(), self.registry.page_size)?;
        let mut result = ListPromptsResult::with_all_items(items.into_iter().cloned().collect());
        result.next_cursor = next;
        Ok(result)
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        self.prompt(request).map(GetPromptResponse::from)
    }

    async fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        if let Ok(mut level) = self.log_level.lock() {
            *level = Some(from_rmcp_level(request.level));
        }
        Ok(())
    }

    fn on_initialized(
        &self,
        _context: rmcp::service::NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + Send + '_ {
        tracing::debug!("client initialized");
        std::future::ready(())
    }
}
