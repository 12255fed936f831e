//! Tools: what generated code declares ([`ToolDef`]), what handlers return
//! ([`ToolOutput`], [`ToolError`]) and what they receive ([`ToolContext`]).

use std::{
    fmt,
    future::Future,
    net::IpAddr,
    pin::Pin,
    sync::{Arc, OnceLock},
    time::Duration,
};

use rmcp::{
    Peer, RoleServer,
    model::{
        ClientCapabilities, InputRequests, InputRequiredResult, InputResponses,
        ProgressNotificationParam, ProgressToken, ProtocolVersion, RequestMetaObject,
    },
};
use serde::Serialize;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

/// A boxed, sendable future: what registered handlers are erased to.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A tool's handler. The validated arguments (an object) are shared, not copied: the
/// runtime keeps them to render a declared error's message after the handler ran.
pub(crate) type ToolHandler =
    Arc<dyn Fn(ToolContext, Arc<Value>) -> BoxFuture<Result<ToolOutput, ToolError>> + Send + Sync>;

/// The declaration of one tool, as the generator emits it.
///
/// Every field is plain data; [`crate::ServerBuilder::build`] checks it (schema
/// literals compile, names are unique, message templates parse) and says what to fix.
#[derive(Debug, Clone, Default)]
pub struct ToolDef {
    /// Programmatic name, unique in the server (`get_forecast`).
    pub name: String,
    /// Human-readable title; sent as the tool's `title` and as `annotations.title`.
    pub title: Option<String>,
    /// What the tool does, for the model.
    pub description: String,
    /// JSON Schema (2020-12) of the arguments: an object schema, complete and strict
    /// (`additionalProperties: false` everywhere). Arguments are validated against it
    /// before the handler runs.
    pub input_schema: Value,
    /// JSON Schema of `structuredContent`, if the tool returns structured output.
    /// Must be an object schema; non-object outputs are wrapped as `{"result": ...}`
    /// by the generated code. The runtime checks each result against it.
    pub output_schema: Option<Value>,
    /// Behaviour hints; all four are always sent.
    pub annotations: Annotations,
    /// The errors the handler may return as [`ToolError::Declared`].
    pub errors: Vec<ErrorDef>,
    /// Cancel the handler after this long (overrides the server default).
    pub timeout: Option<Duration>,
    /// Refuse to send a result whose JSON is larger than this many bytes.
    pub max_response_bytes: Option<usize>,
    /// Scopes a caller's credential must grant, all of them (`auth.scopes`), when the
    /// server has auth on ([`crate::ServerBuilder::auth`]).
    pub scopes: Vec<String>,
    /// Callable without a credential when auth is on; the handler sees an anonymous
    /// [`crate::Principal`] ([`ToolContext::principal`]).
    pub anonymous: bool,
    /// Client capabilities the tool needs: a client that did not declare one of them
    /// gets JSON-RPC error -32021 (HTTP 400) naming it, and the handler does not run.
    pub client_capabilities: Vec<ClientCapability>,
    /// Rate limits, concurrency cap, circuit breaker, idempotency keys, and what a
    /// result over `max_response_bytes` becomes (see [`crate::ToolGuard`]).
    pub guard: crate::guard::ToolGuard,
    /// Whether a call may become a task of the tasks extension (2026-07-28,
    /// `io.modelcontextprotocol/tasks`): the client gets a task id at once and polls
    /// `tasks/get` for the result (default: never).
    pub task: TaskSupport,
    /// When a call of a task tool becomes a task (default: as soon as it is admitted).
    pub task_start: TaskStart,
    /// What the audit trail keeps of its arguments, and which are PII.
    pub audit: crate::ToolAudit,
}

/// Whether a tool's calls may become tasks ([`ToolDef::task`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskSupport {
    /// Every call answers with its result.
    #[default]
    Never,
    /// A call becomes a task when the client declared the tasks extension
    /// (`io.modelcontextprotocol/tasks`, at `initialize` or in the request's
    /// `_meta`); from other clients it runs as any call.
    Optional,
    /// Calls run only as tasks: a client that did not declare the extension gets
    /// JSON-RPC error -32021 naming it, and the handler does not run.
    Required,
}

/// When a call of a task tool becomes a task ([`ToolDef::task_start`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskStart {
    /// As soon as the call is admitted (its arguments are valid and the guardrails
    /// let it through); the handler runs only inside the task.
    #[default]
    AtOnce,
    /// When the handler returns [`ToolOutput::ContinueAsTask`]: it runs in the
    /// request first, where it may ask for input in rounds
    /// ([`ToolOutput::InputRequired`]) or answer at once, and then runs again inside
    /// the task, with the same arguments and answers.
    ByHandler,
}

