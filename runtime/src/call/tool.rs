//! A `tools/call` request, stage by stage ([`McpService::call`]): identify the tool and
//! the caller, admit the call by the guardrails, validate its arguments, run the
//! handler, shape the result, record what the call came to.
//!
//! Each stage either hands the next one what it needs or ends the call with an
//! [`Answer`]: the reply and what goes into the request's record. A stage that checks
//! who may call what (`authorize`) goes between identify and admit: it takes the
//! [`Call`] (whose agent carries the caller's identity) and returns an `Err` answer to
//! refuse (outcome `unauthenticated` or `forbidden`).

use std::sync::Arc;

use rmcp::{
    ErrorData, RoleServer,
    model::{CallToolRequestParams, CallToolResponse, CallToolResult, JsonObject},
    service::RequestContext,
};
use serde_json::{Value, json};

use crate::call::{results::*, run::*, state::*};
use crate::declare::{
    registry::ToolEntry,
    tool::{TaskStart, TaskSupport, ToolContext},
};
use crate::guard::{Agent, Capped, GuardLayer, Refusal, Reserve};
use crate::observe::record::{Outcome, Record, Recording};
use crate::protocol::service::*;

/// A call identified: the tool, the agent the guardrails count it against, and whether
/// it becomes a task.
pub(crate) struct Call {
    pub(crate) index: usize,
    pub(crate) plan: TaskPlan,
    pub(crate) agent: Agent,
}

/// What the guardrails let through: the call's concurrency slots and breaker ticket,
/// and the reservation of its idempotency key.
#[derive(Default)]
pub(crate) struct Admitted {
    admission: Option<crate::guard::Admission>,
    reservation: Option<crate::guard::Reservation>,
}

/// What a tool call came to: the reply, and what goes into the request's record.
pub(crate) struct Answer {
    reply: Result<CallToolResponse, ErrorData>,
    outcome: Outcome,
    detail: Option<String>,
    replayed: bool,
    truncated: bool,
    /// Which budget or cap refused the call.
    scope: Option<&'static str>,
}

impl Answer {
    pub(crate) fn new(reply: CallToolResponse, outcome: Outcome) -> Self {
        Self {
            reply: Ok(reply),
            outcome,
            detail: None,
            replayed: false,
            truncated: false,
            scope: None,
        }
    }

    /// A JSON-RPC error instead of a result.
    fn error(error: ErrorData, outcome: Outcome) -> Box<Self> {
        Box::new(Self {
            reply: Err(error),
            outcome,
            detail: None,
            replayed: false,
            truncated: false,
            scope: None,
        })
    }

    pub(crate) fn with_detail(mut self, detail: Option<String>) -> Self {
        self.detail = detail;
        self
    }

    /// Labels a result reduced for an anonymous caller (see
    /// [`ToolContext::degrade_for_anonymous`]).
    fn label_degraded(&mut self) {
        if let Ok(CallToolResponse::Complete(result)) = &mut self.reply {
            let mut meta = result.meta.take().unwrap_or_default();
            let label = json!({"reason": "anonymous_caller"});
            meta.0
                .insert(crate::declare::tool::DEGRADED_META_KEY.to_owned(), label);
            result.meta = Some(meta);
        }
    }

    fn write(&self, record: &mut Record) {
        if let Err(error) = &self.reply {
            record.error_code = Some(error.code.0);
        }
        record.outcome = Some(self.outcome);
        record.detail.clone_from(&self.detail);
        record.replayed = self.replayed;
        record.truncated = self.truncated;
        record.scope = self.scope;
    }
}

