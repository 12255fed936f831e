//! The spanned YAML tree to the model, reporting every structural problem at once.
//!
//! Reading is forgiving: an unknown key is reported and skipped, a value of the wrong
//! type is reported and left out, and reading goes on, so that one run shows every
//! problem of the file and the checks still see as much of the model as there is.
//!
//! The reader and what every part shares are here; how each part of the spec is read is
//! in the submodule of that part: `types`, `tool`, `guardrails`, `resources`,
//! `prompts`, `server` and `auth`, with `values` for the scalars, lists and maps they
//! are made of.

mod auth;
mod guardrails;
mod prompts;
mod resources;
mod server;
mod tool;
mod types;
mod values;

use crate::diag::{Code, Diagnostic, Diagnostics, did_you_mean};
use crate::model::*;
use crate::source::{Sp, Span};
use crate::yaml::Node;

/// Keys each mapping of the spec accepts. A test keeps them equal to the properties of
/// the generated JSON Schema, so the reader and the editor schema cannot disagree.
pub mod keys {
    /// Top level.
    pub const SPEC: &[&str] = &[
        "mcpgen",
        "server",
        "types",
        "tools",
        "resources",
        "resource_templates",
        "prompts",
        "transports",
        "limits",
        "rate_limits",
        "auth",
        "store",
        "telemetry",
        "audit",
        "lints",
        "upstream",
    ];
    /// `upstream:`.
    pub const UPSTREAM: &[&str] = &["base_url_env", "base_url", "credentials", "timeout_ms"];
    /// An entry of `upstream.credentials`.
    pub const UPSTREAM_CREDENTIAL: &[&str] = &["header", "query", "prefix", "env"];
    /// A tool's `upstream:`.
    pub const TOOL_UPSTREAM: &[&str] = &["method", "path", "args"];
    /// `server:`.
    pub const SERVER: &[&str] = &[
        "name",
        "version",
        "title",
        "description",
        "instructions",
        "website_url",
        "repository",
        "registry_name",
    ];
    /// A type expression (parameter, field, output, named type).
    pub const SCHEMA: &[&str] = &[
        "type",
        "description",
        "title",
        "optional",
        "default",
        "examples",
        "min_length",
        "max_length",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "enum",
        "items",
        "min_items",
        "max_items",
        "unique_items",
        "fields",
        "allow",
        "header",
        "pii",
    ];
    /// A tool.
    pub const TOOL: &[&str] = &[
        "title",
        "description",
        "annotations",
        "scopes",
        "anonymous",
        "client_capabilities",
        "rate_limit",
        "timeout_ms",
        "max_response_bytes",
        "rate_limit_per_agent",
        "max_concurrent_calls",
        "on_large_response",
        "circuit_breaker",
        "idempotency",
        "disabled",
        "task",
        "task_start",
        "params",
        "input_schema",
        "output",
        "errors",
        "allow",
        "audit",
        "upstream",
    ];
    /// A tool's `audit:`.
    pub const TOOL_AUDIT: &[&str] = &["arguments"];
    /// `audit:` at the top.
    pub const AUDIT: &[&str] = &["enabled", "arguments", "retain_days", "max_value_chars"];
    /// `annotations:`.
    pub const ANNOTATIONS: &[&str] = &["read_only", "destructive", "idempotent", "open_world"];
    /// A declared error case in its long form.
    pub const ERROR_CASE: &[&str] = &["message", "fields", "retryable"];
    /// A static resource.
    pub const RESOURCE: &[&str] = &[
        "uri",
        "title",
        "description",
        "mime_type",
        "text",
        "file",
        "size_bytes",
        "scopes",
        "anonymous",
    ];
    /// A resource template.
    pub const RESOURCE_TEMPLATE: &[&str] = &[
        "uri_template",
        "title",
        "description",
        "mime_type",
        "params",
        "scopes",
        "anonymous",
    ];
    /// A prompt.
    pub const PROMPT: &[&str] = &[
        "title",
        "description",
        "arguments",
        "messages",
        "handler",
        "scopes",
        "anonymous",
    ];
    /// A prompt argument.
    pub const PROMPT_ARGUMENT: &[&str] = &["title", "description", "required", "allow"];
    /// A prompt message.
    pub const PROMPT_MESSAGE: &[&str] = &["role", "text", "image", "resource"];
    /// The `image` of a prompt message.
    pub const PROMPT_IMAGE: &[&str] = &["file", "mime_type"];
    /// The `resource` of a prompt message.
    pub const PROMPT_RESOURCE: &[&str] = &["uri", "mime_type", "text"];
    /// `transports:`.
    pub const TRANSPORTS: &[&str] = &["stdio", "http"];
    /// `transports.http:`.
    pub const HTTP: &[&str] = &[
        "bind",
        "path",
        "public_url",
        "allowed_hosts",
        "allowed_origins",
        "trusted_proxy_hops",
    ];
    /// `limits:`.
    pub const LIMITS: &[&str] = &[
        "max_request_bytes",
        "max_response_bytes",
        "default_timeout_ms",
        "max_concurrent_calls",
        "on_large_response",
        "circuit_breaker",
    ];
    /// `circuit_breaker:` (of a tool or under `limits`).
    pub const CIRCUIT_BREAKER: &[&str] = &[
        "enabled",
        "failures",
        "window_ms",
        "cooldown_ms",
        "successes",
    ];
    /// A tool's `idempotency:`.
    pub const IDEMPOTENCY: &[&str] = &["key", "window_ms"];
    /// `rate_limits:`.
    pub const RATE_LIMITS: &[&str] = &[
        "per_agent",
        "per_tool",
        "per_address",
        "backend",
        "redis_url",
        "on_redis_error",
    ];
    /// `auth:`.
    pub const AUTH: &[&str] = &[
        "mode",
        "scopes",
        "tokens",
        "oauth",
        "public_discovery",
        "stdio",
    ];
    /// An entry of `auth.tokens`.
    pub const BEARER_TOKEN: &[&str] = &["subject", "token", "scopes"];
    /// `auth.oauth:`.
    pub const OAUTH: &[&str] = &["issuer", "audience", "jwks_uri", "introspection"];
    /// `auth.oauth.introspection:`.
    pub const INTROSPECTION: &[&str] = &["url", "client_id", "client_secret", "cache_ms"];
    /// `store:`.
    pub const STORE: &[&str] = &["data_dir"];
    /// `telemetry:`.
    pub const TELEMETRY: &[&str] = &["otlp_endpoint"];
    /// `lints:`.
    pub const LINTS: &[&str] = &["allow", "warn", "deny", "max_description_chars"];
}