/// A capability a client declares (in `initialize`, or per request on 2026-07-28)
/// that a tool may need ([`ToolDef::client_capabilities`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientCapability {
    /// The client answers `sampling/createMessage`.
    Sampling,
    /// The client answers `elicitation/create`.
    Elicitation,
    /// The client answers `roots/list`.
    Roots,
}

impl ClientCapability {
    /// The capability's key in `ClientCapabilities` (`sampling`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sampling => "sampling",
            Self::Elicitation => "elicitation",
            Self::Roots => "roots",
        }
    }

    /// Whether `declared` includes this capability.
    #[allow(deprecated)]
    pub(crate) fn declared_in(self, declared: &ClientCapabilities) -> bool {
        match self {
            Self::Sampling => declared.sampling.is_some(),
            Self::Elicitation => declared.elicitation.is_some(),
            Self::Roots => declared.roots.is_some(),
        }
    }
}

/// Tool behaviour hints (MCP `ToolAnnotations`). All four are sent explicitly.
///
/// `Default` gives the MCP defaults: not read-only, destructive, not idempotent,
/// open world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotations {
    /// `readOnlyHint`: the tool does not modify its environment.
    pub read_only: bool,
    /// `destructiveHint`: the tool may perform destructive updates.
    pub destructive: bool,
    /// `idempotentHint`: calling it again with the same arguments has no further effect.
    pub idempotent: bool,
    /// `openWorldHint`: the tool interacts with an open world of external entities.
    pub open_world: bool,
}

impl Default for Annotations {
    fn default() -> Self {
        Self {
            read_only: false,
            destructive: true,
            idempotent: false,
            open_world: true,
        }
    }
}

/// One error a tool declares, returned by its handler as [`ToolError::Declared`].
#[derive(Debug, Clone, Default)]
pub struct ErrorDef {
    /// Stable machine-readable code (`city_not_found`); sent in `structuredContent.code`.
    pub code: String,
    /// The message shown to the model. `{name}` is replaced by the error's field
    /// `name`, or else by the call's argument `name`; `{{` and `}}` are literal braces.
    /// Example: `"No city named {city}. Check the spelling or pass coordinates."`
    pub message_template: String,
    /// Whether retrying the same call may succeed; sent as `structuredContent.retryable`.
    pub retryable: bool,
}

/// What a tool handler returns on success.
#[derive(Debug, Clone)]
pub enum ToolOutput {
    /// Structured output: sent as `structuredContent`, plus a text block holding the
    /// same JSON (some clients show only text). Must be an object when the tool
    /// declares an output schema, and must validate against it.
    Structured(Value),
    /// Plain text.
    Text(String),
    /// A list of content blocks (text, images, audio, resources).
    Content(Vec<rmcp::model::ContentBlock>),
    /// The call needs input from the client first (2026-07-28 `InputRequiredResult`,
    /// SEP-2322): the client answers each request (elicitation, sampling, roots) and
    /// calls again with the answers, which the handler reads with
    /// [`ToolContext::input_response`]. Build it with [`ToolOutput::input_required`].
    /// Older clients cannot answer it: check [`ToolContext::protocol_version`] first.
    InputRequired(InputRequiredResult),
    /// [`ToolOutput::Structured`], from a type `mcpgen generate` emitted, which has
    /// checked itself against the tool's output schema: the runtime does not walk the
    /// JSON again. Built by generated code only
    /// ([`ToolOutput::structured_prechecked`]).
    #[doc(hidden)]
    Prechecked(Value),
    /// Continue this call as a task (for tools with [`TaskStart::ByHandler`]): the
    /// client gets a task id now, and the handler runs again inside the task, with
    /// the same arguments, answers and request state. Return it only when
    /// [`ToolContext::can_continue_as_task`] says so; otherwise the call ends as an
    /// unexpected error.
    ContinueAsTask,
}

impl ToolOutput {
    /// Serialize `value` into [`ToolOutput::Structured`].
    ///
    /// # Errors
    /// [`ToolError::Unexpected`] when `value` does not serialize to JSON.
    pub fn structured(value: impl Serialize) -> Result<Self, ToolError> {
        serde_json::to_value(value)
            .map(Self::Structured)
            .map_err(ToolError::unexpected)
    }

