//! The rmcp `ServerHandler` over the registry: dispatch, validation, error shaping,
//! timeouts, panics, pagination.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use base64::Engine as _;
use futures::FutureExt as _;
use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
        GetPromptRequestParams, GetPromptResponse, GetPromptResult, InputRequiredResult,
        InputResponses, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
        ListToolsResult, PaginatedRequestParams, PromptMessage, ReadResourceRequestParams,
        ReadResourceResponse, ReadResourceResult, ResourceContents, ServerConfig, Tool,
    },
    service::RequestContext,
    task_manager::{TaskContext, TaskExit},
};
use serde_json::{Value, json};
use tracing::Instrument as _;

use crate::{
    resource::{
        PromptContent, PromptError, PromptHandler, PromptOutput, ResourceContent, ResourceError,
        ResourceOutput, Role,
    },
    server::{PromptEntry, Registry, ToolEntry, prompt_template_key},
    template::{UriMatch, coerce_to_schema},
    tool::{
        ClientCapability, Identity, LogLevel, RequestInfo, TaskStart, TaskSupport, ToolContext,
        ToolError, ToolOutput, from_rmcp_level,
    },
};

/// Which transport a handler instance serves; decides the default [`Identity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransportKind {
    InProcess,
    Stdio,
    Http,
}

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
            if let Some(axum::extract::ConnectInfo(addr)) =
                parts
                    .extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            {
                return Identity::Address(addr.ip());
            }
        }
        match self.transport {
            TransportKind::Stdio => Identity::Stdio,
            TransportKind::InProcess | TransportKind::Http => Identity::Anonymous,
        }
    }

    /// The handler's view of a request. Takes the request's `_meta`, which is read
    /// only when the handler asks for what it holds.
    fn context(&self, name: Arc<str>, context: &mut RequestContext<RoleServer>) -> ToolContext {
        let identity = self.identity(context);
        self.context_of(name, identity, context)
    }

    /// [`Self::context`] for a caller whose identity is known already.
    fn context_of(
        &self,
        name: Arc<str>,
        identity: Identity,
        context: &mut RequestContext<RoleServer>,
    ) -> ToolContext {
        let connection_level = self.log_level.lock().ok().and_then(|level| *level);
        let meta = std::mem::take(&mut context.meta);
        ToolContext {
            name,
            identity,
            cancellation: context.ct.child_token(),
            peer: Some(context.peer.clone()),
            request: Some(Arc::new(RequestInfo::new(
                meta,
                context.peer.clone(),
                connection_level,
            ))),
            input_responses: no_input_responses(),
            request_state: None,
            task_id: None,
            can_continue_as_task: false,
        }
    }

    /// Whether `uri` is a resource of this server (a fixed URI or one a template matches).
    fn known_resource(&self, uri: &str) -> Result<(), ErrorData> {
        let known = self.registry.resource_index.contains_key(uri)
            || self
                .registry
                .templates
                .iter()
                .any(|t| matches!(t.template.matches(uri), UriMatch::Vars(_)));
        if known {
            return Ok(());
        }
        Err(ErrorData::invalid_params(
            format!(
                "no resource at `{uri}` to subscribe to; list the resources with resources/list and the URI templates with resources/templates/list"
            ),
            Some(json!({"uri": uri})),
        ))
    }

    /// The `requestState` a client sent back, verified: only a state this server
    /// signed for this tool or prompt gets through.
    fn open_request_state(
        &self,
        scope: StateScope<'_>,
        sealed: &str,
    ) -> Result<Arc<str>, ErrorData> {
        self.registry
            .request_state
            .open_with(sealed, &scope.associated_data())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .map(Arc::from)
            .ok_or_else(|| {
                let (sent_to, kind, again) = scope.wording();
                ErrorData::invalid_params(
                    format!(
                        "the requestState sent to {sent_to} was not issued by this server for this {kind}, or was modified; \
                         send it back exactly as received, or {again} without requestState and inputResponses to start over"
                    ),
                    Some(json!({"name": scope.name()})),
                )
            })
    }

    /// Signs the `requestState` of an input-required result for `scope`.
    fn seal_request_state(&self, scope: StateScope<'_>, input: &mut InputRequiredResult) {
        if let Some(state) = input.request_state.take() {
            input.request_state = Some(self.registry.request_state.seal_with(
                state.as_bytes(),
                &rmcp::model::SealOptions::new().associated_data(&scope.associated_data()),
            ));
        }
    }

    /// A tool call as clients receive it: through the guardrails ([`crate::guard`], the
    /// same on every transport), validated, run under its timeout, with the error object
    /// of a tool that declares an `outputSchema` moved out of `structuredContent`
    /// ([`error_object_as_text`]).
    ///
    /// One future, not `async fn`s awaiting each other: each level of `async fn` keeps
    /// its own copies of the arguments it was given (`params`, 224 bytes, and the
    /// request context, 184, twice per level), and the boxed future `call_tool` returns
    /// was 3,960 bytes, above the largest block glibc serves from its per-thread cache.
    /// The work that does not wait is in plain functions ([`Self::begin`],
    /// [`Self::start`], [`Self::ended`], [`Self::settle`]), so the future holds only
    /// what lives across an await.
    fn call(
        &self,
        mut params: CallToolRequestParams,
        mut context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, ErrorData>> + Send + '_ {
        let (index, plan, agent) = match self.admissible(&params, &context) {
            Ok(admitted) => admitted,
            Err(error) => return futures::future::Either::Left(std::future::ready(Err(error))),
        };
        // Most calls are not a later round of an input-required exchange: boxed, what
        // one is takes a pointer's room in the future.
        let round =
            (params.request_state.is_some() || params.input_responses.is_some()).then(|| {
                Box::new(Round {
                    request_state: params.request_state.take(),
                    input_responses: params.input_responses.take(),
                })
            });
        let arguments = params.arguments.take().unwrap_or_default();
        futures::future::Either::Right(async move {
            let guard = &self.registry.guard;
            let (mut admission, mut reservation) = (None, None);
            if guard.enabled() {
                let key = guard.idempotency_key(index, &agent, &arguments);
                if let Some(result) = key.as_deref().and_then(|k| guard.replay(index, k)) {
                    tracing::info!(
                        tool = self.registry.tools[index].def.name.as_str(),
                        outcome = "idempotent_replay",
                        "tool call answered from its idempotency key"
                    );
                    return Ok(self.shaped(index, result));
                }
                admission = match guard.admit(index, &agent).await {
                    Ok(admission) => Some(admission),
                    Err(refusal) => return Ok(self.shaped(index, refusal)),
                };
                if let Some(key) = key {
                    // Boxed: only calls with an idempotency key wait here, and its 448
                    // bytes would be in every call's future.
                    match Box::pin(guard.reserve(index, &key)).await {
                        Some(crate::guard::Reserve::Replay(result)) => {
                            return Ok(self.shaped(index, result));
                        }
                        Some(crate::guard::Reserve::Run(r)) => reservation = Some(r),
                        None => {}
                    }
                }
            }
            // A statement of its own: a temporary of `begin`'s result kept to the end of
            // the `match` would be kept in the future across the handler's await.
            let begun = self.begin(index, arguments, round, plan, &agent, &mut context)?;
            let run = match begun {
                Err(done) => *done,
                Ok(run) => {
                    let tool = &self.registry.tools[index];
                    let ended = run_handler(run.future, run.timeout, context.ct.cancelled()).await;
                    let ended = self.ended(
                        tool,
                        ended,
                        &run.arguments,
                        run.started,
                        &run.cancellation,
                        run.timeout,
                    );
                    self.settle(index, ended, run.resumable, run.arguments)
                }
            };
            // An input-required answer is not a result yet: it is neither size-checked
            // nor counted by the breaker, and its idempotency key stays free for the
            // next round. A task holds the call's admission until it ends; its key is
            // freed.
            let result = match run {
                Executed::Response(CallToolResponse::Complete(result)) => result,
                Executed::Response(incomplete) => return Ok(incomplete),
                Executed::Task(ctx, arguments) => {
                    return Ok(self.spawn_task(index, ctx, arguments, admission, agent.key()));
                }
            };
            let result = match admission {
                Some(admission) => guard.finish(index, admission, result),
                None => result,
            };
            if let Some(reservation) = reservation {
                crate::guard::GuardLayer::store(reservation, &result);
            }
            Ok(self.shaped(index, result))
        })
    }

    /// The checks of a call before the guardrails: the tool exists, the client declared
    /// the capabilities it needs, and whether it becomes a task; then the tool's index,
    /// that plan and the agent the guardrails count the call against.
    fn admissible(
        &self,
        params: &CallToolRequestParams,
        context: &RequestContext<RoleServer>,
    ) -> Result<(usize, TaskPlan, crate::guard::Agent), ErrorData> {
        let name = params.name.as_ref();
        let Some(&index) = self.registry.tool_index.get(name) else {
            return Err(unknown_tool(&self.registry, name));
        };
        let tool = &self.registry.tools[index];
        missing_client_capabilities(name, &tool.def.client_capabilities, context)?;
        let plan = task_plan(tool, context)?;
        Ok((
            index,
            plan,
            crate::guard::Agent::new(self.identity(context)),
        ))
    }

    /// A complete result of tool `index` as clients receive it ([`error_object_as_text`]).
    fn shaped(&self, index: usize, result: CallToolResult) -> CallToolResponse {
        if self.registry.tools[index].output.is_some() {
            error_object_as_text(result).into()
        } else {
            result.into()
        }
    }

    /// Validation, then the handler's run, started; or, without running it, what the
    /// call comes to (invalid arguments, or a task at once), boxed: the future of
    /// [`Self::call`] keeps the result of this function while the handler runs.
    fn begin(
        &self,
        index: usize,
        arguments: rmcp::model::JsonObject,
        round: Option<Box<Round>>,
        plan: TaskPlan,
        agent: &crate::guard::Agent,
        context: &mut RequestContext<RoleServer>,
    ) -> Result<Result<Started, Box<Executed>>, ErrorData> {
        let started = Instant::now();
        let tool = &self.registry.tools[index];
        let name = tool.def.name.as_str();
        let mut instance = Value::Object(arguments);
        let violations = tool.input.violations(&instance);
        // Still an object: `prepare` changes values inside it, never its kind.
        tool.input.prepare(&mut instance);
        let arguments = Arc::new(instance);
        if !violations.is_empty() {
            tracing::info!(
                tool = name,
                outcome = "invalid_arguments",
                violations = violations.len(),
                "tool call rejected"
            );
            return Ok(Err(Box::new(Executed::Response(invalid_arguments(
                name,
                &violations,
            )))));
        }

        let mut ctx = self.context_of(Arc::clone(&tool.name), agent.identity().clone(), context);
        if let Some(round) = round {
            if let Some(sealed) = &round.request_state {
                ctx.request_state = Some(self.open_request_state(StateScope::Tool(name), sealed)?);
            }
            let responses = checked_input_responses(name, round.input_responses)?;
            if !responses.is_empty() {
                ctx.input_responses = Arc::new(responses);
            }
        }
        let resumable = match plan {
            TaskPlan::Never => None,
            TaskPlan::AtOnce => return Ok(Err(Box::new(Executed::Task(ctx, arguments)))),
            TaskPlan::ByHandler => {
                ctx.can_continue_as_task = true;
                Some(Box::new(ctx.clone()))
            }
        };
        let (future, cancellation, timeout) = self.start(tool, ctx, &arguments);
        Ok(Ok(Started {
            future,
            cancellation,
            timeout,
            arguments,
            resumable,
            started,
        }))
    }

    /// What a run of the handler came to, as the answer to the request or the task the
    /// call becomes.
    fn settle(
        &self,
        index: usize,
        run: Run,
        resumable: Option<Box<ToolContext>>,
        arguments: Arc<Value>,
    ) -> Executed {
        let name = self.registry.tools[index].def.name.as_str();
        let response = match run {
            Run::Result(result) | Run::Bug(result) => result.into(),
            Run::Input(mut input) => {
                self.seal_request_state(StateScope::Tool(name), &mut input);
                CallToolResponse::InputRequired(input)
            }
            Run::Cancelled => error_result(
                format!("The call to `{name}` was cancelled."),
                json!({"status": "error", "code": "cancelled", "message": "cancelled by the client", "retryable": true}),
            ),
            Run::ContinueAsTask => match resumable {
                Some(ctx) => return Executed::Task(*ctx, arguments),
                None => {
                    tracing::error!(
                        tool = name,
                        outcome = "bad_output",
                        error = "the handler returned ContinueAsTask, but this call cannot become a task (see ToolContext::can_continue_as_task)",
                        "tool returned an output that breaks its contract"
                    );
                    unexpected_result(name)
                }
            },
        };
        Executed::Response(response)
    }

    /// One run of a tool's handler under its timeout, until `cancelled` fires, and what
    /// it came to: a task's runs. [`Self::call`] takes the same three steps inline, on
    /// the [`Started`] run of [`Self::begin`], so that its future does not keep a
    /// context this function would take.
    async fn run_once(
        &self,
        tool: &ToolEntry,
        ctx: ToolContext,
        arguments: &Arc<Value>,
        cancelled: impl Future<Output = ()>,
    ) -> Run {
        let started = Instant::now();
        let (future, cancellation, timeout) = self.start(tool, ctx, arguments);
        let ended = run_handler(future, timeout, cancelled).await;
        self.ended(tool, ended, arguments, started, &cancellation, timeout)
    }

    /// The handler's future for one run, the token that stops what it started, and its
    /// time limit.
    fn start(
        &self,
        tool: &ToolEntry,
        ctx: ToolContext,
        arguments: &Arc<Value>,
    ) -> (
        crate::tool::BoxFuture<Result<ToolOutput, ToolError>>,
        tokio_util::sync::CancellationToken,
        Option<Duration>,
    ) {
        let cancellation = ctx.cancellation.clone();
        let timeout = tool.def.timeout.or(self.registry.default_timeout);
        (
            (tool.handler)(ctx, Arc::clone(arguments)),
            cancellation,
            timeout,
        )
    }

    /// What a run of a handler came to, logged.
    fn ended(
        &self,
        tool: &ToolEntry,
        ended: Ended<Result<ToolOutput, ToolError>>,
        arguments: &Arc<Value>,
        started: Instant,
        cancellation: &tokio_util::sync::CancellationToken,
        timeout: Option<Duration>,
    ) -> Run {
        let name = tool.def.name.as_str();
        let duration_ms = elapsed_ms(started);
        let result = match ended {
            Ended::Cancelled => {
                cancellation.cancel();
                tracing::info!(
                    tool = name,
                    outcome = "cancelled",
                    duration_ms,
                    "tool call cancelled by the client"
                );
                return Run::Cancelled;
            }
            Ended::TimedOut => {
                cancellation.cancel();
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
                return Run::Result(error_result(
                    message.clone(),
                    json!({"status": "error", "code": "timeout", "message": message, "retryable": true, "limit_ms": limit_ms as u64}),
                ));
            }
            Ended::Panicked(text) => {
                let detail = format!("handler panicked: {text}");
                tracing::error!(tool = name, outcome = "panic", duration_ms, error = %detail, "tool handler failed");
                return Run::Bug(unexpected_result(name));
            }
            Ended::Finished(result) => result,
        };
        let call_result = match result {
            Ok(ToolOutput::InputRequired(input)) => {
                tracing::info!(
                    tool = name,
                    outcome = "input_required",
                    duration_ms,
                    "tool call needs client input"
                );
                return Run::Input(input);
            }
            Ok(ToolOutput::ContinueAsTask) => return Run::ContinueAsTask,
            Ok(output) => match self.render_output(tool, output) {
                Ok(result) => result,
                Err(problem) => {
                    tracing::error!(tool = name, outcome = "bad_output", duration_ms, error = %problem, "tool returned an output that breaks its contract");
                    return Run::Bug(unexpected_result(name));
                }
            },
            Err(ToolError::Declared { code, fields }) => {
                let Some((def, template)) = tool.errors.get(&code) else {
                    tracing::error!(tool = name, outcome = "undeclared_error", duration_ms, code = %code, "tool returned an error code it does not declare");
                    return Run::Bug(unexpected_result(name));
                };
                let no_arguments = serde_json::Map::new();
                let arguments = arguments.as_object().unwrap_or(&no_arguments);
                let (message, missing) = template.render(&fields, arguments);
                if !missing.is_empty() {
                    tracing::warn!(tool = name, code = %code, missing = ?missing, "declared error message has placeholders with no value");
                }
                tracing::info!(tool = name, outcome = "declared_error", code = %code, duration_ms, "tool call failed");
                return Run::Result(error_result(
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
                return Run::Bug(unexpected_result(name));
            }
        };
        tracing::info!(
            tool = name,
            outcome = "ok",
            duration_ms,
            "tool call succeeded"
        );
        Run::Result(call_result)
    }

    /// Starts the call as a task of `agent` and answers with its id, or refuses it as
    /// `too_many_tasks`.
    fn spawn_task(
        &self,
        index: usize,
        ctx: ToolContext,
        arguments: Arc<Value>,
        admission: Option<crate::guard::Admission>,
        agent: &str,
    ) -> CallToolResponse {
        let this = self.clone();
        let spawned = self.registry.tasks.spawn(agent, move |task| {
            // The lines the handler's runs log carry the task's id.
            let span = tracing::info_span!("task", id = %task.task_id());
            Box::pin(
                async move { this.run_task(index, ctx, arguments, admission, task).await }
                    .instrument(span),
            )
        });
        let name = self.registry.tools[index].def.name.as_str();
        match spawned {
            Ok(task) => {
                tracing::info!(
                    tool = name,
                    task = %task.task_id,
                    outcome = "task_created",
                    "tool call continues as a task"
                );
                rmcp::model::CreateTaskResult::new(task).into()
            }
            Err(crate::task::AtCapacity(running)) => {
                tracing::warn!(
                    tool = name,
                    running,
                    outcome = "too_many_tasks",
                    "tool call refused: too many tasks"
                );
                let message = format!(
                    "The server already runs {running} tasks, as many as it allows, so `{name}` did not start. \
                     Wait for some of your tasks to end (poll them with tasks/get, or stop those you no longer need with tasks/cancel), then call again."
                );
                error_result(
                    message.clone(),
                    json!({"status": "error", "code": "too_many_tasks", "message": message, "retryable": true, "running": running}),
                )
            }
        }
    }

    /// The body of a task: the handler runs; when it asks for input, the task waits in
    /// `input_required` until the client answers every request with `tasks/update`,
    /// then the handler runs again with the answers. A tool error (declared, invalid
    /// output, timeout) completes the task with `isError`; a bug in the server (a panic,
    /// an unexpected error) fails it with a JSON-RPC error.
    async fn run_task(
        self,
        index: usize,
        mut ctx: ToolContext,
        arguments: Arc<Value>,
        admission: Option<crate::guard::Admission>,
        task: TaskContext,
    ) -> Result<CallToolResult, TaskExit> {
        let tool = &self.registry.tools[index];
        let name = tool.def.name.as_str();
        ctx.task_id = Some(Arc::from(task.task_id()));
        // The request that started the task is over: nothing more goes to it.
        ctx.peer = None;
        ctx.can_continue_as_task = false;
        ctx.cancellation = tokio_util::sync::CancellationToken::new();
        let mut surfaced = std::collections::HashSet::new();
        let (result, bug) = loop {
            let run = self
                .run_once(tool, ctx.clone(), &arguments, task.cancelled())
                .await;
            match run {
                Run::Result(result) => break (result, false),
                Run::Bug(result) => break (result, true),
                Run::Cancelled => return Err(TaskExit::Cancelled),
                Run::Input(input) => {
                    let Some(answers) = self
                        .registry
                        .tasks
                        .ask(&task, input.input_requests, &mut surfaced)
                        .await?
                    else {
                        tracing::error!(
                            tool = name,
                            outcome = "bad_output",
                            error = "the handler asked for input but gave no input request",
                            "tool returned an output that breaks its contract"
                        );
                        break (unexpected_result(name), true);
                    };
                    ctx.input_responses = Arc::new(answers);
                    ctx.request_state = input.request_state.map(Arc::from);
                }
                Run::ContinueAsTask => {
                    tracing::error!(
                        tool = name,
                        outcome = "bad_output",
                        error = "the handler returned ContinueAsTask inside its task",
                        "tool returned an output that breaks its contract"
                    );
                    break (unexpected_result(name), true);
                }
            }
        };
        let result = match admission {
            Some(admission) => self.registry.guard.finish(index, admission, result),
            None => result,
        };
        if bug {
            return Err(TaskExit::Error(ErrorData::internal_error(
                format!("unexpected error in tool `{name}`: {TEXT_BUG}"),
                None,
            )));
        }
        Ok(if tool.output.is_some() {
            error_object_as_text(result)
        } else {
            result
        })
    }

    fn render_output(
        &self,
        tool: &ToolEntry,
        output: ToolOutput,
    ) -> Result<CallToolResult, String> {
        let (value, prechecked) = match output {
            ToolOutput::Structured(value) => (value, false),
            // A generated output type that checked itself: its JSON needs no walk.
            ToolOutput::Prechecked(value) => (value, true),
            ToolOutput::InputRequired(_) | ToolOutput::ContinueAsTask => {
                return Err(
                    "an input-required or continue-as-task answer cannot be rendered as a tool result"
                        .to_owned(),
                );
            }
            ToolOutput::Text(_) | ToolOutput::Content(_) if tool.output.is_some() => {
                return Err(
                    "the tool declares an output schema but returned unstructured output"
                        .to_owned(),
                );
            }
            ToolOutput::Text(text) => {
                return Ok(CallToolResult::success(vec![ContentBlock::text(text)]));
            }
            ToolOutput::Content(content) => return Ok(CallToolResult::success(content)),
        };
        if let Some(schema) = tool.output.as_ref().filter(|_| !prechecked) {
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
        // Compact, as rmcp's own `Json` results: the model reads fewer tokens.
        let text = serde_json::to_string(&value).map_err(|e| e.to_string())?;
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

    async fn read(
        &self,
        uri: &str,
        mut context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResult, ErrorData> {
        let started = Instant::now();
        if let Some(&index) = self.registry.resource_index.get(uri) {
            let entry = &self.registry.resources[index];
            let mime = entry.def.mime_type.clone();
            let output = match &entry.def.content {
                ResourceContent::Text(text) => ResourceOutput::Text(text.to_string()),
                ResourceContent::Blob(bytes) => ResourceOutput::Blob(bytes.to_vec()),
                ResourceContent::Handler(handler) => {
                    let ctx = self.context(Arc::from(entry.def.name.as_str()), &mut context);
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
            coerce_to_schema(&mut vars, &entry.def.params_schema);
            let mut instance = Value::Object(vars);
            let violations = entry.params.violations(&instance);
            entry.params.prepare(&mut instance);
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
            let ctx = self.context(Arc::from(entry.def.name.as_str()), &mut context);
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

    async fn prompt(
        &self,
        mut params: GetPromptRequestParams,
        mut context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
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
        let entry = &self.registry.prompts[index];
        let prompt = &entry.def;
        let arguments = params.arguments.take().unwrap_or_default();
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
        let not_strings: Vec<&str> = arguments
            .iter()
            .filter(|(_, v)| !v.is_string())
            .map(|(k, _)| k.as_str())
            .collect();
        if !not_strings.is_empty() {
            return Err(ErrorData::invalid_params(
                format!(
                    "the argument(s) {} of prompt `{name}` are not strings; prompt arguments are always strings: pass `\"3\"`, not `3`",
                    quote_list(&not_strings)
                ),
                Some(json!({"notStrings": not_strings})),
            ));
        }
        if let Some(handler) = &entry.handler {
            return self
                .run_prompt(entry, handler, params, arguments, &mut context)
                .await;
        }
        let render = |i: usize, suffix: &str| {
            let key = prompt_template_key(name, i) + suffix;
            self.registry.prompt_texts.render(&key, &arguments).map_err(|error| {
                tracing::error!(prompt = name, message = i + 1, %error, "prompt template failed to render");
                ErrorData::internal_error(
                    format!("prompt `{name}` failed to render; {TEXT_BUG}"),
                    None,
                )
            })
        };
        let mut messages = Vec::new();
        for (i, (role, content)) in prompt.messages.iter().enumerate() {
            let rendered = match content {
                PromptContent::Text(_) => PromptContent::Text(render(i, "")?),
                PromptContent::Image { .. } => content.clone(),
                PromptContent::Resource { mime_type, .. } => PromptContent::Resource {
                    uri: render(i, ".uri")?,
                    mime_type: mime_type.clone(),
                    text: render(i, "")?,
                },
            };
            messages.push(wire_message(*role, rendered));
        }
        let mut result = GetPromptResult::new(messages);
        result.description = prompt.description.clone();
        tracing::info!(prompt = name, "prompt rendered");
        Ok(result.into())
    }

    /// Runs the handler of a prompt, with the request's verified `requestState` and
    /// answers, under the server's default timeout.
    async fn run_prompt(
        &self,
        entry: &PromptEntry,
        handler: &PromptHandler,
        mut params: GetPromptRequestParams,
        arguments: serde_json::Map<String, Value>,
        context: &mut RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        let name = entry.def.name.as_str();
        let scope = StateScope::Prompt(name);
        let mut ctx = self.context(Arc::from(name), context);
        if let Some(sealed) = &params.request_state {
            ctx.request_state = Some(self.open_request_state(scope, sealed)?);
        }
        ctx.input_responses = Arc::new(checked_input_responses(
            name,
            params.input_responses.take(),
        )?);
        let started = Instant::now();
        let cancellation = ctx.cancellation.clone();
        let timeout = self.registry.default_timeout;
        let ended = run_handler(handler(ctx, arguments), timeout, std::future::pending()).await;
        let duration_ms = elapsed_ms(started);
        let bug = || {
            ErrorData::internal_error(
                format!("unexpected error in prompt `{name}`: {TEXT_BUG}"),
                None,
            )
        };
        let output = match ended {
            Ended::TimedOut | Ended::Cancelled => {
                cancellation.cancel();
                let limit_ms = timeout.map_or(0, |t| t.as_millis());
                tracing::warn!(
                    prompt = name,
                    outcome = "timeout",
                    duration_ms,
                    "prompt handler timed out"
                );
                return Err(ErrorData::internal_error(
                    format!(
                        "the prompt `{name}` did not finish within the server's time limit of {limit_ms} ms and was stopped; try again later"
                    ),
                    None,
                ));
            }
            Ended::Panicked(text) => {
                tracing::error!(prompt = name, outcome = "panic", duration_ms, error = %text, "prompt handler failed");
                return Err(bug());
            }
            Ended::Finished(Err(PromptError::InvalidArguments(message))) => {
                tracing::info!(
                    prompt = name,
                    outcome = "invalid_arguments",
                    duration_ms,
                    "prompt refused its arguments"
                );
                return Err(ErrorData::invalid_params(
                    message,
                    Some(json!({"name": name})),
                ));
            }
            Ended::Finished(Err(PromptError::Unexpected(error))) => {
                tracing::error!(
                    prompt = name,
                    outcome = "unexpected_error",
                    duration_ms,
                    error = format!("{error:#}"),
                    "prompt handler failed"
                );
                return Err(bug());
            }
            Ended::Finished(Ok(output)) => output,
        };
        match output {
            PromptOutput::InputRequired(mut input) => {
                self.seal_request_state(scope, &mut input);
                tracing::info!(
                    prompt = name,
                    outcome = "input_required",
                    duration_ms,
                    "prompt needs client input"
                );
                Ok(GetPromptResponse::InputRequired(input))
            }
            PromptOutput::Messages(messages) => {
                let messages = messages
                    .into_iter()
                    .map(|(role, content)| wire_message(role, content))
                    .collect();
                let mut result = GetPromptResult::new(messages);
                result.description = entry.def.description.clone();
                tracing::info!(prompt = name, outcome = "ok", duration_ms, "prompt built");
                Ok(result.into())
            }
        }
    }
}

/// Whether and when a call becomes a task (tasks extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskPlan {
    /// It does not: the tool has no task support, or the client did not declare the
    /// extension and the tool's support is optional.
    Never,
    /// As soon as its arguments are valid.
    AtOnce,
    /// When its handler returns [`ToolOutput::ContinueAsTask`].
    ByHandler,
}

/// The plan for a call of `tool`, or -32021 when the tool runs only as a task and the
/// client did not declare the tasks extension.
fn task_plan(
    tool: &ToolEntry,
    context: &RequestContext<RoleServer>,
) -> Result<TaskPlan, ErrorData> {
    if tool.def.task == TaskSupport::Never {
        return Ok(TaskPlan::Never);
    }
    let declared = context
        .client_capabilities()
        .is_some_and(|c| c.supports_tasks());
    if !declared {
        if tool.def.task == TaskSupport::Optional {
            return Ok(TaskPlan::Never);
        }
        let name = tool.def.name.as_str();
        let mut error = ErrorData::missing_required_client_capability(
            rmcp::model::ClientCapabilities::builder()
                .enable_tasks()
                .build(),
        );
        error.message = format!(
            "the tool `{name}` runs only as a task, and this client did not declare the tasks extension              (`{}`); use a client that supports it and declare it in its capabilities (at initialize, or              in the request's `_meta` under io.modelcontextprotocol/clientCapabilities.extensions)",
            rmcp::model::TASKS_EXTENSION_ID
        )
        .into();
        tracing::info!(
            tool = name,
            outcome = "missing_client_capability",
            "tool call rejected"
        );
        return Err(error);
    }
    Ok(match tool.def.task_start {
        TaskStart::AtOnce => TaskPlan::AtOnce,
        TaskStart::ByHandler => TaskPlan::ByHandler,
    })
}

/// A handler's run as [`McpHandler::begin`] started it.
struct Started {
    future: crate::tool::BoxFuture<Result<ToolOutput, ToolError>>,
    /// Stops what the handler started when it times out or is cancelled.
    cancellation: tokio_util::sync::CancellationToken,
    timeout: Option<Duration>,
    arguments: Arc<Value>,
    /// The handler's context, for the task the call becomes should the handler ask to
    /// continue as one.
    resumable: Option<Box<ToolContext>>,
    started: Instant,
}

/// What a call came to ([`McpHandler::begin`], [`McpHandler::settle`]).
enum Executed {
    /// The answer to the request.
    Response(CallToolResponse),
    /// The call becomes a task, whose handler runs with this context and arguments.
    Task(ToolContext, Arc<Value>),
}

/// What one run of a handler came to ([`McpHandler::ended`]).
enum Run {
    /// A result for the client: a success, a declared error, a timeout.
    Result(CallToolResult),
    /// The result that reports a bug in the server (a panic, an unexpected error, an
    /// output that breaks the tool's contract).
    Bug(CallToolResult),
    /// The handler needs input from the client first.
    Input(InputRequiredResult),
    /// The handler asks to continue as a task.
    ContinueAsTask,
    /// The client cancelled the request (or the task).
    Cancelled,
}

/// What a `requestState` is bound to: a state issued for one tool or prompt is refused
/// by every other.
#[derive(Clone, Copy)]
enum StateScope<'a> {
    Tool(&'a str),
    Prompt(&'a str),
}

impl<'a> StateScope<'a> {
    fn name(self) -> &'a str {
        match self {
            Self::Tool(name) | Self::Prompt(name) => name,
        }
    }

    /// Signed with the state: a tool's bare name (as before prompts had states), or
    /// `prompts/get`, NUL and a prompt's name.
    fn associated_data(self) -> Vec<u8> {
        match self {
            Self::Tool(name) => name.as_bytes().to_vec(),
            Self::Prompt(name) => [b"prompts/get\0".as_slice(), name.as_bytes()].concat(),
        }
    }

    /// Where the state was sent, what kind of thing that is, and how to start over.
    fn wording(self) -> (String, &'static str, String) {
        match self {
            Self::Tool(name) => (format!("`{name}`"), "tool", format!("call `{name}` again")),
            Self::Prompt(name) => (
                format!("the prompt `{name}`"),
                "prompt",
                format!("get the prompt `{name}` again"),
            ),
        }
    }
}

/// The answers a client sent with `inputResponses`: each must be an object (an
/// elicitation, sampling or roots/list result).
/// What a 2026-07-28 client sends back after an input-required result: the sealed
/// `requestState` and the answers to the server's requests.
struct Round {
    request_state: Option<String>,
    input_responses: Option<InputResponses>,
}

/// The answers of a call that has none, shared rather than allocated per call.
fn no_input_responses() -> Arc<InputResponses> {
    static NONE: std::sync::OnceLock<Arc<InputResponses>> = std::sync::OnceLock::new();
    Arc::clone(NONE.get_or_init(Arc::default))
}

fn checked_input_responses(
    name: &str,
    responses: Option<InputResponses>,
) -> Result<InputResponses, ErrorData> {
    let responses = responses.unwrap_or_default();
    if let Some((key, value)) = responses.iter().find(|(_, v)| !v.is_object()) {
        return Err(ErrorData::invalid_params(
            format!(
                "inputResponses.{key} is {}, but each answer must be an object: the client's result for the input request `{key}` \
                 (an elicitation, sampling or roots/list result)",
                crate::schema::json_type(value)
            ),
            Some(json!({"name": name, "inputResponse": key})),
        ));
    }
    Ok(responses)
}

fn wire_message(role: Role, content: PromptContent) -> PromptMessage {
    let role = match role {
        Role::User => rmcp::model::Role::User,
        Role::Assistant => rmcp::model::Role::Assistant,
    };
    match content {
        PromptContent::Text(text) => PromptMessage::new_text(role, text),
        PromptContent::Image { data, mime_type } => {
            PromptMessage::new_image(role, &data, &mime_type, None, None)
        }
        PromptContent::Resource {
            uri,
            mime_type,
            text,
        } => PromptMessage::new_resource(role, uri, mime_type, Some(text), None, None, None),
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

/// How a handler run by [`run_handler`] ended.
enum Ended<T> {
    Finished(T),
    /// It panicked; the panic's message.
    Panicked(String),
    TimedOut,
    /// The client cancelled the request.
    Cancelled,
}

/// Runs a handler in rmcp's task for the request rather than a task of its own: a
/// panic is caught here, and returning early (timeout, cancellation) drops the handler.
fn run_handler<F: Future, C: Future<Output = ()>>(
    future: F,
    timeout: Option<Duration>,
    cancelled: C,
) -> HandlerRun<F, C> {
    HandlerRun {
        handler: std::panic::AssertUnwindSafe(future).catch_unwind(),
        deadline: timeout.map(tokio::time::sleep),
        cancelled,
    }
}

pin_project_lite::pin_project! {
    /// A handler's run ([`run_handler`]). A future of its own rather than
    /// `tokio::select!` in an `async fn`: that keeps each of the three futures twice
    /// (as the function's argument and in the tuple `select!` polls), and this is part
    /// of every tool call's future.
    struct HandlerRun<F, C> {
        #[pin]
        handler: futures::future::CatchUnwind<std::panic::AssertUnwindSafe<F>>,
        #[pin]
        deadline: Option<tokio::time::Sleep>,
        #[pin]
        cancelled: C,
    }
}

impl<F: Future, C: Future<Output = ()>> Future for HandlerRun<F, C> {
    type Output = Ended<F::Output>;

    /// The handler first: a result that is ready wins over a timeout or a cancellation
    /// that came at the same time.
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        use std::task::Poll;
        let this = self.project();
        if let Poll::Ready(joined) = this.handler.poll(cx) {
            return Poll::Ready(match joined {
                Ok(value) => Ended::Finished(value),
                Err(payload) => Ended::Panicked(
                    payload
                        .downcast_ref::<&str>()
                        .map(|s| (*s).to_owned())
                        .or_else(|| payload.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "non-string panic payload".to_owned()),
                ),
            });
        }
        if let Some(deadline) = this.deadline.as_pin_mut()
            && deadline.poll(cx).is_ready()
        {
            return Poll::Ready(Ended::TimedOut);
        }
        if this.cancelled.poll(cx).is_ready() {
            return Poll::Ready(Ended::Cancelled);
        }
        Poll::Pending
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// An error result of a tool with an `outputSchema` carries its error object (code,
/// message, `retry_after_ms`, ...) as a last text block of JSON instead of as
/// `structuredContent`: clients validate `structuredContent` against the tool's
/// `outputSchema` even when `isError` is true (the MCP Inspector does, and reports a
/// schema mismatch in place of the error), and an error object matches no output
/// schema. Results of tools without an `outputSchema` keep it as `structuredContent`.
fn error_object_as_text(mut result: CallToolResult) -> CallToolResult {
    if result.is_error == Some(true)
        && let Some(object) = result.structured_content.take()
    {
        result.content.push(ContentBlock::text(object.to_string()));
    }
    result
}

// Generic over the result type, so that they serve wherever a `CallToolResult` or a
// `CallToolResponse` (which may also be an input-required result) is returned.
fn error_result<R: From<CallToolResult>>(text: String, structured: Value) -> R {
    let mut result = CallToolResult::error(vec![ContentBlock::text(text)]);
    result.structured_content = Some(structured);
    result.into()
}

fn unexpected_result<R: From<CallToolResult>>(name: &str) -> R {
    let message = format!("unexpected error in tool `{name}`: {TEXT_BUG}");
    error_result(
        message.clone(),
        json!({"status": "error", "code": "unexpected_error", "message": message, "retryable": false}),
    )
}

fn invalid_arguments<R: From<CallToolResult>>(
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
fn missing_client_capabilities(
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
    tracing::info!(tool, missing = ?missing, outcome = "missing_client_capability", "tool call rejected");
    Err(error)
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

pub(crate) fn suggestion(name: &str, known: &[&str]) -> String {
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

// Every method that does work returns a boxed future. rmcp's `handle_request` awaits
// the method a request names; with the futures inline, its state machine, and the code
// that polls and drops it, held every method's states: 57 KB and 43 KB more code than a
// server with tools alone, on every request's path. Boxed, each method's code is
// compiled once, on its own, and rmcp holds a pointer while a request runs (queued
// requests no longer each reserve the space of a running call).
#[allow(deprecated)]
impl ServerHandler for McpHandler {
    fn get_info(&self) -> ServerConfig {
        self.registry.config.clone()
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        let index = *self.registry.tool_index.get(name)?;
        Some(self.registry.tools[index].wire.clone())
    }

    fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListToolsResult, ErrorData>> + Send + '_ {
        async move {
            let all: Vec<&Tool> = self.registry.tools.iter().map(|t| &t.wire).collect();
            let (items, next) = page(&all, request.as_ref(), self.registry.page_size)?;
            let mut result = ListToolsResult::with_all_items(items.into_iter().cloned().collect());
            result.next_cursor = next;
            Ok(result)
        }
        .boxed()
    }

    fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CallToolResponse, ErrorData>> + Send + '_ {
        self.call(request, context).boxed()
    }

    fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourcesResult, ErrorData>> + Send + '_ {
        async move {
            let all: Vec<&rmcp::model::Resource> =
                self.registry.resources.iter().map(|r| &r.wire).collect();
            let (items, next) = page(&all, request.as_ref(), self.registry.page_size)?;
            let mut result =
                ListResourcesResult::with_all_items(items.into_iter().cloned().collect());
            result.next_cursor = next;
            Ok(result)
        }
        .boxed()
    }

    fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourceTemplatesResult, ErrorData>> + Send + '_ {
        async move {
            let all: Vec<&rmcp::model::ResourceTemplate> =
                self.registry.templates.iter().map(|t| &t.wire).collect();
            let (items, next) = page(&all, request.as_ref(), self.registry.page_size)?;
            let mut result =
                ListResourceTemplatesResult::with_all_items(items.into_iter().cloned().collect());
            result.next_cursor = next;
            Ok(result)
        }
        .boxed()
    }

    fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ReadResourceResponse, ErrorData>> + Send + '_ {
        async move {
            self.read(&request.uri, context)
                .await
                .map(ReadResourceResponse::from)
        }
        .boxed()
    }

    fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListPromptsResult, ErrorData>> + Send + '_ {
        async move {
            let all: Vec<&rmcp::model::Prompt> =
                self.registry.prompts.iter().map(|p| &p.wire).collect();
            let (items, next) = page(&all, request.as_ref(), self.registry.page_size)?;
            let mut result =
                ListPromptsResult::with_all_items(items.into_iter().cloned().collect());
            result.next_cursor = next;
            Ok(result)
        }
        .boxed()
    }

    fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<GetPromptResponse, ErrorData>> + Send + '_ {
        self.prompt(request, context).boxed()
    }

    fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + Send + '_ {
        async move {
            if let Ok(mut level) = self.log_level.lock() {
                *level = Some(from_rmcp_level(request.level));
            }
            Ok(())
        }
        .boxed()
    }

    // Subscriptions are accepted for every resource the server serves. The runtime
    // sends no `notifications/resources/updated` of its own: static content never
    // changes; a handler whose content does change notifies through
    // `ToolContext::peer()` (`notify_resource_updated`).
    fn subscribe(
        &self,
        request: rmcp::model::SubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + Send + '_ {
        async move {
            self.known_resource(&request.uri)?;
            tracing::debug!(uri = %request.uri, "resource subscribed");
            Ok(())
        }
        .boxed()
    }

    // 2026-07-28 `subscriptions/listen`: every requested category the capabilities
    // advertise is acknowledged (rmcp intersects the filter with them); the stream
    // stays open until the client cancels it, for updates a handler sends.
    fn accepted_subscription_filter(
        &self,
        requested: &rmcp::model::SubscriptionFilter,
    ) -> Option<rmcp::model::SubscriptionFilter> {
        Some(requested.clone())
    }

    fn unsubscribe(
        &self,
        request: rmcp::model::UnsubscribeRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + Send + '_ {
        async move {
            self.known_resource(&request.uri)?;
            tracing::debug!(uri = %request.uri, "resource unsubscribed");
            Ok(())
        }
        .boxed()
    }

    // The tasks extension: rmcp answers -32021 before these run when the client did
    // not declare it, and -32601 when no tool of this server runs as a task.
    fn get_task(
        &self,
        request: rmcp::model::GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<rmcp::model::GetTaskResult, ErrorData>> + Send + '_ {
        async move {
            let agent = crate::guard::agent_key(&self.identity(&context));
            self.registry
                .tasks
                .get(&agent, &request.task_id)
                .map(rmcp::model::GetTaskResult::new)
        }
        .boxed()
    }

    fn update_task(
        &self,
        request: rmcp::model::UpdateTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + Send + '_ {
        async move {
            let agent = crate::guard::agent_key(&self.identity(&context));
            let responses =
                checked_input_responses(&request.task_id, Some(request.input_responses))?;
            self.registry
                .tasks
                .update(&agent, &request.task_id, responses)
        }
        .boxed()
    }

    fn cancel_task(
        &self,
        request: rmcp::model::CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<(), ErrorData>> + Send + '_ {
        async move {
            let agent = crate::guard::agent_key(&self.identity(&context));
            self.registry.tasks.cancel(&agent, &request.task_id)?;
            tracing::info!(task = %request.task_id, outcome = "task_cancel_requested", "task cancellation requested");
            Ok(())
        }
        .boxed()
    }

    // The server serves no custom method: this is a method MCP does not have, or one
    // of its methods with params rmcp could not parse (rmcp would answer both with the
    // bare method name).
    fn on_custom_request(
        &self,
        request: rmcp::model::CustomRequest,
        context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<rmcp::model::CustomResult, ErrorData>> + Send + '_ {
        let stateless = context
            .meta
            .protocol_version()
            .is_some_and(|v| v.as_str() >= rmcp::model::ProtocolVersion::V_2026_07_28.as_str());
        std::future::ready(Err(crate::methods::not_served(&request, stateless)))
    }

    fn on_initialized(
        &self,
        _context: rmcp::service::NotificationContext<RoleServer>,
    ) -> impl Future<Output = ()> + Send + '_ {
        tracing::debug!("client initialized");
        std::future::ready(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// See the test of the same name in `http.rs`.
    const PER_THREAD_CACHE_BYTES: usize = 1032;

    fn size_of_output<A, B, R>(_: impl Fn(A, B) -> R) -> usize {
        std::mem::size_of::<R>()
    }

    /// `call_tool` boxes this future for every tool call.
    #[test]
    fn a_tool_calls_future_fits_glibcs_per_thread_cache() {
        let server = crate::Server::builder(crate::ServerInfo::default())
            .build()
            .expect("an empty server builds");
        let handler = server.handler();
        let size = size_of_output(
            |params: CallToolRequestParams, context: RequestContext<RoleServer>| {
                handler.call(params, context)
            },
        );
        assert!(
            size <= PER_THREAD_CACHE_BYTES,
            "a tool call's future is {size} bytes, over {PER_THREAD_CACHE_BYTES}: something large \
             now lives across one of its awaits (rustc -Zprint-type-sizes shows what)"
        );
    }
}