/// Reads a parsed spec into the model. Always returns a model (possibly partial);
/// problems go to `diags`.
pub fn lower(root: &Sp<Node>, diags: &mut Diagnostics) -> Spec {
    let mut r = Reader { diags };
    r.spec(root)
}

struct Reader<'d> {
    diags: &'d mut Diagnostics,
}

/// The entries of a mapping, after unknown keys have been reported.
struct Fields<'n> {
    span: Span,
    what: &'static str,
    entries: &'n [(Sp<String>, Sp<Node>)],
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Sp<Node>> {
        self.entries
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| v)
    }
}

/// A value that can be read from a node.
trait FromNode: Sized {
    /// What the reader expects, for "expected ..., found ..." messages.
    const EXPECTED: &'static str;
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self>;
}

impl Reader<'_> {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn wrong_type(&mut self, node: &Sp<Node>, expected: &str) {
        let found = node.value.kind();
        let mut d = Diagnostic::new(
            Code::WrongType,
            node.span,
            format!("expected {expected}, found {found}"),
        );
        if let (Node::Str(s), true) = (
            &node.value,
            expected.contains("number") || expected.contains("integer"),
        ) {
            d = d.with_help(format!("write the number without quotes: `{}`", s.trim()));
        } else if expected.contains("mapping") && matches!(node.value, Node::Seq(_)) {
            d = d.with_help("this is a mapping of names to entries, not a list: write `name: { ... }` without the leading `-`");
        }
        self.push(d);
    }

    /// Opens a mapping, reporting unknown keys (with the closest known one).
    fn fields<'n>(
        &mut self,
        node: &'n Sp<Node>,
        what: &'static str,
        known: &[&str],
    ) -> Option<Fields<'n>> {
        let Node::Map(entries) = &node.value else {
            self.wrong_type(node, &format!("a mapping ({what})"));
            return None;
        };
        for (key, _) in entries {
            if !known.contains(&key.value.as_str()) {
                let mut d = Diagnostic::new(
                    Code::UnknownKey,
                    key.span,
                    format!("unknown key `{}` in {what}", key.value),
                );
                if key.value.contains(' ') {
                    // `{ description: A, B }` reads `B` as a key: the comma ended the value.
                    self.push(d.with_label("this looks like the rest of the previous value").with_help(
                        "in a `{ ... }` mapping a comma ends an unquoted value: put the previous value in quotes",
                    ));
                    continue;
                }
                d = match did_you_mean(&key.value, known.iter().copied()) {
                    Some(best) => {
                        d.with_label(format!("did you mean `{best}`?"))
                            .with_help(format!(
                                "rename it to `{best}`; the keys of {what} are: {}",
                                known.join(", ")
                            ))
                    }
                    None => d.with_help(format!("the keys of {what} are: {}", known.join(", "))),
                };
                self.push(d);
            }
        }
        Some(Fields {
            span: node.span,
            what,
            entries,
        })
    }

    fn opt<T: FromNode>(&mut self, f: &Fields<'_>, key: &str) -> Option<T> {
        let node = f.get(key)?;
        T::from_node(self, node)
    }

    fn req<T: FromNode>(&mut self, f: &Fields<'_>, key: &str) -> Option<T> {
        match f.get(key) {
            Some(node) => T::from_node(self, node),
            None => {
                self.push(
                    Diagnostic::new(
                        Code::MissingKey,
                        f.span,
                        format!("{} has no `{key}`", f.what),
                    )
                    .with_help(format!("add `{key}:` ({})", T::EXPECTED)),
                );
                None
            }
        }
    }

    fn list_or_default<T: FromNode>(&mut self, f: &Fields<'_>, key: &str) -> Vec<T> {
        self.opt::<Vec<T>>(f, key).unwrap_or_default()
    }

    fn spec(&mut self, root: &Sp<Node>) -> Spec {
        let mut spec = Spec::default();
        let Node::Map(_) = &root.value else {
            self.push(
                Diagnostic::new(Code::Empty, root.span, format!("the spec is {}, not a mapping", root.value.kind()))
                    .with_help("a spec is a mapping with `mcpgen: 1`, `server:`, `tools:` and so on; see specs/weather.yaml"),
            );
            return spec;
        };
        let Some(f) = self.fields(root, "the spec", keys::SPEC) else {
            return spec;
        };
        match f.get("mcpgen") {
            None => self.push(
                Diagnostic::new(
                    Code::SpecVersion,
                    Span {
                        offset: 0,
                        len: 0,
                        line: 1,
                        column: 1,
                    },
                    "the spec does not say its format version",
                )
                .with_help("add `mcpgen: 1` as the first line"),
            ),
            Some(node) => match &node.value {
                Node::Int(1) => spec.mcpgen = Sp::new(1, node.span),
                _ => self.push(
                    Diagnostic::new(
                        Code::SpecVersion,
                        node.span,
                        format!("unsupported spec format version {}", node.value.to_json()),
                    )
                    .with_help(
                        "this mcpgen reads `mcpgen: 1`; upgrade mcpgen if the spec is newer",
                    ),
                ),
            },
        }
        spec.server = self.req::<ServerInfo>(&f, "server").unwrap_or_default();
        spec.types = self
            .opt::<NamedMap<TypeDef>>(&f, "types")
            .unwrap_or_default();
        spec.tools = self.opt(&f, "tools").unwrap_or_default();
        spec.resources = self.opt(&f, "resources").unwrap_or_default();
        spec.resource_templates = self.opt(&f, "resource_templates").unwrap_or_default();
        spec.prompts = self.opt(&f, "prompts").unwrap_or_default();
        spec.transports = self.opt(&f, "transports").unwrap_or_default();
        spec.limits = self.opt(&f, "limits").unwrap_or_default();
        spec.rate_limits = self.opt(&f, "rate_limits").unwrap_or_default();
        spec.auth = self.opt(&f, "auth").unwrap_or_default();
        spec.store = self.opt(&f, "store").unwrap_or_default();
        spec.telemetry = self.opt(&f, "telemetry").unwrap_or_default();
        spec.audit = self.opt(&f, "audit").unwrap_or_default();
        spec.lints = self.opt(&f, "lints").unwrap_or_default();
        spec.upstream = self.opt(&f, "upstream");
        spec
    }
}
