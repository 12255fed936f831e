//! A tool call that continues as a task (the tasks extension): started, run, ended.

use std::sync::Arc;

use rmcp::{
    ErrorData,
    model::CallToolResult,
    task_manager::{TaskContext, TaskExit},
};
use serde_json::{Value, json};
use tracing::Instrument as _;

use crate::call::{results::*, run::*, tool::*};
use crate::declare::tool::ToolContext;
use crate::guard::Capped;
use crate::observe::record::Outcome;
use crate::protocol::service::*;

impl McpService {
    /// Starts the call as a task of its agent and answers with the task's id, or
    /// refuses it as `too_many_tasks`.
    pub(crate) fn spawn_task(
        &self,
        call: &Call,
        ctx: ToolContext,
        arguments: Arc<Value>,
        admission: Option<crate::guard::Admission>,
    ) -> Answer {
        let this = self.clone();
        let index = call.index;
        let spawned = self.registry.tasks.spawn(call.agent.key(), move |task| {
            // The events of the handler's runs carry the task's id.
            let span = tracing::info_span!("task", id = %task.task_id());
            Box::pin(
                async move { this.run_task(index, ctx, arguments, admission, task).await }
                    .instrument(span),
            )
        });
        let name = self.registry.tools[index].def.name.as_str();
        match spawned {
            Ok(task) => Answer::new(
                rmcp::model::CreateTaskResult::new(task).into(),
                Outcome::TaskCreated,
            ),
            Err(crate::call::task_registry::AtCapacity(running)) => {
                let message = format!(
                    "The server already runs {running} tasks, as many as it allows, so `{name}` did not start. \
                     Wait for some of your tasks to end (poll them with tasks/get, or stop those you no longer need with tasks/cancel), then call again."
                );
                let refusal = error_result(
                    message.clone(),
                    json!({"status": "error", "code": "too_many_tasks", "message": message, "retryable": true, "running": running}),
                );
                Answer::new(refusal, Outcome::Overloaded)
                    .with_detail(Some(format!("{running} tasks running, the cap")))
            }
        }
    }

    /// The body of a task: the handler runs; when it asks for input, the task waits in
    /// `input_required` until the client answers every request with `tasks/update`,
    /// then the handler runs again with the answers. A tool error (declared, invalid
    /// output, timeout) completes the task with `isError`; a bug in the server (a panic,
    /// an unexpected error) fails it with a JSON-RPC error. The task's end is logged
    /// once, like a request's.
    pub(crate) async fn run_task(
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
        let done = loop {
            let run = self
                .run_once(tool, ctx.clone(), &arguments, task.cancelled())
                .await;
            match run {
                Run::Done(done) => break done,
                Run::Cancelled => {
                    task_ended(name, Outcome::Cancelled, None);
                    return Err(TaskExit::Cancelled);
                }
                Run::Input(input) => {
                    let Some(answers) = self
                        .registry
                        .tasks
                        .ask(&task, input.input_requests, &mut surfaced)
                        .await?
                    else {
                        let detail = "the handler asked for input but gave no input request";
                        break Done::bug(name, detail.to_owned());
                    };
                    ctx.input_responses = Arc::new(answers);
                    ctx.request_state = input.request_state.map(Arc::from);
                }
                Run::ContinueAsTask => {
                    let detail = "the handler returned ContinueAsTask inside its task";
                    break Done::bug(name, detail.to_owned());
                }
            }
        };
        let guard = &self.registry.guard;
        if let Some(admission) = admission {
            guard.finish(index, admission, done.outcome);
        }
        let (result, capped) = guard.cap(index, done.result);
        let (outcome, detail) = match capped {
            Capped::Refused { detail } => (Outcome::ResponseTooLarge, Some(detail)),
            Capped::Whole | Capped::Truncated { .. } => (done.outcome, done.detail),
        };
        task_ended(name, outcome, detail.as_deref());
        if done.outcome == Outcome::InternalError {
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
}

/// The one event of a task's end (in the task's span, which carries its id).
fn task_ended(tool: &str, outcome: Outcome, detail: Option<&str>) {
    if outcome.is_failure() {
        tracing::warn!(tool, outcome = outcome.as_str(), detail, "task ended");
    } else {
        tracing::info!(tool, outcome = outcome.as_str(), detail, "task ended");
    }
}
