//! A `tools/call` request: the pipeline from identification to the shaped result.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use rmcp::{
    ErrorData, RoleServer,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, InputRequiredResult,
    },
    service::RequestContext,
};
use serde_json::{Value, json};

use crate::call::{results::*, run::*, state::*};
use crate::protocol::service::*;
use crate::{
    declare::registry::ToolEntry,
    declare::tool::{TaskStart, TaskSupport, ToolContext, ToolError, ToolOutput},
};

impl McpService {
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
    pub(crate) fn call(
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
    pub(crate) fn admissible(
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
    pub(crate) fn shaped(&self, index: usize, result: CallToolResult) -> CallToolResponse {
        if self.registry.tools[index].output.is_some() {
            error_object_as_text(result).into()
        } else {
            result.into()
        }
    }

    /// Validation, then the handler's run, started; or, without running it, what the
    /// call comes to (invalid arguments, or a task at once), boxed: the future of
    /// [`Self::call`] keeps the result of this function while the handler runs.
    pub(crate) fn begin(
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
    pub(crate) fn settle(
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
    pub(crate) async fn run_once(
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
    pub(crate) fn start(
        &self,
        tool: &ToolEntry,
        ctx: ToolContext,
        arguments: &Arc<Value>,
    ) -> (
        crate::declare::tool::BoxFuture<Result<ToolOutput, ToolError>>,
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
    pub(crate) fn ended(
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

    pub(crate) fn render_output(
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
}

/// Whether and when a call becomes a task (tasks extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TaskPlan {
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
pub(crate) fn task_plan(
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

/// A handler's run as [`McpService::begin`] started it.
pub(crate) struct Started {
    pub(crate) future: crate::declare::tool::BoxFuture<Result<ToolOutput, ToolError>>,
    /// Stops what the handler started when it times out or is cancelled.
    pub(crate) cancellation: tokio_util::sync::CancellationToken,
    pub(crate) timeout: Option<Duration>,
    pub(crate) arguments: Arc<Value>,
    /// The handler's context, for the task the call becomes should the handler ask to
    /// continue as one.
    pub(crate) resumable: Option<Box<ToolContext>>,
    pub(crate) started: Instant,
}

/// What a call came to ([`McpService::begin`], [`McpService::settle`]).
pub(crate) enum Executed {
    /// The answer to the request.
    Response(CallToolResponse),
    /// The call becomes a task, whose handler runs with this context and arguments.
    Task(ToolContext, Arc<Value>),
}

/// What one run of a handler came to ([`McpService::ended`]).
pub(crate) enum Run {
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