    /// Serialize `value`, which [`SatisfiesSchema`](crate::__private::SatisfiesSchema)
    /// found `satisfied` or not: into [`ToolOutput::Prechecked`] when it is, else into
    /// [`ToolOutput::Structured`], which the runtime validates (and whose violations
    /// it reports). For generated code.
    ///
    /// # Errors
    /// [`ToolError::Unexpected`] when `value` does not serialize to JSON.
    #[doc(hidden)]
    pub fn structured_prechecked(
        value: impl Serialize,
        satisfied: bool,
    ) -> Result<Self, ToolError> {
        let value = serde_json::to_value(value).map_err(ToolError::unexpected)?;
        Ok(if satisfied {
            Self::Prechecked(value)
        } else {
            Self::Structured(value)
        })
    }

    /// Plain text output.
    pub fn text(text: impl Into<String>) -> Self {
        Self::Text(text.into())
    }

    /// Ask the client for input before the call can complete ([`ToolOutput::InputRequired`]).
    ///
    /// `requests` maps a key of the handler's choice to a request, as JSON:
    /// `{"user_name": {"method": "elicitation/create", "params": {...}}}` (methods
    /// `elicitation/create`, `sampling/createMessage`, `roots/list`). `state` comes back
    /// on the next call as [`ToolContext::request_state`]; the runtime signs it, so the
    /// handler only ever sees state it issued itself.
    ///
    /// # Errors
    /// When a request is not one of those three methods or its params do not fit the
    /// method (`?` in a handler turns it into the tool's `Unexpected` error).
    pub fn input_required(
        requests: Value,
        state: Option<String>,
    ) -> Result<Self, serde_json::Error> {
        input_required_result(requests, state).map(Self::InputRequired)
    }
}

/// An `InputRequiredResult` from requests written as JSON (see
/// [`ToolOutput::input_required`]); prompts build theirs the same way.
pub(crate) fn input_required_result(
    requests: Value,
    state: Option<String>,
) -> Result<InputRequiredResult, serde_json::Error> {
    let requests: InputRequests = serde_json::from_value(requests)?;
    let requests = (!requests.is_empty()).then_some(requests);
    Ok(InputRequiredResult::new(requests, state))
}

impl From<String> for ToolOutput {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<&str> for ToolOutput {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

/// What a tool handler returns on failure.
///
/// Any `std::error::Error` converts into [`ToolError::Unexpected`] with `?`.
pub enum ToolError {
    /// One of the tool's declared errors ([`ErrorDef`]). The runtime renders its
    /// message template with `fields` (then the call's arguments) and returns a
    /// result with `isError: true`.
    Declared {
        /// The [`ErrorDef::code`].
        code: String,
        /// Values for the message template's placeholders.
        fields: Map<String, Value>,
    },
    /// A failure that is a bug or an outage, not the caller's fault. The client gets
    /// a generic message; the detail is logged on the server only.
    Unexpected(anyhow::Error),
}

impl ToolError {
    /// A declared error with no fields yet; add them with [`ToolError::with`].
    pub fn declared(code: impl Into<String>) -> Self {
        Self::Declared {
            code: code.into(),
            fields: Map::new(),
        }
    }

    /// Add a field to a declared error (no effect on [`ToolError::Unexpected`]).
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        if let Self::Declared { fields, .. } = &mut self {
            fields.insert(name.into(), value.into());
        }
        self
    }

    /// An unexpected error from anything `anyhow` accepts.
    pub fn unexpected(error: impl Into<anyhow::Error>) -> Self {
        Self::Unexpected(error.into())
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for ToolError {
    fn from(error: E) -> Self {
        Self::Unexpected(error.into())
    }
}

impl fmt::Debug for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Declared { code, fields } => f
                .debug_struct("Declared")
                .field("code", code)
                .field("fields", fields)
                .finish(),
            Self::Unexpected(error) => f.debug_tuple("Unexpected").field(error).finish(),
        }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Declared { code, .. } => write!(f, "declared error `{code}`"),
            Self::Unexpected(error) => write!(f, "unexpected error: {error:#}"),
        }
    }
}

/// The `_meta` key of a result reduced for an anonymous caller
/// ([`ToolContext::degrade_for_anonymous`]).
pub const DEGRADED_META_KEY: &str = "mcpgen/degraded";

