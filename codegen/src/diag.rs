//! Diagnostics: what is wrong with a spec, where, and how to fix it.
//!
//! Every diagnostic has a stable [`Code`]. The first line of the human rendering is
//! machine-readable (`file:line:col: severity[mcpgen::code]: message`), followed by
//! the source line with the span underlined, and the help text.

use std::fmt::{self, Write as _};

use serde::Serialize;

use crate::source::{SourceFile, Span};

macro_rules! codes {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal, $stage:ident, $severity:ident; )*) => {
        /// The stable identity of a check. Its name (`mcpgen::unit_suffix`) never changes
        /// once released; `lints.allow` and `#[mcp_tool(allow(..))]` refer to it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The short name, without the `mcpgen::` prefix.
            pub const fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The severity when no `lints` setting changes it.
            pub const fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// Whether the code reports a spec that could not be read into the model
            /// (YAML syntax, structure), as opposed to a check on a readable spec.
            pub const fn is_structural(self) -> bool {
                match self { $(Code::$variant => codes!(@structural $stage),)* }
            }

            /// One paragraph on what the check is for, shown by `mcpgen check --explain`.
            pub const fn explanation(self) -> &'static str {
                match self { $(Code::$variant => concat!($($doc, "\n"),*),)* }
            }
        }
    };
    (@structural read) => { true };
    (@structural check) => { false };
}

