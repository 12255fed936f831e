//! One run of a handler: its panic caught, its timeout and cancellation applied
//! ([`run_handler`]); for a tool, what the run came to ([`Run`]): a result for the
//! client with its [`Outcome`], a request for input, a task to continue as, or nothing
//! (cancelled).

use std::{sync::Arc, time::Duration};

use futures::FutureExt as _;
use rmcp::model::{CallToolResult, ContentBlock, InputRequiredResult};
use serde_json::{Value, json};

use crate::call::results::{error_result, unexpected_result};
use crate::declare::{
    registry::ToolEntry,
    tool::{ToolContext, ToolError, ToolOutput},
};
use crate::observe::record::Outcome;
use crate::protocol::service::McpService;

/// How a handler run by [`run_handler`] ended.
pub(crate) enum Ended<T> {
    Finished(T),
    /// It panicked; the panic's message.
    Panicked(String),
    TimedOut,
    /// The client cancelled the request.
    Cancelled,
}

/// Runs a handler in rmcp's task for the request rather than a task of its own: a
/// panic is caught here, and returning early (timeout, cancellation) drops the handler.
pub(crate) fn run_handler<F: Future, C: Future<Output = ()>>(
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
    pub(crate) struct HandlerRun<F, C> {
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

/// What one run of a tool's handler came to ([`McpService::run_once`]).
pub(crate) enum Run {
    /// A result for the client: a success, a declared error, a timeout, or the result
    /// that reports a bug in the server.
    Done(Done),
    /// The handler needs input from the client first.
    Input(InputRequiredResult),
    /// The handler asks to continue as a task.
    ContinueAsTask,
    /// The client cancelled the request (or the task).
    Cancelled,
}

/// A result for the client and what the call came to.
#[derive(Debug)]
pub(crate) struct Done {
    pub(crate) result: CallToolResult,
    pub(crate) outcome: Outcome,
    /// What went wrong inside, for operators.
    pub(crate) detail: Option<String>,
}

impl Done {
    /// The result that reports a bug in the server; `detail` says what the bug was.
    pub(crate) fn bug(tool: &str, detail: String) -> Self {
        Self {
            result: unexpected_result(tool),
            outcome: Outcome::InternalError,
            detail: Some(detail),
        }
    }
}

impl McpService {
    /// One run of a tool's handler under its time limit, until `cancelled` fires.
    pub(crate) async fn run_once(
        &self,
        tool: &ToolEntry,
        ctx: ToolContext,
        arguments: &Arc<Value>,
        cancelled: impl Future<Output = ()>,
    ) -> Run {
        let cancellation = ctx.cancellation.clone();
        let timeout = tool.def.timeout.or(self.registry.default_timeout);
        let future = (tool.handler)(ctx, Arc::clone(arguments));
        let ended = run_handler(future, timeout, cancelled).await;
        if matches!(ended, Ended::Cancelled | Ended::TimedOut) {
            // Stops what the handler started.
            cancellation.cancel();
        }
        self.ended(tool, ended, arguments, timeout)
    }

    /// What a run of a handler came to.
    fn ended(
        &self,
        tool: &ToolEntry,
        ended: Ended<Result<ToolOutput, ToolError>>,
        arguments: &Value,
        timeout: Option<Duration>,
    ) -> Run {
        let name = tool.def.name.as_str();
        let output = match ended {
            Ended::Cancelled => return Run::Cancelled,
            Ended::TimedOut => return Run::Done(timed_out(name, timeout)),
            Ended::Panicked(text) => {
                return Run::Done(Done::bug(name, format!("the handler panicked: {text}")));
            }
            Ended::Finished(output) => output,
        };
        let done = match output {
            Ok(ToolOutput::InputRequired(input)) => return Run::Input(input),
            Ok(ToolOutput::ContinueAsTask) => return Run::ContinueAsTask,
            Ok(output) => match self.render_output(tool, output) {
                Ok(result) => Done {
                    result,
                    outcome: Outcome::Ok,
                    detail: None,
                },
                Err(problem) => Done::bug(
                    name,
                    format!("the handler's output breaks the tool's contract: {problem}"),
                ),
            },
            Err(ToolError::Declared { code, fields }) => {
                let Some((def, template)) = tool.errors.get(&code) else {
                    return Run::Done(Done::bug(
                        name,
                        format!(
                            "the handler returned the error code `{code}`, which the tool does not declare"
                        ),
                    ));
                };
                let no_arguments = serde_json::Map::new();
                let arguments = arguments.as_object().unwrap_or(&no_arguments);
                let (message, missing) = template.render(&fields, arguments);
                let detail = (!missing.is_empty()).then(|| {
                    format!("the message of `{code}` has placeholders with no value: {missing:?}")
                });
                Done {
                    result: error_result(
                        message.clone(),
                        json!({"status": "error", "code": code, "message": message, "retryable": def.retryable}),
                    ),
                    outcome: Outcome::ToolError {
                        retryable: def.retryable,
                    },
                    detail,
                }
            }
            Err(ToolError::Unexpected(error)) => Done::bug(name, format!("{error:#}")),
        };
        Run::Done(done)
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

fn timed_out(name: &str, timeout: Option<Duration>) -> Done {
    let limit_ms = timeout.map_or(0, |t| t.as_millis()) as u64;
    let message = format!(
        "The tool `{name}` did not finish within its time limit of {limit_ms} ms and was stopped. \
         Try again later, or ask for less (a narrower query) so it finishes in time."
    );
    Done {
        result: error_result(
            message.clone(),
            json!({"status": "error", "code": "timeout", "message": message, "retryable": true, "limit_ms": limit_ms}),
        ),
        outcome: Outcome::Timeout,
        detail: Some(format!("no answer within {limit_ms} ms")),
    }
}
