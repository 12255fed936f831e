//! The model of one MCP server: what a spec says, with the span of every part.
//!
//! Both front ends produce this model: the YAML reader (`lower`) and the
//! `#[mcp_tool]` macro. The checks and the emitters only ever see the model, so the
//! two front ends cannot drift apart.
//!
//! The types also derive [`schemars::JsonSchema`]: `specs/mcpgen.schema.json`, the
//! schema editors use to validate and complete specs, is generated from them.
//!
//! One submodule per part of a spec: `types` (schemas and named types), `tool`,
//! `guardrails` (rate limits, circuit breakers, idempotency), `resources`, `prompts`,
//! `server` (who the server is, transports, limits, lints) and `auth`. The spec itself,
//! and the maps and strings every part uses, are here.

mod auth;
mod guardrails;
mod prompts;
mod resources;
mod server;
mod tool;
mod types;
mod upstream;

pub use auth::*;
pub use guardrails::*;
pub use prompts::*;
pub use resources::*;
pub use server::*;
pub use tool::*;
pub use types::*;
pub use upstream::*;

use schemars::JsonSchema;

use crate::source::Sp;

/// A name with its span (a tool, parameter, field or type name).
pub type Name = Sp<String>;

/// A mapping from names to entries, in the order the spec declares them.
///
/// The order is meaningful: `tools/list` and the other lists come out in it.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedMap<T>(pub Vec<(Name, T)>);

impl<T> Default for NamedMap<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> NamedMap<T> {
    /// Entries in declared order.
    pub fn iter(&self) -> impl Iterator<Item = (&Name, &T)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
    /// The entry named `name`.
    pub fn get(&self, name: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k.value == name).map(|(_, v)| v)
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: JsonSchema> JsonSchema for NamedMap<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Map_of_{}", T::schema_name()).into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "propertyNames": { "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" },
            "additionalProperties": generator.subschema_for::<T>(),
        })
    }
}

/// A string that may hold environment references, resolved when the server starts:
/// `${VAR}` (the variable must be set) and `${VAR:-default}`.
///
/// Secrets and per-deployment values are written this way, never literally.
#[derive(Clone, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(transparent)]
pub struct EnvString(pub String);

/// One spec: one MCP server.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(
    deny_unknown_fields,
    title = "mcpgen spec",
    description = "One MCP server, as mcpgen generates it. See README.md and docs/spec.md."
)]
pub struct Spec {
    /// Spec format version. Always `1` for now.
    #[schemars(schema_with = "crate::spec_schema::format_version")]
    pub mcpgen: Sp<u32>,
    /// Who the server is.
    pub server: ServerInfo,
    /// Named types, declared once and referred to by name (PascalCase).
    #[schemars(default, schema_with = "crate::spec_schema::type_expr_map")]
    pub types: NamedMap<TypeDef>,
    /// Tools: actions the model can take.
    #[schemars(default)]
    pub tools: NamedMap<Tool>,
    /// Static resources: fixed URIs the client can read.
    #[schemars(default)]
    pub resources: NamedMap<Resource>,
    /// Resource templates: RFC 6570 URI templates with typed variables.
    #[schemars(default)]
    pub resource_templates: NamedMap<ResourceTemplate>,
    /// Prompts: message templates the user picks.
    #[schemars(default)]
    pub prompts: NamedMap<Prompt>,
    /// How clients reach the server.
    #[schemars(default)]
    pub transports: Transports,
    /// Request and response limits.
    #[schemars(default)]
    pub limits: Limits,
    /// Server-wide rate limits.
    #[schemars(default)]
    pub rate_limits: RateLimits,
    /// Authentication and the scopes it knows.
    #[schemars(default)]
    pub auth: Auth,
    /// The server's embedded store, which keeps its managed tokens and audit trail.
    #[schemars(default)]
    pub store: StoreSettings,
    /// Where OpenTelemetry traces go.
    #[schemars(default)]
    pub telemetry: TelemetrySettings,
    /// The audit trail: one row per request, refused ones included, in the store.
    #[schemars(default)]
    pub audit: AuditSpec,
    /// Which checks apply and how strictly.
    #[schemars(default)]
    pub lints: Lints,
    /// The HTTP API the tools forward to, for a proxy (`mcpgen import --openapi --proxy`).
    pub upstream: Option<Upstream>,
}