/// Who is calling. Guardrails (rate limits, quotas) key on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Identity {
    /// Nothing is known about the caller (in-process transports).
    Anonymous,
    /// The process on the other end of stdin/stdout.
    Stdio,
    /// An unauthenticated HTTP client, by its IP address.
    Address(IpAddr),
    /// An authenticated principal (e.g. an OAuth subject), set by an auth layer that
    /// inserts an `Identity` into the HTTP request's extensions.
    Principal(String),
}

/// Log levels for [`ToolContext::log`] (the MCP `logging` levels, least severe first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Debug-level messages.
    Debug,
    /// Informational messages.
    Info,
    /// Normal but significant events.
    Notice,
    /// Warnings.
    Warning,
    /// Errors.
    Error,
    /// Critical conditions.
    Critical,
    /// Action must be taken immediately.
    Alert,
    /// The system is unusable.
    Emergency,
}

/// What a request's `_meta` says (the client's capabilities, protocol revision, log
/// level and progress token), read when a handler first asks: most calls never do.
#[derive(Debug)]
pub(crate) struct RequestInfo {
    meta: RequestMetaObject,
    peer: Peer<RoleServer>,
    /// The level set with `logging/setLevel` on this connection (sessions only).
    connection_level: Option<LogLevel>,
    capabilities: OnceLock<Option<ClientCapabilities>>,
    version: OnceLock<Option<ProtocolVersion>>,
    progress_token: OnceLock<Option<ProgressToken>>,
}

impl RequestInfo {
    pub(crate) fn new(
        meta: RequestMetaObject,
        peer: Peer<RoleServer>,
        connection_level: Option<LogLevel>,
    ) -> Self {
        Self {
            meta,
            peer,
            connection_level,
            capabilities: OnceLock::new(),
            version: OnceLock::new(),
            progress_token: OnceLock::new(),
        }
    }

    fn capabilities(&self) -> Option<&ClientCapabilities> {
        self.capabilities
            .get_or_init(|| {
                self.meta
                    .client_capabilities()
                    .or_else(|| self.peer.peer_info().map(|info| info.capabilities.clone()))
            })
            .as_ref()
    }

    fn version(&self) -> Option<&ProtocolVersion> {
        self.version
            .get_or_init(|| {
                self.meta.protocol_version().or_else(|| {
                    self.peer
                        .peer_info()
                        .map(|info| info.protocol_version.clone())
                })
            })
            .as_ref()
    }

    fn progress_token(&self) -> Option<&ProgressToken> {
        self.progress_token
            .get_or_init(|| self.meta.get_progress_token())
            .as_ref()
    }

    /// The lowest level the client wants log messages at, if any: 2026-07-28 asks per
    /// request in `_meta`; older clients use `logging/setLevel` per connection (and get
    /// info and above by default).
    fn log_level(&self) -> Option<LogLevel> {
        if let Some(level) = self.meta.log_level() {
            return Some(from_rmcp_level(level));
        }
        let modern = self
            .version()
            .is_some_and(|v| v.as_str() >= ProtocolVersion::V_2026_07_28.as_str());
        if modern {
            None
        } else {
            Some(self.connection_level.unwrap_or(LogLevel::Info))
        }
    }
}

/// What a handler knows about the request it serves. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ToolContext {
    pub(crate) name: Arc<str>,
    pub(crate) identity: Identity,
    pub(crate) principal: Option<Arc<crate::Principal>>,
    pub(crate) cancellation: CancellationToken,
    pub(crate) peer: Option<Peer<RoleServer>>,
    pub(crate) request: Option<Arc<RequestInfo>>,
    pub(crate) input_responses: Arc<InputResponses>,
    pub(crate) request_state: Option<Arc<str>>,
    /// The task this run belongs to, if it runs inside one.
    pub(crate) task_id: Option<Arc<str>>,
    /// Whether [`ToolOutput::ContinueAsTask`] would start a task.
    pub(crate) can_continue_as_task: bool,
    /// Set by [`ToolContext::degrade_for_anonymous`]: the result is labelled.
    pub(crate) degraded: Arc<std::sync::atomic::AtomicBool>,
    /// The trace the handler's work continues: the request's span when spans are
    /// exported, else the caller's context, if it sent one.
    pub(crate) trace: Option<opentelemetry::trace::SpanContext>,
}

impl ToolContext {
    /// A context not attached to any connection (for calling handlers in unit tests):
    /// notifications are dropped, the token is never cancelled by a client.
    pub fn detached(name: impl Into<Arc<str>>, identity: Identity) -> Self {
        Self {
            name: name.into(),
            identity,
            principal: None,
            cancellation: CancellationToken::new(),
            peer: None,
            request: None,
            input_responses: Arc::default(),
            request_state: None,
            task_id: None,
            can_continue_as_task: false,
            degraded: Arc::default(),
            trace: None,
        }
    }

