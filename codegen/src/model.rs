//! The model of one MCP server: what a spec says, with the span of every part.
//!
//! Both front ends produce this model: the YAML reader (`lower`) and the
//! `#[mcp_tool]` macro. The checks and the emitters only ever see the model, so the
//! two front ends cannot drift apart.
//!
//! The types also derive [`schemars::JsonSchema`]: `specs/mcpgen.schema.json`, the
//! schema editors use to validate and complete specs, is generated from them.

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
    /// The server's embedded store, which keeps its managed tokens.
    #[schemars(default)]
    pub store: StoreSettings,
    /// Which checks apply and how strictly.
    #[schemars(default)]
    pub lints: Lints,
}

/// Who the server is, as `initialize` and `server/discover` report it.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ServerInfo {
    /// Machine name, snake_case or kebab-case (also the crate name).
    pub name: Sp<String>,
    /// Semantic version of the server.
    pub version: Sp<String>,
    /// Human title.
    pub title: Option<Sp<String>>,
    /// What the server is for, one or two sentences.
    pub description: Option<Sp<String>>,
    /// Text clients give the model: how to use these tools together.
    pub instructions: Option<Sp<String>>,
    /// Home page of the server.
    pub website_url: Option<Sp<String>>,
}

/// A named type under `types:`.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(transparent)]
pub struct TypeDef(pub Schema);

/// The shape of a value: a parameter, a field, an output, a named type.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Schema {
    /// Where the whole entry was written.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// `string`, `integer`, `number`, `boolean`, `array`, `object`, or the name of a type
    /// under `types:`. May be left out when `enum` or `fields` says it.
    #[schemars(rename = "type")]
    pub ty: Option<Sp<String>>,
    /// What the value means, for the model.
    pub description: Option<Sp<String>>,
    /// Short human title.
    pub title: Option<Sp<String>>,
    /// Optional: may be left out (becomes `Option<T>`). Fields with a `default` are optional too.
    pub optional: Option<Sp<bool>>,
    /// Value used when the caller leaves the field out.
    pub default: Option<Sp<serde_json::Value>>,
    /// An example value, shown in the schema.
    pub examples: Option<Vec<Sp<serde_json::Value>>>,
    /// Strings: minimum length in characters.
    pub min_length: Option<Sp<u64>>,
    /// Strings: maximum length in characters.
    pub max_length: Option<Sp<u64>>,
    /// Strings: a regular expression the whole value must match.
    pub pattern: Option<Sp<String>>,
    /// Strings: a JSON Schema format.
    pub format: Option<Sp<StringFormat>>,
    /// Numbers: inclusive minimum.
    pub minimum: Option<Sp<f64>>,
    /// Numbers: inclusive maximum.
    pub maximum: Option<Sp<f64>>,
    /// Enums: the closed list of string values, as a list or as a mapping value → description.
    #[schemars(
        default,
        rename = "enum",
        schema_with = "crate::spec_schema::enum_values"
    )]
    pub enum_values: Option<Sp<Vec<EnumValue>>>,
    /// Arrays: the item type (a type name, or a full schema).
    #[schemars(default, schema_with = "crate::spec_schema::type_expr")]
    pub items: Option<Box<Schema>>,
    /// Arrays: fewest items.
    pub min_items: Option<Sp<u64>>,
    /// Arrays: most items.
    pub max_items: Option<Sp<u64>>,
    /// Arrays: items must be distinct.
    pub unique_items: Option<Sp<bool>>,
    /// Objects: the fields. Objects are always closed: no other field is accepted.
    #[schemars(default, schema_with = "crate::spec_schema::type_expr_map")]
    pub fields: Option<NamedMap<Schema>>,
    /// Checks that do not apply here (by short name, such as `unit_suffix`).
    pub allow: Option<Vec<Sp<String>>>,
    /// Tool parameters (and fields of their inline objects) only: clients of the
    /// 2026-07-28 revision mirror the argument into the HTTP header `Mcp-Param-{header}`
    /// (written `x-mcp-header` in the input schema), so proxies and load balancers can
    /// route on it without reading the body; the server rejects a request whose header
    /// and argument differ. An HTTP token such as `Region`; strings, enums, integers and
    /// booleans only; never a secret, since intermediaries see headers.
    pub header: Option<Sp<String>>,
}

