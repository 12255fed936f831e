//! Tools: their annotations, declared errors, schemas written out, and task support.

use schemars::JsonSchema;

use crate::source::Sp;

use super::{CircuitBreakerSpec, IdempotencySpec, NamedMap, RateLimit, Schema};

/// A tool: an action the model can take.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Tool {
    /// Where the tool's entry starts (its name).
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// Human title.
    pub title: Option<Sp<String>>,
    /// What the tool does, what it returns, when to use it.
    pub description: Option<Sp<String>>,
    /// Behaviour hints for clients.
    #[schemars(default)]
    pub annotations: Annotations,
    /// Scopes the caller's credentials must carry, all of them (declared under `auth.scopes`).
    #[schemars(default)]
    pub scopes: Vec<Sp<String>>,
    /// `true`: callable without credentials when auth is on (public read-only
    /// tools, registry scanners); the handler sees an anonymous principal.
    pub anonymous: Option<Sp<bool>>,
    /// Client capabilities the tool needs (`sampling`, `elicitation`, `roots`): a client
    /// that did not declare one gets error -32021 before the handler runs.
    #[schemars(default)]
    pub client_capabilities: Vec<Sp<ClientCapability>>,
    /// Rate limit for this tool, such as `30/min`.
    pub rate_limit: Option<Sp<RateLimit>>,
    /// Time limit for one call, in milliseconds.
    pub timeout_ms: Option<Sp<u64>>,
    /// Largest response, in bytes.
    pub max_response_bytes: Option<Sp<u64>>,
    /// A budget for each caller of this tool, such as `5/min` (besides `rate_limit`, which all callers share).
    pub rate_limit_per_agent: Option<Sp<RateLimit>>,
    /// Most calls of this tool in flight at once; over it, calls are refused as `overloaded`.
    pub max_concurrent_calls: Option<Sp<u32>>,
    /// What a result over `max_response_bytes` becomes: `error` (default) or `truncate`.
    pub on_large_response: Option<Sp<LargeResponse>>,
    /// This tool's circuit breaker (default: `limits.circuit_breaker`).
    pub circuit_breaker: Option<CircuitBreakerSpec>,
    /// Idempotency keys: a repeated key gets the first call's result instead of running the tool again.
    pub idempotency: Option<IdempotencySpec>,
    /// Disabled by configuration: every call is refused as `tool_disabled` (not retryable).
    pub disabled: Option<Sp<bool>>,
    /// Whether a call may become a task of the tasks extension (2026-07-28): `optional`
    /// (when the client declared the extension) or `required` (other clients get error
    /// -32021). The client gets a task id at once and polls `tasks/get` for the result.
    pub task: Option<Sp<TaskSupport>>,
    /// When a call of a task tool becomes a task: `at_once` (default) or `by_handler`
    /// (when the handler returns `ToolOutput::ContinueAsTask`, after asking for input in
    /// rounds if it needs to).
    pub task_start: Option<Sp<TaskStart>>,
    /// The parameters, as fields of the (closed) argument object.
    #[schemars(default, schema_with = "crate::spec_schema::type_expr_map")]
    pub params: NamedMap<Schema>,
    /// Instead of `params`: the argument object's JSON Schema (2020-12), advertised as
    /// written and enforced exactly, with `$defs`/`$ref`, `allOf`, `anyOf`, `oneOf`,
    /// `not` and `if`/`then`/`else` besides the keywords `params` produce. The handler
    /// gets the arguments as a JSON object. For schemas `params` cannot express.
    #[schemars(default, schema_with = "crate::spec_schema::input_schema")]
    pub input_schema: Option<RawSchema>,
    /// The type of the structured result.
    #[schemars(default, schema_with = "crate::spec_schema::type_expr")]
    pub output: Option<Schema>,
    /// Declared error cases: a message template each, over the parameters and the error's fields.
    #[schemars(default, schema_with = "crate::spec_schema::error_map")]
    pub errors: NamedMap<ErrorCase>,
    /// Checks that do not apply to this tool.
    #[schemars(default)]
    pub allow: Vec<Sp<String>>,
    /// What the audit trail keeps of this tool's arguments.
    pub audit: Option<ToolAuditSpec>,
    /// A proxy's upstream request for this tool (see `upstream:`).
    pub upstream: Option<super::ToolUpstream>,
}

/// A tool's `audit:`: what the audit trail keeps of its arguments.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ToolAuditSpec {
    /// `none` or `summary`; default: the server's `audit.arguments`.
    pub arguments: Option<Sp<AuditArguments>>,
}

/// What the audit trail keeps of a call's arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum AuditArguments {
    /// Nothing.
    None,
    /// Strings cut to `audit.max_value_chars`, fields marked `pii: true` as keyed hashes.
    Summary,
}

