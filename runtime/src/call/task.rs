//! A tool call that continues as a task (the tasks extension): started, run, ended.

use std::sync::Arc;

use rmcp::{
    ErrorData,
    model::{CallToolResponse, CallToolResult},
    task_manager::{TaskContext, TaskExit},
};
use serde_json::{Value, json};
use tracing::Instrument as _;

use crate::call::{results::*, tool::*};
use crate::declare::tool::ToolContext;
use crate::protocol::service::*;

impl McpService {
    /// Starts the call as a task of `agent` and answers with its id, or refuses it as
    /// `too_many_tasks`.
    pub(crate) fn spawn_task(
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
            Err(crate::call::task_registry::AtCapacity(running)) => {
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
}