impl Schema {
    /// A schema that only names its type (`items: DayForecast`).
    pub fn named(ty: Sp<String>) -> Self {
        let span = ty.span;
        Self {
            span,
            ty: Some(ty),
            ..Self::empty(span)
        }
    }

    /// A schema with nothing set, at `span`.
    pub fn empty(span: crate::source::Span) -> Self {
        Self {
            span,
            ty: None,
            description: None,
            title: None,
            optional: None,
            default: None,
            examples: None,
            min_length: None,
            max_length: None,
            pattern: None,
            format: None,
            minimum: None,
            maximum: None,
            enum_values: None,
            items: None,
            min_items: None,
            max_items: None,
            unique_items: None,
            fields: None,
            allow: None,
            header: None,
        }
    }

    /// What the schema's type resolves to at this level (not following references).
    pub fn kind(&self) -> Kind<'_> {
        match self.ty.as_ref().map(|t| t.value.as_str()) {
            Some("string") => Kind::String,
            Some("integer") => Kind::Integer,
            Some("number") => Kind::Number,
            Some("boolean") => Kind::Boolean,
            Some("array") => Kind::Array,
            Some("object") => Kind::Object,
            Some(other) => Kind::Ref(other),
            None if self.enum_values.is_some() => Kind::Enum,
            None if self.fields.is_some() => Kind::Object,
            None if self.items.is_some() => Kind::Array,
            None => Kind::Missing,
        }
    }

    /// Whether a caller may leave the field out.
    pub fn is_optional(&self) -> bool {
        self.optional.as_ref().is_some_and(|o| o.value) || self.default.is_some()
    }
}

/// The type at one level of a [`Schema`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind<'a> {
    /// `type: string` without `enum`.
    String,
    /// `type: integer`.
    Integer,
    /// `type: number`.
    Number,
    /// `type: boolean`.
    Boolean,
    /// `type: array`.
    Array,
    /// `type: object`.
    Object,
    /// `enum: [...]` (a closed set of strings).
    Enum,
    /// A named type under `types:`.
    Ref(&'a str),
    /// No type given and nothing to infer it from.
    Missing,
}

/// JSON Schema string formats the runtime validates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "kebab-case")]
pub enum StringFormat {
    /// RFC 3339 date and time.
    DateTime,
    /// RFC 3339 full date.
    Date,
    /// RFC 3339 full time.
    Time,
    /// ISO 8601 duration.
    Duration,
    /// Email address.
    Email,
    /// Absolute URI.
    Uri,
    /// UUID.
    Uuid,
    /// Host name.
    Hostname,
    /// IPv4 address.
    Ipv4,
    /// IPv6 address.
    Ipv6,
}

impl StringFormat {
    /// Every format with its spelling in the spec.
    pub const ALL: &'static [(&'static str, StringFormat)] = &[
        ("date-time", StringFormat::DateTime),
        ("date", StringFormat::Date),
        ("time", StringFormat::Time),
        ("duration", StringFormat::Duration),
        ("email", StringFormat::Email),
        ("uri", StringFormat::Uri),
        ("uuid", StringFormat::Uuid),
        ("hostname", StringFormat::Hostname),
        ("ipv4", StringFormat::Ipv4),
        ("ipv6", StringFormat::Ipv6),
    ];

    /// The spelling in the spec and in JSON Schema.
    pub fn as_str(self) -> &'static str {
        StringFormat::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("", |(s, _)| s)
    }
}

/// One allowed value of an enum.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
pub struct EnumValue {
    /// The value as the model sends it.
    pub value: Sp<String>,
    /// What it means.
    pub description: Option<Sp<String>>,
}

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
    /// Scopes the caller's credentials must carry (declared under `auth.scopes`).
    #[schemars(default)]
    pub scopes: Vec<Sp<String>>,
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

/// A rate: `count` calls per `period`, with an optional burst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(schema_with = "crate::spec_schema::rate")]
pub struct RateLimit {
    /// Calls admitted per period.
    pub count: u32,
    /// The period.
    pub period: Period,
    /// Calls admitted at once after a quiet spell (defaults to `count`).
    pub burst: Option<u32>,
}