/// A JSON Schema written out in the spec (a tool's `input_schema`), as JSON, with where
/// each of its parts was written.
#[derive(Clone, Debug, PartialEq)]
pub struct RawSchema {
    /// The whole schema.
    pub span: crate::source::Span,
    /// The schema as JSON.
    pub value: serde_json::Value,
    /// Where each part was written: a JSON pointer into [`Self::value`] (`""` for the
    /// whole) and the span of its key or item.
    pub spans: Vec<(String, crate::source::Span)>,
}

impl RawSchema {
    /// Where the part at `pointer` (or the closest part that contains it) was written.
    pub fn span_of(&self, pointer: &str) -> crate::source::Span {
        let mut at = pointer;
        loop {
            if let Some((_, span)) = self.spans.iter().find(|(p, _)| p == at) {
                return *span;
            }
            match at.rfind('/') {
                Some(cut) => at = &at[..cut],
                None => return self.span,
            }
        }
    }

    /// The names under the schema's top-level `properties`.
    pub fn property_names(&self) -> Vec<&str> {
        self.value
            .get("properties")
            .and_then(serde_json::Value::as_object)
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }
}

/// A capability a client declares, which a tool may need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum ClientCapability {
    /// The client answers `sampling/createMessage` (LLM completions).
    Sampling,
    /// The client answers `elicitation/create` (asks its user).
    Elicitation,
    /// The client answers `roots/list`.
    Roots,
}

impl ClientCapability {
    /// Every capability with its spelling in the spec and on the wire.
    pub const ALL: &'static [(&'static str, ClientCapability)] = &[
        ("sampling", ClientCapability::Sampling),
        ("elicitation", ClientCapability::Elicitation),
        ("roots", ClientCapability::Roots),
    ];
}

/// MCP tool annotations. Left out means the MCP default.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Annotations {
    /// The tool does not modify its environment (MCP `readOnlyHint`, default false).
    pub read_only: Option<Sp<bool>>,
    /// The tool may perform destructive updates (MCP `destructiveHint`, default true; only
    /// meaningful when not read-only).
    pub destructive: Option<Sp<bool>>,
    /// Calling it again with the same arguments has no further effect (MCP `idempotentHint`,
    /// default false).
    pub idempotent: Option<Sp<bool>>,
    /// The tool reaches outside the server (the web, a third-party API) (MCP
    /// `openWorldHint`, default true).
    pub open_world: Option<Sp<bool>>,
}

impl Annotations {
    /// MCP's default for `readOnlyHint`.
    pub const DEFAULT_READ_ONLY: bool = false;
    /// MCP's default for `destructiveHint`.
    pub const DEFAULT_DESTRUCTIVE: bool = true;
    /// MCP's default for `idempotentHint`.
    pub const DEFAULT_IDEMPOTENT: bool = false;
    /// MCP's default for `openWorldHint`.
    pub const DEFAULT_OPEN_WORLD: bool = true;

    /// `readOnlyHint` with the default filled in.
    pub fn read_only(&self) -> bool {
        self.read_only
            .as_ref()
            .map_or(Self::DEFAULT_READ_ONLY, |v| v.value)
    }
    /// `destructiveHint` with the default filled in (false for read-only tools).
    pub fn destructive(&self) -> bool {
        !self.read_only()
            && self
                .destructive
                .as_ref()
                .map_or(Self::DEFAULT_DESTRUCTIVE, |v| v.value)
    }
    /// `idempotentHint` with the default filled in (true for read-only tools).
    pub fn idempotent(&self) -> bool {
        self.read_only()
            || self
                .idempotent
                .as_ref()
                .map_or(Self::DEFAULT_IDEMPOTENT, |v| v.value)
    }
    /// `openWorldHint` with the default filled in.
    pub fn open_world(&self) -> bool {
        self.open_world
            .as_ref()
            .map_or(Self::DEFAULT_OPEN_WORLD, |v| v.value)
    }
}

/// A declared error case of a tool.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ErrorCase {
    /// The message template: what probably went wrong, what to check first.
    /// `{name}` inserts a parameter or a field of the error.
    pub message: Sp<String>,
    /// Extra values the handler supplies with the error.
    #[schemars(default, schema_with = "crate::spec_schema::type_expr_map")]
    pub fields: NamedMap<Schema>,
    /// Whether calling again later may succeed (tells agents whether to retry).
    pub retryable: Option<Sp<bool>>,
}

/// Whether a tool's calls may become tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum TaskSupport {
    /// A call becomes a task when the client declared the tasks extension.
    Optional,
    /// Calls run only as tasks.
    Required,
}

/// When a call of a task tool becomes a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "snake_case")]
pub enum TaskStart {
    /// As soon as its arguments are valid and the guardrails let it through.
    AtOnce,
    /// When the handler returns `ToolOutput::ContinueAsTask`.
    ByHandler,
}

/// What a result over the size limit becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum LargeResponse {
    /// A `response_too_large` error.
    Error,
    /// The first part of the text, in an error result labelled `response_truncated`.
    Truncate,
}