impl McpService {
    /// A tool call, as clients receive it.
    pub(crate) async fn call(
        &self,
        mut params: CallToolRequestParams,
        mut context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let record = Recording::of_request(&context);
        let answer = async {
            // 1. Identify.
            let call = self.identify(&params, &context, &record)?;
            // 2. Admit by the guardrails. (The audit trail's summary first: a refused
            // call's arguments are worth keeping too.)
            let arguments = params.arguments.take().unwrap_or_default();
            let audit = &self.registry.tools[call.index].def.audit;
            if let Some(summary) = crate::observe::audit::summarize(audit, &arguments) {
                record.update(|r| r.arguments = Some(summary));
            }
            let admitted = self.admit(&call, &arguments).await?;
            // 3. Validate.
            let round = Round::take(&mut params);
            let (ctx, arguments) = self.validate(&call, arguments, round, &mut context)?;
            let degraded = Arc::clone(&ctx.degraded);
            if call.plan == TaskPlan::AtOnce {
                return Ok(self.spawn_task(&call, ctx, arguments, admitted.admission));
            }
            // 4. Run. Should the handler ask to continue as a task, `resumable` is the
            // task's context.
            let resumable = (call.plan == TaskPlan::ByHandler).then(|| ctx.clone());
            let tool = &self.registry.tools[call.index];
            let run = self
                .run_once(tool, ctx, &arguments, context.ct.cancelled())
                .await;
            // 5. Shape.
            let mut answer = self.shape(&call, admitted, run, resumable, arguments);
            if degraded.load(std::sync::atomic::Ordering::Relaxed) {
                answer.label_degraded();
            }
            Ok(answer)
        }
        .await
        .unwrap_or_else(|answer: Box<Answer>| *answer);
        // 6. Record.
        record.update(|r| answer.write(r));
        answer.reply
    }

    /// Identify: the agent the guardrails count the call against, the tool, the
    /// client's capabilities it needs, and whether the call becomes a task.
    fn identify(
        &self,
        params: &CallToolRequestParams,
        context: &RequestContext<RoleServer>,
        record: &Recording,
    ) -> Result<Call, Box<Answer>> {
        let agent = Agent::new(self.identity(context));
        record.update(|r| r.agent = Some(agent.key_owned()));
        let name = params.name.as_ref();
        let Some(&index) = self.registry.tool_index.get(name) else {
            let error = unknown_tool(&self.registry, name);
            return Err(Answer::error(error, Outcome::NotFound));
        };
        let tool = &self.registry.tools[index];
        let refused = |error| Answer::error(error, Outcome::ProtocolError);
        missing_client_capabilities(name, &tool.def.client_capabilities, context)
            .map_err(refused)?;
        let plan = task_plan(tool, context).map_err(refused)?;
        Ok(Call { index, plan, agent })
    }

    /// Admit by the guardrails (the same on every transport): a repeated idempotency key
    /// is answered with its first call's result; otherwise the checks before a call run
    /// ([`GuardLayer::admit`]) and the key is reserved for this call.
    async fn admit(&self, call: &Call, arguments: &JsonObject) -> Result<Admitted, Box<Answer>> {
        let guard = &self.registry.guard;
        if !guard.enabled() {
            return Ok(Admitted::default());
        }
        let key = guard.idempotency_key(call.index, &call.agent, arguments);
        if let Some(stored) = key.as_deref().and_then(|k| guard.replay(call.index, k)) {
            return Err(self.replayed(call.index, stored));
        }
        let admission = match guard.admit(call.index, &call.agent).await {
            Ok(admission) => admission,
            Err(Refusal {
                result,
                outcome,
                detail,
                scope,
            }) => {
                let shaped = self.shaped(call.index, result);
                let mut answer = Answer::new(shaped, outcome).with_detail(Some(detail));
                answer.scope = scope;
                return Err(Box::new(answer));
            }
        };
        let mut reservation = None;
        if let Some(key) = key {
            match guard.reserve(call.index, &key).await {
                Some(Reserve::Replay(stored)) => return Err(self.replayed(call.index, stored)),
                Some(Reserve::Run(r)) => reservation = Some(r),
                None => {}
            }
        }
        Ok(Admitted {
            admission: Some(admission),
            reservation,
        })
    }

    /// The first result of a repeated idempotency key, as the first call came to.
    fn replayed(&self, index: usize, stored: crate::guard::Stored) -> Box<Answer> {
        let mut answer = Answer::new(self.shaped(index, stored.result), stored.outcome);
        answer.replayed = true;
        Box::new(answer)
    }