codes! {
    /// The file could not be read, or is not valid YAML. Fix the syntax at the position shown;
    /// a common cause is a `:` or `#` inside an unquoted string: quote the string.
    Syntax = "syntax", read, Error;
    /// The spec is empty or is not a mapping at the top level. Start from `mcpgen: 1` and `server:`.
    Empty = "empty", read, Error;
    /// A key that the spec language does not have, usually a typo. The message suggests the
    /// closest known key; `specs/mcpgen.schema.json` lists every key.
    UnknownKey = "unknown_key", read, Error;
    /// A value of the wrong YAML type, for example a list where a mapping belongs.
    WrongType = "wrong_type", read, Error;
    /// A key that must be present is missing.
    MissingKey = "missing_key", read, Error;
    /// The `mcpgen:` format version is missing or not one this mcpgen reads.
    SpecVersion = "spec_version", read, Error;
    /// Tool, parameter, field, argument and resource names are snake_case
    /// (`get_forecast`, `city_name`); type names are PascalCase (`DayForecast`).
    /// Clients and models match names exactly, and Rust code is generated from them.
    NamingCase = "naming_case", check, Error;
    /// The server's `version` is a semantic version (`MAJOR.MINOR.PATCH`, optionally
    /// `-pre.release`): clients and registries compare versions, and the generated crate uses it.
    Version = "version", check, Error;
    /// Tool names are at most 64 characters: several clients reject longer names or cut
    /// them when they prefix the server name.
    NameTooLong = "name_too_long", check, Error;
    /// A tool name reads as an action (`get_forecast`, `create_issue`), not as a thing
    /// (`forecast_tool`, `tool_1`): models pick tools by what they do.
    ActionName = "action_name", check, Warning;
    /// A number whose name denotes a quantity with a unit (a duration, a size, a distance,
    /// money, a temperature, a rate) carries the unit in its name (`timeout_ms`,
    /// `size_bytes`, `distance_km`, `price_usd`): a model cannot guess whether `timeout: 30`
    /// means seconds or milliseconds.
    UnitSuffix = "unit_suffix", check, Error;
    /// A free string whose name or description suggests a closed set of values (`mode`,
    /// `format`, `sort`, `status`, "one of ...") should be an `enum`, so the model sees the
    /// allowed values and the server rejects anything else.
    EnumSuggestion = "enum_suggestion", check, Warning;
    /// Every server, tool, parameter, field, resource, prompt and argument has a description:
    /// it is the only documentation the model reads.
    MissingDescription = "missing_description", check, Error;
    /// A description that only restates the name tells the model nothing. Say what the tool
    /// does, what it returns and when to use it.
    VacuousDescription = "vacuous_description", check, Warning;
    /// Descriptions over the configured cap (`lints.max_description_chars`, default 1024)
    /// are cut or rejected by registries and waste the model's context.
    DescriptionTooLong = "description_too_long", check, Warning;
    /// Tool annotations must be coherent: `read_only` excludes `destructive`; a tool that
    /// writes states whether it is `idempotent`; a destructive tool has a rate limit.
    Annotations = "annotations", check, Error;
    /// A type name that is declared nowhere under `types:`.
    UnresolvedType = "unresolved_type", check, Error;
    /// Named types that refer to themselves. Tool schemas are inlined (several MCP clients do
    /// not resolve `$ref`), so a recursive type cannot be represented.
    TypeCycle = "type_cycle", check, Error;
    /// A constraint that cannot hold or does not apply: `minimum` above `maximum`, a length
    /// on a number, a regular expression that does not compile, an empty enum.
    InvalidConstraint = "invalid_constraint", check, Error;
    /// A `default` that its own type rejects.
    InvalidDefault = "invalid_default", check, Error;
    /// A URI template that is not valid RFC 6570, or whose variables and declared
    /// parameters differ.
    UriTemplate = "uri_template", check, Error;
    /// A prompt message that uses an undeclared argument, does not use a required one, or
    /// does not parse as a template.
    PromptTemplate = "prompt_template", check, Error;
    /// An error message template that uses a placeholder that is neither a parameter nor a
    /// field of the error.
    ErrorTemplate = "error_template", check, Error;
    /// A rate limit that does not parse (`30/min`, `5/s`, `1000/day`, with an optional
    /// `burst`), is zero, or is written in a hard-to-read way.
    RateLimit = "rate_limit", check, Error;
    /// A duration or size that is zero, absurdly large, or otherwise unusable.
    Limit = "limit", check, Error;
    /// A secret (a bearer token, a Redis URL with a password) written into the spec. Read it
    /// from the environment instead: `${API_TOKEN}`.
    LiteralSecret = "literal_secret", check, Error;
    /// An environment reference that does not parse: use `${VAR}` or `${VAR:-default}`.
    EnvSyntax = "env_syntax", check, Error;
    /// `transports.http.public_url` is the URL clients use: an absolute `http` or `https`
    /// URL whose path is the endpoint's `transports.http.path` (the server answers there
    /// and nowhere else), without a query or fragment. Its host is accepted in the `Host`
    /// header. Parts written as `${VAR}` are checked when the server starts.
    PublicUrl = "public_url", check, Error;
    /// `telemetry.otlp_endpoint` is the address of the OpenTelemetry collector request
    /// spans are exported to: an `http` or `https` URL with a host, such as
    /// `http://otel-collector:4318` (`/v1/traces` is appended). A value read from a
    /// variable (`${OTLP_ENDPOINT}`) is checked when the server starts.
    OtlpEndpoint = "otlp_endpoint", check, Error;
    /// An entry of `transports.http.allowed_hosts` is a host name as the `Host` header
    /// carries it (`mcp.internal`, `mcp.internal:8443`, `[::1]`), not a URL: the server
    /// compares it with the header. `*` accepts any host, and turns off the protection
    /// against DNS rebinding.
    AllowedHost = "allowed_host", check, Error;
    /// What the official MCP Registry and the server card need: `server.registry_name` in
    /// the registry's `namespace/name` form (reverse DNS of a domain or `io.github.USER`,
    /// a slash, the server's name), `server.repository` and `server.website_url` as
    /// absolute `http(s)` URLs, and, for a server with a registry name, a description of
    /// at most 100 characters (the registry's limit: `mcpgen registry` cuts a longer one).
    Registry = "registry", check, Warning;
    /// A scope that a tool, resource, resource template or prompt requires but
    /// `auth.scopes` does not declare.
    UnknownScope = "unknown_scope", check, Error;
    /// Authentication that cannot work as written: `scopes` or `anonymous: true` on a
    /// target while `auth.mode` is `none` (nothing would enforce them, and the server
    /// would be open to everyone), `anonymous: true` next to `scopes` on one target
    /// (anonymous callers hold no scopes), or `mode: oauth` without an audience (set
    /// `auth.oauth.audience` or `transports.http.public_url`: tokens must be issued for
    /// this server).
    Auth = "auth", check, Error;
    /// A tool that changes something (`read_only: false`) but requires no scope, while
    /// auth is on: every authenticated caller may run it. Give it a scope, or mark it
    /// `anonymous: true` if anyone may.
    UnscopedWrite = "unscoped_write", check, Warning;
    /// A lint name in `lints` or `allow` that does not exist.
    UnknownLint = "unknown_lint", check, Warning;
    /// Two entries that clients would see under the same name or URI.
    Duplicate = "duplicate", check, Error;
    /// A file that a static resource points at, which must be a relative path inside the crate.
    ResourceFile = "resource_file", check, Error;
    /// An idempotency key must be a string parameter of its tool, and only a tool that is
    /// not idempotent needs one: a repeated key returns the first call's result instead of
    /// running the side effect again, so agents can retry safely.
    Idempotency = "idempotency", check, Error;
    /// `header:` mirrors a tool argument into the HTTP header `Mcp-Param-{header}`
    /// (`x-mcp-header`, 2026-07-28). Clients drop a tool whose declaration breaks the
    /// rules, so the name must be an HTTP token, unique (ignoring case) within the tool;
    /// the value a string, an enum, a boolean or an integer within ±(2^53 - 1) (JavaScript
    /// clients compare it as a number); and only tool parameters and the fields of their
    /// inline objects carry one.
    McpHeader = "mcp_header", check, Error;
    /// A parameter that looks like a secret (a password, a token, an API key) mirrored into
    /// an HTTP header: proxies, load balancers and their logs see headers. Keep secrets in
    /// the body, or `allow: [sensitive_header]` on the parameter when the name misleads.
    SensitiveHeader = "sensitive_header", check, Warning;
    /// A tool's `input_schema` (its argument schema, written out) must be one the server
    /// enforces exactly as advertised: a JSON Schema 2020-12 object schema (`type: object`
    /// at the root, as MCP requires) of the keywords the runtime enforces, whose `$ref`s
    /// point within it. A tool declares `params` or `input_schema`, not both.
    InputSchema = "input_schema", check, Error;
    /// Every object of an `input_schema` that declares `properties` closes itself with
    /// `additionalProperties: false`, as the schemas mcpgen writes do: a model that
    /// misspells an argument gets told, instead of the argument being ignored. Objects
    /// inside `allOf`, `anyOf`, `oneOf`, `not` and `if` are exempt (closing them changes
    /// what they mean). When the schema comes from elsewhere and must stay as written,
    /// `allow: [open_object]` on the tool.
    OpenObject = "open_object", check, Error;
    /// A tool's task settings (tasks extension) that cannot work as written: `task_start`
    /// on a tool without `task`, or `idempotency` keys on a tool whose calls all become
    /// tasks (a call that becomes a task is not replayed from its key).
    Task = "task", check, Error;
}