/// The period of a rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Period {
    /// A second.
    Second,
    /// A minute.
    Minute,
    /// An hour.
    Hour,
    /// A day.
    Day,
}

impl Period {
    /// The period in milliseconds.
    pub const fn as_millis(self) -> u64 {
        match self {
            Period::Second => 1_000,
            Period::Minute => 60_000,
            Period::Hour => 3_600_000,
            Period::Day => 86_400_000,
        }
    }
    /// The canonical short unit (`s`, `min`, `h`, `day`).
    pub const fn unit(self) -> &'static str {
        match self {
            Period::Second => "s",
            Period::Minute => "min",
            Period::Hour => "h",
            Period::Day => "day",
        }
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.count, self.period.unit())?;
        if let Some(burst) = self.burst {
            write!(f, " burst {burst}")?;
        }
        Ok(())
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

/// A static resource.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Resource {
    /// Where the entry starts.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// The URI clients read.
    pub uri: Sp<String>,
    /// Human title.
    pub title: Option<Sp<String>>,
    /// What the resource holds.
    pub description: Option<Sp<String>>,
    /// MIME type of the content.
    pub mime_type: Option<Sp<String>>,
    /// Inline text content (no handler needed).
    pub text: Option<Sp<String>>,
    /// A file, relative to the crate root, embedded at build time (no handler needed).
    pub file: Option<Sp<String>>,
    /// Size in bytes, when known.
    pub size_bytes: Option<Sp<u64>>,
}

/// A resource template: a family of resources under an RFC 6570 URI template.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ResourceTemplate {
    /// Where the entry starts.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// The RFC 6570 template, such as `weather://city/{city}/now`.
    pub uri_template: Sp<String>,
    /// Human title.
    pub title: Option<Sp<String>>,
    /// What the resources hold.
    pub description: Option<Sp<String>>,
    /// MIME type of the content.
    pub mime_type: Option<Sp<String>>,
    /// The template variables, typed.
    #[schemars(default, schema_with = "crate::spec_schema::type_expr_map")]
    pub params: NamedMap<Schema>,
}

/// A prompt.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Prompt {
    /// Where the entry starts.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// Human title.
    pub title: Option<Sp<String>>,
    /// What the prompt is for.
    pub description: Option<Sp<String>>,
    /// The arguments the user fills in.
    #[schemars(default)]
    pub arguments: NamedMap<PromptArgument>,
    /// The messages, as minijinja templates over the arguments (left out with `handler: true`).
    #[schemars(default)]
    pub messages: Vec<PromptMessage>,
    /// `true`: a handler method builds the messages in code (`prompt_NAME` on the
    /// generated `Handler` trait, with the arguments typed), instead of `messages`.
    pub handler: Option<Sp<bool>>,
}

impl Prompt {
    /// Whether a handler method builds the messages (`handler: true`).
    pub fn has_handler(&self) -> bool {
        self.handler.as_ref().is_some_and(|h| h.value)
    }
}

/// An argument of a prompt (prompt arguments are strings in MCP).
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PromptArgument {
    /// Where the entry starts.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// Human title.
    pub title: Option<Sp<String>>,
    /// What to fill in.
    pub description: Option<Sp<String>>,
    /// Whether it must be given (default false, as in MCP).
    pub required: Option<Sp<bool>>,
    /// Checks that do not apply to this argument.
    #[schemars(default)]
    pub allow: Vec<Sp<String>>,
}

/// One message of a prompt: `text`, `image` or `resource` (exactly one).
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PromptMessage {
    /// Where the message starts.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// Who speaks.
    pub role: Sp<Role>,
    /// The text, a minijinja template: `{{ city }}`.
    pub text: Option<Sp<String>>,
    /// An image, embedded at build time.
    pub image: Option<PromptImage>,
    /// An embedded text resource.
    pub resource: Option<PromptResource>,
}