    /// Validate: the arguments against the tool's input schema; then the handler's
    /// context, with the verified `requestState` and the answers of a later round of an
    /// input-required exchange.
    fn validate(
        &self,
        call: &Call,
        arguments: JsonObject,
        round: Option<Round>,
        context: &mut RequestContext<RoleServer>,
    ) -> Result<(ToolContext, Arc<Value>), Box<Answer>> {
        let tool = &self.registry.tools[call.index];
        let name = tool.def.name.as_str();
        let mut instance = Value::Object(arguments);
        let mut violations = tool.input.violations(&instance);
        // Still an object: `prepare` changes values inside it, never its kind.
        tool.input.prepare(&mut instance);
        if !violations.is_empty() {
            crate::observe::audit::summary::redact_violations(&tool.def.audit.pii, &mut violations);
            let result = self.shaped(call.index, invalid_arguments(name, &violations));
            return Err(Box::new(Answer::new(result, Outcome::InvalidArguments)));
        }
        let identity = call.agent.identity().clone();
        let mut ctx = self.context_of(Arc::clone(&tool.name), identity, context);
        if let Some(round) = round {
            let refused = |error| Answer::error(error, Outcome::ProtocolError);
            if let Some(sealed) = &round.request_state {
                let state = self.open_request_state(StateScope::Tool(name), sealed);
                ctx.request_state = Some(state.map_err(refused)?);
            }
            let responses = checked_input_responses(name, round.input_responses);
            let responses = responses.map_err(refused)?;
            if !responses.is_empty() {
                ctx.input_responses = Arc::new(responses);
            }
        }
        ctx.can_continue_as_task = call.plan == TaskPlan::ByHandler;
        Ok((ctx, Arc::new(instance)))
    }

    /// Shape: what the run came to as the client receives it. A result is counted by the
    /// breaker, held to the size cap, and stored for its idempotency key. An
    /// input-required answer is not a result yet: it is neither size-checked nor
    /// counted, and its key stays free for the next round. A call that continues as a
    /// task holds its admission until the task ends; its key is freed.
    fn shape(
        &self,
        call: &Call,
        admitted: Admitted,
        run: Run,
        resumable: Option<ToolContext>,
        arguments: Arc<Value>,
    ) -> Answer {
        let name = self.registry.tools[call.index].def.name.as_str();
        let done = match run {
            Run::Done(done) => done,
            Run::Input(mut input) => {
                self.seal_request_state(StateScope::Tool(name), &mut input);
                return Answer::new(
                    CallToolResponse::InputRequired(input),
                    Outcome::InputRequired,
                );
            }
            Run::Cancelled => Done {
                result: error_result(
                    format!("The call to `{name}` was cancelled."),
                    json!({"status": "error", "code": "cancelled", "message": "cancelled by the client", "retryable": true}),
                ),
                outcome: Outcome::Cancelled,
                detail: None,
            },
            Run::ContinueAsTask => match resumable {
                Some(ctx) => return self.spawn_task(call, ctx, arguments, admitted.admission),
                None => Done::bug(
                    name,
                    "the handler returned ContinueAsTask, but this call cannot become a task \
                     (see ToolContext::can_continue_as_task)"
                        .to_owned(),
                ),
            },
        };
        let guard = &self.registry.guard;
        if let Some(admission) = admitted.admission {
            guard.finish(call.index, admission, done.outcome);
        }
        let (result, capped) = guard.cap(call.index, done.result);
        let (mut outcome, mut detail, mut truncated) = (done.outcome, done.detail, false);
        match capped {
            Capped::Whole => {}
            Capped::Truncated { detail: why } => {
                truncated = true;
                detail.get_or_insert(why);
            }
            Capped::Refused { detail: why } => {
                outcome = Outcome::ResponseTooLarge;
                detail = Some(why);
            }
        }
        if let Some(reservation) = admitted.reservation {
            GuardLayer::store(reservation, &result, outcome);
        }
        let mut answer = Answer::new(self.shaped(call.index, result), outcome).with_detail(detail);
        answer.truncated = truncated;
        answer
    }

    /// A complete result of tool `index` as clients receive it ([`error_object_as_text`]).
    pub(crate) fn shaped(&self, index: usize, result: CallToolResult) -> CallToolResponse {
        if self.registry.tools[index].output.is_some() {
            error_object_as_text(result).into()
        } else {
            result.into()
        }
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
    /// When its handler returns [`crate::ToolOutput::ContinueAsTask`].
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
            "the tool `{name}` runs only as a task, and this client did not declare the tasks extension \
             (`{}`); use a client that supports it and declare it in its capabilities (at initialize, or \
             in the request's `_meta` under io.modelcontextprotocol/clientCapabilities.extensions)",
            rmcp::model::TASKS_EXTENSION_ID
        )
        .into();
        return Err(error);
    }
    Ok(match tool.def.task_start {
        TaskStart::AtOnce => TaskPlan::AtOnce,
        TaskStart::ByHandler => TaskPlan::ByHandler,
    })
}