    /// The id of the task this run belongs to (tasks extension), or `None` when the
    /// handler answers the request itself. Inside a task the request is over:
    /// [`ToolContext::peer`] is `None`, and progress and log messages are not sent;
    /// ask for input with [`ToolOutput::InputRequired`], which the task surfaces to
    /// the client as `input_required` until it answers with `tasks/update`.
    pub fn task_id(&self) -> Option<&str> {
        self.task_id.as_deref()
    }

    /// Whether returning [`ToolOutput::ContinueAsTask`] would start a task: the tool
    /// starts its tasks by handler, the client declared the tasks extension, and this
    /// run is not already inside a task.
    pub fn can_continue_as_task(&self) -> bool {
        self.can_continue_as_task
    }

    /// The capabilities the client declared (per request on 2026-07-28, from
    /// `initialize` before), if known.
    pub fn client_capabilities(&self) -> Option<&ClientCapabilities> {
        self.request.as_deref().and_then(RequestInfo::capabilities)
    }

    /// The client's answer to the input request `key` of a previous
    /// [`ToolOutput::InputRequired`] or [`crate::PromptOutput::InputRequired`] (an
    /// elicitation, sampling or roots result, as JSON).
    pub fn input_response(&self, key: &str) -> Option<&Value> {
        self.input_responses.get(key)
    }

    /// Every answer the client sent with this call (see [`ToolContext::input_response`]).
    pub fn input_responses(&self) -> &InputResponses {
        &self.input_responses
    }

    /// The `state` of the [`ToolOutput::input_required`] (or
    /// [`crate::PromptOutput::input_required`]) this request answers, verified: the
    /// runtime rejects a state it did not sign for this tool or prompt before the
    /// handler runs.
    pub fn request_state(&self) -> Option<&str> {
        self.request_state.as_deref()
    }

    /// The name of the tool, prompt or resource (template) being served.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Who is calling.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Who the caller is, when the server has auth on: the subject and scopes of the
    /// credential, or an anonymous principal on a target open to anonymous callers
    /// ([`crate::Principal::is_anonymous`]). `None` when auth is off, or for a request
    /// the gate does not check.
    pub fn principal(&self) -> Option<&crate::Principal> {
        self.principal.as_deref()
    }

    /// Whether the caller came without a credential, to a target open to anonymous
    /// callers (`anonymous: true`).
    pub fn is_anonymous(&self) -> bool {
        self.principal
            .as_deref()
            .is_some_and(crate::Principal::is_anonymous)
    }

    /// Says that this call's result is deliberately reduced because the caller is
    /// anonymous: the result's `_meta` gets [`DEGRADED_META_KEY`]
    /// (`{"reason": "anonymous_caller"}`), so a client can tell a partial answer from a
    /// complete one. Only for an anonymous caller: for an authenticated one it does
    /// nothing and returns `false`, so no result ever describes one as anonymous.
    pub fn degrade_for_anonymous(&self) -> bool {
        let anonymous = self.is_anonymous();
        if anonymous {
            self.degraded
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        anonymous
    }

    /// This context, as seen by `principal` (for calling handlers in unit tests).
    #[must_use]
    pub fn with_principal(mut self, principal: crate::Principal) -> Self {
        self.principal = Some(Arc::new(principal));
        self
    }

    /// Starts a span for a piece of this handler's work (a query, a call to an API):
    /// a child of the request's span, ended when dropped. It records nothing when spans
    /// are not exported (no OTLP endpoint is configured). See [`crate::ChildSpan`].
    ///
    /// ```
    /// # let ctx = mcpgen_runtime::ToolContext::detached("t", mcpgen_runtime::Identity::Stdio);
    /// let mut span = ctx.start_span("query forecasts");
    /// span.set_attribute("db.rows", 14_i64);
    /// // ... the work; `span.trace_headers()` for calls made inside it ...
    /// span.end();
    /// ```
    pub fn start_span(&self, name: impl Into<std::borrow::Cow<'static, str>>) -> crate::ChildSpan {
        crate::ChildSpan::start(self.trace.as_ref(), name.into())
    }

    /// The W3C trace context headers (`traceparent`, `tracestate`) to send with this
    /// handler's own outbound calls, so that they join the request's trace: the
    /// request's span when spans are exported, else the caller's context passed on
    /// unchanged, else nothing. See [`crate::TraceHeaders::iter`].
    pub fn trace_headers(&self) -> crate::TraceHeaders {
        crate::TraceHeaders::of(self.trace.as_ref())
    }

    /// The request's trace id (32 hex digits), to quote in the handler's own logs:
    /// its span's when spans are exported, else the caller's, if it sent one.
    pub fn trace_id(&self) -> Option<String> {
        let trace = self.trace.as_ref().filter(|t| t.is_valid());
        trace.map(|t| t.trace_id().to_string())
    }

    /// Cancelled when the client cancels the request, the call times out or the
    /// server shuts down. Long handlers should stop when it fires.
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.cancellation
    }