impl PromptMessage {
    /// The minijinja templates of the message: its text, or its resource's text and URI.
    pub fn templates(&self) -> Vec<&Sp<String>> {
        let mut templates: Vec<&Sp<String>> = self.text.iter().collect();
        if let Some(resource) = &self.resource {
            templates.extend([&resource.text, &resource.uri]);
        }
        templates
    }
}

/// An image in a prompt message.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PromptImage {
    /// The image file, relative to the crate root, embedded at build time.
    pub file: Sp<String>,
    /// Its MIME type, such as `image/png`.
    pub mime_type: Sp<String>,
}

/// An embedded text resource in a prompt message.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PromptResource {
    /// The resource's URI, a minijinja template: `docs://{{ topic }}`.
    pub uri: Sp<String>,
    /// Its MIME type.
    pub mime_type: Option<Sp<String>>,
    /// Its text, a minijinja template.
    pub text: Sp<String>,
}

/// The speaker of a prompt message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum Role {
    /// The user.
    User,
    /// The assistant.
    Assistant,
}

/// How clients reach the server.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Transports {
    /// Serve on standard input and output (default true).
    pub stdio: Option<Sp<bool>>,
    /// Serve Streamable HTTP.
    pub http: Option<HttpTransport>,
}

/// Streamable HTTP settings.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct HttpTransport {
    /// Address to bind, such as `127.0.0.1:8080` or `${BIND:-127.0.0.1:8080}`.
    pub bind: Option<Sp<EnvString>>,
    /// The MCP endpoint path (default `/mcp`).
    pub path: Option<Sp<String>>,
    /// The URL clients use, such as `https://mcp.example.com/mcp` or `${PUBLIC_URL}`: its
    /// host is accepted in the `Host` header, and its path is `path`.
    pub public_url: Option<Sp<EnvString>>,
    /// Further names accepted in the `Host` header (DNS-rebinding protection), such as
    /// `mcp.internal` (any port) or `mcp.internal:8443`; loopback names and the host of
    /// `public_url` are always accepted.
    #[schemars(default)]
    pub allowed_hosts: Vec<Sp<EnvString>>,
    /// Origins allowed to call (DNS-rebinding protection); loopback origins are always allowed.
    #[schemars(default)]
    pub allowed_origins: Vec<Sp<EnvString>>,
    /// Client-address hops to trust in `X-Forwarded-For` (default 0: use the socket address).
    pub trusted_proxy_hops: Option<Sp<u32>>,
}

/// Request and response limits.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Limits {
    /// Largest request body on HTTP, in bytes (default 1 MiB).
    pub max_request_bytes: Option<Sp<u64>>,
    /// Largest tool response, in bytes (default 1 MiB).
    pub max_response_bytes: Option<Sp<u64>>,
    /// Time limit for a tool call without its own `timeout_ms` (default 30000).
    pub default_timeout_ms: Option<Sp<u64>>,
    /// Most tool calls in flight at once (default 64).
    pub max_concurrent_calls: Option<Sp<u32>>,
    /// What a result over `max_response_bytes` becomes for tools that do not say: `error` (default) or `truncate`.
    pub on_large_response: Option<Sp<LargeResponse>>,
    /// The circuit breaker of tools without their own (default: on, 5 failures in 60 s open it for 30 s, 2 successes close it).
    pub circuit_breaker: Option<CircuitBreakerSpec>,
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

/// A circuit breaker: after `failures` failed calls within `window_ms` the tool fails fast
/// (`circuit_open`) for `cooldown_ms`, then lets trial calls through and closes after `successes`.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CircuitBreakerSpec {
    /// Where the entry was written.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// `false` turns the breaker off (default true).
    pub enabled: Option<Sp<bool>>,
    /// Failures within the window that open it (default 5).
    pub failures: Option<Sp<u32>>,
    /// The window failures are counted in, in milliseconds (default 60000).
    pub window_ms: Option<Sp<u64>>,
    /// How long it stays open, in milliseconds (default 30000).
    pub cooldown_ms: Option<Sp<u64>>,
    /// Successful trial calls that close it again (default 2).
    pub successes: Option<Sp<u32>>,
}