impl Code {
    /// Looks a code up by its short name (`unit_suffix`) or full name (`mcpgen::unit_suffix`).
    pub fn from_name(name: &str) -> Option<Code> {
        let short = name.strip_prefix("mcpgen::").unwrap_or(name);
        Code::ALL.iter().copied().find(|c| c.name() == short)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "mcpgen::{}", self.name())
    }
}

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The spec is usable but could be better.
    Warning,
    /// The spec must be fixed before code is generated.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One finding about a spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Which check.
    pub code: Code,
    /// Its severity after `lints` settings.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where.
    pub span: Span,
    /// A short note under the underlined span.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.default_severity(),
            message: message.into(),
            span,
            label: None,
            help: None,
        }
    }

    /// Adds the note shown under the span.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds the fix.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic for a terminal: the machine-readable first line, the source
    /// line with the span underlined, and the help.
    pub fn render(&self, source: &SourceFile) -> String {
        let mut out = String::new();
        let (line, column) = (self.span.line, self.span.column);
        if self.span.is_known() {
            let _ = write!(out, "{}:{line}:{column}: ", source.name);
        } else {
            let _ = write!(out, "{}: ", source.name);
        }
        let _ = writeln!(out, "{}[{}]: {}", self.severity, self.code, self.message);
        if let Some(text) = source.line_text(line) {
            let gutter = line.to_string();
            let pad = " ".repeat(gutter.len());
            let text = text.replace('\t', " ");
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{gutter} | {}", text.trim_end());
            let line_chars = text.chars().count();
            let start = column.saturating_sub(1).min(line_chars);
            let width = self.span.len.clamp(1, (line_chars - start).max(1));
            let mut underline = format!("{pad} | {}{}", " ".repeat(start), "^".repeat(width));
            if let Some(label) = &self.label {
                underline.push(' ');
                underline.push_str(label);
            }
            let _ = writeln!(out, "{underline}");
            if let Some(help) = &self.help {
                let _ = writeln!(out, "{pad} = help: {help}");
            }
        } else if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out
    }

    /// The JSON form printed by `--message-format json`, one object per diagnostic.
    pub fn to_json(&self, source: &SourceFile) -> serde_json::Value {
        serde_json::json!({
            "file": source.name,
            "line": self.span.line,
            "column": self.span.column,
            "length": self.span.len,
            "severity": self.severity,
            "code": self.code.to_string(),
            "message": self.message,
            "label": self.label,
            "help": self.help,
        })
    }
}

/// Collects diagnostics; nothing stops at the first one.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records one diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Everything collected, in source order (then by code), for stable output.
    pub fn into_sorted(mut self) -> Vec<Diagnostic> {
        self.items.sort_by(|a, b| {
            (a.span.line, a.span.column, a.code, &a.message).cmp(&(
                b.span.line,
                b.span.column,
                b.code,
                &b.message,
            ))
        });
        self.items.dedup();
        self.items
    }
}

/// The closest candidate to `word`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