    /// Whether [`ToolContext::cancellation_token`] has fired.
    pub fn is_cancelled(&self) -> bool {
        self.cancellation.is_cancelled()
    }

    /// The protocol revision of this request (`2025-11-25`, `2026-07-28`, ...), if known.
    pub fn protocol_version(&self) -> Option<&str> {
        self.request
            .as_deref()
            .and_then(RequestInfo::version)
            .map(ProtocolVersion::as_str)
    }

    /// The rmcp peer of this request (the client), for what the context does not wrap:
    /// `create_message` (sampling), `create_elicitation`, `notify_resource_updated`.
    /// `None` for a [`ToolContext::detached`] context. On 2026-07-28 requests rmcp
    /// refuses server-to-client requests (sampling, elicitation) with an error.
    pub fn peer(&self) -> Option<&Peer<RoleServer>> {
        self.peer.as_ref()
    }

    /// The client's `progressToken` for this request, if it asked for progress.
    pub fn progress_token(&self) -> Option<&ProgressToken> {
        self.request
            .as_deref()
            .and_then(RequestInfo::progress_token)
    }

    /// Send a progress notification, if the client asked for progress (it sent a
    /// `progressToken`). Failures to send are logged, not returned.
    pub async fn progress(&self, progress: f64, total: Option<f64>, message: Option<&str>) {
        let (Some(peer), Some(token)) = (&self.peer, self.progress_token()) else {
            return;
        };
        let mut param = ProgressNotificationParam::new(token.clone(), progress);
        if let Some(total) = total {
            param = param.with_total(total);
        }
        if let Some(message) = message {
            param = param.with_message(message);
        }
        if let Err(error) = peer.notify_progress(param).await {
            tracing::debug!(tool = %self.name, %error, "could not send progress notification");
        }
    }

    /// Send a log message to the client (MCP `notifications/message`) when `level` is
    /// at or above the level the client asked for. Never put secrets or personal
    /// data in it.
    pub async fn log(&self, level: LogLevel, data: impl Into<Value>) {
        let min = self.request.as_deref().and_then(RequestInfo::log_level);
        let (Some(peer), Some(min)) = (&self.peer, min) else {
            return;
        };
        if level < min {
            return;
        }
        #[allow(deprecated)]
        let param =
            rmcp::model::LoggingMessageNotificationParam::new(to_rmcp_level(level), data.into())
                .with_logger(self.name.to_string());
        #[allow(deprecated)]
        let sent = peer.notify_logging_message(param).await;
        if let Err(error) = sent {
            tracing::debug!(tool = %self.name, %error, "could not send log notification");
        }
    }
}

#[allow(deprecated)]
pub(crate) fn to_rmcp_level(level: LogLevel) -> rmcp::model::LoggingLevel {
    use rmcp::model::LoggingLevel as L;
    match level {
        LogLevel::Debug => L::Debug,
        LogLevel::Info => L::Info,
        LogLevel::Notice => L::Notice,
        LogLevel::Warning => L::Warning,
        LogLevel::Error => L::Error,
        LogLevel::Critical => L::Critical,
        LogLevel::Alert => L::Alert,
        LogLevel::Emergency => L::Emergency,
    }
}

#[allow(deprecated)]
pub(crate) fn from_rmcp_level(level: rmcp::model::LoggingLevel) -> LogLevel {
    use rmcp::model::LoggingLevel as L;
    match level {
        L::Debug => LogLevel::Debug,
        L::Info => LogLevel::Info,
        L::Notice => LogLevel::Notice,
        L::Warning => LogLevel::Warning,
        L::Error => LogLevel::Error,
        L::Critical => LogLevel::Critical,
        L::Alert => LogLevel::Alert,
        L::Emergency => LogLevel::Emergency,
    }
}