/// Idempotency keys of a tool that is not idempotent.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct IdempotencySpec {
    /// Where the entry was written.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// The string parameter that carries the key (declare it under `params`, usually optional).
    pub key: Sp<String>,
    /// How long a result is kept for repeats of its key, in milliseconds (default 3600000).
    pub window_ms: Option<Sp<u64>>,
}

/// Server-wide rate limits.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RateLimits {
    /// Budget of each agent across all tools.
    pub per_agent: Option<Sp<RateLimit>>,
    /// Budget of each tool without its own `rate_limit`.
    pub per_tool: Option<Sp<RateLimit>>,
    /// HTTP flood protection: requests per client address, refused with 429 before a body is read.
    pub per_address: Option<Sp<RateLimit>>,
    /// Where budgets are kept: `memory` or `redis` (needs the runtime's `redis` feature); left out, Redis when `REDIS_URL` is set, else memory.
    pub backend: Option<Sp<RateLimitBackend>>,
    /// Redis URL for the `redis` backend, usually `${REDIS_URL}`.
    pub redis_url: Option<Sp<EnvString>>,
    /// While Redis is unreachable: `local` (default: budgets per instance), `open` (no limits) or `closed` (refuse).
    pub on_redis_error: Option<Sp<OnRedisError>>,
}

/// What the Redis backend does while Redis is unreachable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum OnRedisError {
    /// Enforce the budgets in each instance's memory.
    Local,
    /// Admit every call.
    Open,
    /// Refuse every rate-limited call as `rate_limit_unavailable`.
    Closed,
}

/// Where rate-limit budgets are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum RateLimitBackend {
    /// In this process (one instance).
    Memory,
    /// In Redis (several instances behind a load balancer).
    Redis,
}

/// The server's embedded store: a SQLite file in a data directory.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct StoreSettings {
    /// The data directory, such as `/var/lib/weather` or `${STATE_DIRECTORY}`; the
    /// server's `--data-dir` and `MCPGEN_DATA_DIR` replace it. Left out:
    /// `$XDG_DATA_HOME/NAME`, else `~/.local/share/NAME`.
    pub data_dir: Option<Sp<EnvString>>,
}

/// Authentication.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Auth {
    /// `none` (default), `bearer` (static tokens) or `oauth` (OAuth 2.1 resource server).
    pub mode: Option<Sp<AuthMode>>,
    /// The scopes the server knows, with what each allows.
    #[schemars(default)]
    pub scopes: NamedMap<Sp<String>>,
    /// Static bearer tokens (mode `bearer`); the token itself is always `${VAR}`.
    #[schemars(default)]
    pub tokens: Vec<BearerToken>,
    /// OAuth resource-server settings (mode `oauth`).
    pub oauth: Option<OAuth>,
}

/// How callers authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum AuthMode {
    /// No authentication (stdio, or HTTP on loopback).
    None,
    /// Static bearer tokens from the environment.
    Bearer,
    /// JWT access tokens from an OAuth 2.1 authorization server.
    Oauth,
}

/// A static bearer token.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct BearerToken {
    /// Who the token belongs to (the principal in logs and rate limits).
    pub subject: Sp<String>,
    /// The token, from the environment: `${API_TOKEN}`.
    pub token: Sp<EnvString>,
    /// Scopes granted to the token.
    #[schemars(default)]
    pub scopes: Vec<Sp<String>>,
}

/// OAuth 2.1 resource-server settings.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct OAuth {
    /// The authorization server's issuer URL.
    pub issuer: Sp<EnvString>,
    /// The audience tokens must be issued for (this server's canonical URL).
    pub audience: Sp<EnvString>,
    /// Where the issuer's signing keys are (default: discovered from the issuer).
    pub jwks_uri: Option<Sp<EnvString>>,
}

/// Lint settings.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Lints {
    /// Checks turned off for the whole spec.
    #[schemars(default)]
    pub allow: Vec<Sp<String>>,
    /// Checks reported as warnings.
    #[schemars(default)]
    pub warn: Vec<Sp<String>>,
    /// Checks reported as errors.
    #[schemars(default)]
    pub deny: Vec<Sp<String>>,
    /// Longest description, in characters (default 1024).
    pub max_description_chars: Option<Sp<u64>>,
}
