//! The spanned YAML tree to the model, reporting every structural problem at once.
//!
//! Reading is forgiving: an unknown key is reported and skipped, a value of the wrong
//! type is reported and left out, and reading goes on, so that one run shows every
//! problem of the file and the checks still see as much of the model as there is.

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
        "lints",
    ];
    /// `server:`.
    pub const SERVER: &[&str] = &[
        "name",
        "version",
        "title",
        "description",
        "instructions",
        "website_url",
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
    ];
    /// A tool.
    pub const TOOL: &[&str] = &[
        "title",
        "description",
        "annotations",
        "scopes",
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
    ];
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
    ];
    /// A resource template.
    pub const RESOURCE_TEMPLATE: &[&str] = &[
        "uri_template",
        "title",
        "description",
        "mime_type",
        "params",
    ];
    /// A prompt.
    pub const PROMPT: &[&str] = &["title", "description", "arguments", "messages", "handler"];
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
    pub const AUTH: &[&str] = &["mode", "scopes", "tokens", "oauth"];
    /// An entry of `auth.tokens`.
    pub const BEARER_TOKEN: &[&str] = &["subject", "token", "scopes"];
    /// `auth.oauth:`.
    pub const OAUTH: &[&str] = &["issuer", "audience", "jwks_uri"];
    /// `store:`.
    pub const STORE: &[&str] = &["data_dir"];
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
        spec.lints = self.opt(&f, "lints").unwrap_or_default();
        spec
    }
}

// ---- scalars ----

impl FromNode for Sp<String> {
    const EXPECTED: &'static str = "a string";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Str(s) => Some(Sp::new(s.clone(), node.span)),
            _ => {
                r.wrong_type(node, Self::EXPECTED);
                None
            }
        }
    }
}

impl FromNode for Sp<EnvString> {
    const EXPECTED: &'static str = "a string (may use `${VAR}`)";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Str(s) => Some(Sp::new(EnvString(s.clone()), node.span)),
            // `bind: 8080` is a common slip; numbers read as their text.
            Node::Int(i) => Some(Sp::new(EnvString(i.to_string()), node.span)),
            _ => {
                r.wrong_type(node, Self::EXPECTED);
                None
            }
        }
    }
}

impl FromNode for Sp<bool> {
    const EXPECTED: &'static str = "`true` or `false`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Bool(b) => Some(Sp::new(*b, node.span)),
            _ => {
                r.wrong_type(node, Self::EXPECTED);
                None
            }
        }
    }
}

impl FromNode for Sp<u64> {
    const EXPECTED: &'static str = "a whole number (0 or more)";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Int(i) if *i >= 0 => Some(Sp::new(i.unsigned_abs(), node.span)),
            Node::UInt(u) => Some(Sp::new(*u, node.span)),
            _ => {
                r.wrong_type(node, Self::EXPECTED);
                None
            }
        }
    }
}

impl FromNode for Sp<u32> {
    const EXPECTED: &'static str = "a whole number from 0 to 4294967295";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Int(i) => match u32::try_from(*i) {
                Ok(v) => Some(Sp::new(v, node.span)),
                Err(_) => {
                    r.wrong_type(node, Self::EXPECTED);
                    None
                }
            },
            _ => {
                r.wrong_type(node, Self::EXPECTED);
                None
            }
        }
    }
}

impl FromNode for Sp<f64> {
    const EXPECTED: &'static str = "a number";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        #[allow(clippy::cast_precision_loss)]
        match &node.value {
            Node::Int(i) => Some(Sp::new(*i as f64, node.span)),
            Node::UInt(u) => Some(Sp::new(*u as f64, node.span)),
            Node::Float(f) if f.is_finite() => Some(Sp::new(*f, node.span)),
            _ => {
                r.wrong_type(node, Self::EXPECTED);
                None
            }
        }
    }
}

impl FromNode for Sp<serde_json::Value> {
    const EXPECTED: &'static str = "a value";
    fn from_node(_: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        Some(Sp::new(node.value.to_json(), node.span))
    }
}

/// Reads a string and maps it through a closed list of spellings.
fn keyword<T: Copy>(
    r: &mut Reader<'_>,
    node: &Sp<Node>,
    what: &str,
    options: &[(&'static str, T)],
) -> Option<Sp<T>> {
    let names = || {
        options
            .iter()
            .map(|(n, _)| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Node::Str(s) = &node.value else {
        r.wrong_type(node, &format!("{what}: one of {}", names()));
        return None;
    };
    if let Some((_, v)) = options.iter().find(|(n, _)| *n == s) {
        return Some(Sp::new(*v, node.span));
    }
    let mut d = Diagnostic::new(
        Code::WrongType,
        node.span,
        format!("`{s}` is not a known {what}"),
    )
    .with_help(format!("use one of {}", names()));
    if let Some(best) = did_you_mean(s, options.iter().map(|(n, _)| *n)) {
        d = d.with_label(format!("did you mean `{best}`?"));
    }
    r.push(d);
    None
}

impl FromNode for Sp<StringFormat> {
    const EXPECTED: &'static str = "a string format";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(r, node, "string format", StringFormat::ALL)
    }
}

impl FromNode for Sp<Role> {
    const EXPECTED: &'static str = "`user` or `assistant`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "message role",
            &[("user", Role::User), ("assistant", Role::Assistant)],
        )
    }
}

impl FromNode for Sp<ClientCapability> {
    const EXPECTED: &'static str = "`sampling`, `elicitation` or `roots`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(r, node, "client capability", ClientCapability::ALL)
    }
}

impl FromNode for Sp<AuthMode> {
    const EXPECTED: &'static str = "`none`, `bearer` or `oauth`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "auth mode",
            &[
                ("none", AuthMode::None),
                ("bearer", AuthMode::Bearer),
                ("oauth", AuthMode::Oauth),
            ],
        )
    }
}

impl FromNode for Sp<RateLimitBackend> {
    const EXPECTED: &'static str = "`memory` or `redis`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "rate-limit backend",
            &[
                ("memory", RateLimitBackend::Memory),
                ("redis", RateLimitBackend::Redis),
            ],
        )
    }
}

impl FromNode for Sp<RateLimit> {
    const EXPECTED: &'static str = "a rate such as `30/min`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let Node::Str(s) = &node.value else {
            r.wrong_type(
                node,
                "a rate such as `30/min`, `5/s` or `1000/day` (optionally `30/min burst 10`)",
            );
            return None;
        };
        match crate::rate::parse(s) {
            Ok(rate) => Some(Sp::new(rate, node.span)),
            Err(e) => {
                r.push(crate::rate::invalid(s, &e, node.span));
                None
            }
        }
    }
}

// ---- containers ----

impl<T: FromNode> FromNode for Vec<T> {
    const EXPECTED: &'static str = "a list";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Seq(items) => Some(items.iter().filter_map(|n| T::from_node(r, n)).collect()),
            // `scopes: admin` for `scopes: [admin]`: accept one item, it reads naturally.
            Node::Str(_) => T::from_node(r, node).map(|v| vec![v]),
            _ => {
                r.wrong_type(
                    node,
                    &format!("a list of {}", T::EXPECTED.trim_start_matches("a ")),
                );
                None
            }
        }
    }
}

impl<T: FromNode> FromNode for NamedMap<T> {
    const EXPECTED: &'static str = "a mapping of names to entries";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        match &node.value {
            Node::Map(entries) => Some(NamedMap(
                entries
                    .iter()
                    .filter_map(|(k, v)| T::from_node(r, v).map(|v| (k.clone(), v)))
                    .collect(),
            )),
            Node::Null => Some(NamedMap::default()),
            _ => {
                r.wrong_type(node, "a mapping of names to entries (`name: { ... }`)");
                None
            }
        }
    }
}

// ---- structures ----

impl FromNode for ServerInfo {
    const EXPECTED: &'static str = "a mapping with `name` and `version`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`server`", keys::SERVER)?;
        Some(ServerInfo {
            name: r.req(&f, "name").unwrap_or_default(),
            version: r.req(&f, "version").unwrap_or_default(),
            title: r.opt(&f, "title"),
            description: r.opt(&f, "description"),
            instructions: r.opt(&f, "instructions"),
            website_url: r.opt(&f, "website_url"),
        })
    }
}

impl FromNode for TypeDef {
    const EXPECTED: &'static str = "a type";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        Schema::from_node(r, node).map(TypeDef)
    }
}

impl FromNode for Box<Schema> {
    const EXPECTED: &'static str = "a type";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        Schema::from_node(r, node).map(Box::new)
    }
}

impl FromNode for Schema {
    const EXPECTED: &'static str = "a type: a name such as `string`, or a mapping with `type:`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        if let Node::Str(s) = &node.value {
            return Some(Schema::named(Sp::new(s.clone(), node.span)));
        }
        let f = r.fields(node, "a type", keys::SCHEMA)?;
        Some(Schema {
            span: node.span,
            ty: r.opt(&f, "type"),
            description: r.opt(&f, "description"),
            title: r.opt(&f, "title"),
            optional: r.opt(&f, "optional"),
            default: r.opt(&f, "default"),
            examples: r.opt(&f, "examples"),
            min_length: r.opt(&f, "min_length"),
            max_length: r.opt(&f, "max_length"),
            pattern: r.opt(&f, "pattern"),
            format: r.opt(&f, "format"),
            minimum: r.opt(&f, "minimum"),
            maximum: r.opt(&f, "maximum"),
            enum_values: f.get("enum").and_then(|n| enum_values(r, n)),
            items: r.opt(&f, "items"),
            min_items: r.opt(&f, "min_items"),
            max_items: r.opt(&f, "max_items"),
            unique_items: r.opt(&f, "unique_items"),
            fields: r.opt(&f, "fields"),
            allow: r.opt(&f, "allow"),
            header: r.opt(&f, "header"),
        })
    }
}

/// `enum: [a, b]` or `enum: { a: what a means, b: what b means }`.
fn enum_values(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Sp<Vec<EnumValue>>> {
    let scalar = |r: &mut Reader<'_>, n: &Sp<Node>| -> Option<Sp<String>> {
        match &n.value {
            Node::Str(s) => Some(Sp::new(s.clone(), n.span)),
            Node::Int(_) | Node::Bool(_) | Node::Float(_) | Node::UInt(_) => {
                r.push(
                    Diagnostic::new(
                        Code::WrongType,
                        n.span,
                        format!("enum values are strings, found {}", n.value.kind()),
                    )
                    .with_help(format!("quote it: `\"{}\"`", n.value.to_json())),
                );
                None
            }
            _ => {
                r.wrong_type(n, "a string enum value");
                None
            }
        }
    };
    let values = match &node.value {
        Node::Seq(items) => items
            .iter()
            .filter_map(|n| scalar(r, n))
            .map(|value| EnumValue {
                value,
                description: None,
            })
            .collect(),
        Node::Map(entries) => entries
            .iter()
            .map(|(k, v)| EnumValue {
                value: k.clone(),
                description: match &v.value {
                    Node::Null => None,
                    _ => Sp::<String>::from_node(r, v),
                },
            })
            .collect(),
        _ => {
            r.wrong_type(
                node,
                "a list of values, or a mapping of values to descriptions",
            );
            return None;
        }
    };
    Some(Sp::new(values, node.span))
}

impl FromNode for Tool {
    const EXPECTED: &'static str = "a tool";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a tool", keys::TOOL)?;
        Some(Tool {
            span: node.span,
            title: r.opt(&f, "title"),
            description: r.opt(&f, "description"),
            annotations: r.opt(&f, "annotations").unwrap_or_default(),
            scopes: r.list_or_default(&f, "scopes"),
            client_capabilities: r.list_or_default(&f, "client_capabilities"),
            rate_limit: r.opt(&f, "rate_limit"),
            timeout_ms: r.opt(&f, "timeout_ms"),
            max_response_bytes: r.opt(&f, "max_response_bytes"),
            rate_limit_per_agent: r.opt(&f, "rate_limit_per_agent"),
            max_concurrent_calls: r.opt(&f, "max_concurrent_calls"),
            on_large_response: r.opt(&f, "on_large_response"),
            circuit_breaker: r.opt(&f, "circuit_breaker"),
            idempotency: r.opt(&f, "idempotency"),
            disabled: r.opt(&f, "disabled"),
            task: r.opt(&f, "task"),
            task_start: r.opt(&f, "task_start"),
            params: r.opt(&f, "params").unwrap_or_default(),
            input_schema: r.opt(&f, "input_schema"),
            output: r.opt(&f, "output"),
            errors: r.opt(&f, "errors").unwrap_or_default(),
            allow: r.list_or_default(&f, "allow"),
        })
    }
}

impl FromNode for RawSchema {
    const EXPECTED: &'static str = "a JSON Schema (a mapping)";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        if !matches!(node.value, Node::Map(_)) {
            r.wrong_type(node, Self::EXPECTED);
            return None;
        }
        /// Every key and item, by JSON pointer.
        fn walk(node: &Sp<Node>, pointer: &mut String, out: &mut Vec<(String, Span)>) {
            let mut enter = |segment: &str, span: Span, child: &Sp<Node>, out: &mut Vec<_>| {
                let before = pointer.len();
                pointer.push('/');
                pointer.push_str(&mcpgen_schema::escape_pointer(segment));
                out.push((pointer.clone(), span));
                walk(child, pointer, out);
                pointer.truncate(before);
            };
            match &node.value {
                Node::Map(entries) => {
                    for (key, child) in entries {
                        enter(&key.value, key.span, child, out);
                    }
                }
                Node::Seq(items) => {
                    for (index, child) in items.iter().enumerate() {
                        enter(&index.to_string(), child.span, child, out);
                    }
                }
                _ => {}
            }
        }
        let mut spans = Vec::new();
        walk(node, &mut String::new(), &mut spans);
        Some(RawSchema {
            span: node.span,
            value: node.value.to_json(),
            spans,
        })
    }
}

impl FromNode for Annotations {
    const EXPECTED: &'static str = "annotations";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`annotations`", keys::ANNOTATIONS)?;
        Some(Annotations {
            read_only: r.opt(&f, "read_only"),
            destructive: r.opt(&f, "destructive"),
            idempotent: r.opt(&f, "idempotent"),
            open_world: r.opt(&f, "open_world"),
        })
    }
}

impl FromNode for ErrorCase {
    const EXPECTED: &'static str = "a message template, or a mapping with `message`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        if let Node::Str(s) = &node.value {
            return Some(ErrorCase {
                message: Sp::new(s.clone(), node.span),
                fields: NamedMap::default(),
                retryable: None,
            });
        }
        let f = r.fields(node, "an error case", keys::ERROR_CASE)?;
        Some(ErrorCase {
            message: r.req(&f, "message")?,
            fields: r.opt(&f, "fields").unwrap_or_default(),
            retryable: r.opt(&f, "retryable"),
        })
    }
}

impl FromNode for Resource {
    const EXPECTED: &'static str = "a resource";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a resource", keys::RESOURCE)?;
        Some(Resource {
            span: node.span,
            uri: r.req(&f, "uri")?,
            title: r.opt(&f, "title"),
            description: r.opt(&f, "description"),
            mime_type: r.opt(&f, "mime_type"),
            text: r.opt(&f, "text"),
            file: r.opt(&f, "file"),
            size_bytes: r.opt(&f, "size_bytes"),
        })
    }
}

impl FromNode for ResourceTemplate {
    const EXPECTED: &'static str = "a resource template";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a resource template", keys::RESOURCE_TEMPLATE)?;
        Some(ResourceTemplate {
            span: node.span,
            uri_template: r.req(&f, "uri_template")?,
            title: r.opt(&f, "title"),
            description: r.opt(&f, "description"),
            mime_type: r.opt(&f, "mime_type"),
            params: r.opt(&f, "params").unwrap_or_default(),
        })
    }
}

impl FromNode for Prompt {
    const EXPECTED: &'static str = "a prompt";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a prompt", keys::PROMPT)?;
        Some(Prompt {
            span: node.span,
            title: r.opt(&f, "title"),
            description: r.opt(&f, "description"),
            arguments: r.opt(&f, "arguments").unwrap_or_default(),
            messages: r.list_or_default(&f, "messages"),
            handler: r.opt(&f, "handler"),
        })
    }
}

impl FromNode for PromptArgument {
    const EXPECTED: &'static str = "a prompt argument";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a prompt argument", keys::PROMPT_ARGUMENT)?;
        Some(PromptArgument {
            span: node.span,
            title: r.opt(&f, "title"),
            description: r.opt(&f, "description"),
            required: r.opt(&f, "required"),
            allow: r.list_or_default(&f, "allow"),
        })
    }
}

impl FromNode for PromptMessage {
    const EXPECTED: &'static str = "a message with `role` and one of `text`, `image`, `resource`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a prompt message", keys::PROMPT_MESSAGE)?;
        let role = r.req(&f, "role")?;
        let contents: Vec<&str> = ["text", "image", "resource"]
            .into_iter()
            .filter(|k| f.get(k).is_some())
            .collect();
        if contents.len() != 1 {
            let found = if contents.is_empty() {
                "none".to_owned()
            } else {
                contents.join(" and ")
            };
            r.push(
                Diagnostic::new(
                    Code::MissingKey,
                    node.span,
                    format!("a prompt message has one content: `text`, `image` or `resource`; this one has {found}"),
                )
                .with_help("write one message per content: `{ role: user, text: \"...\" }`, `{ role: user, image: { file: img.png, mime_type: image/png } }` or `{ role: user, resource: { uri: \"...\", text: \"...\" } }`"),
            );
            return None;
        }
        Some(PromptMessage {
            span: node.span,
            role,
            text: r.opt(&f, "text"),
            image: r.opt(&f, "image"),
            resource: r.opt(&f, "resource"),
        })
    }
}

impl FromNode for PromptImage {
    const EXPECTED: &'static str = "an image with `file` and `mime_type`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a prompt image", keys::PROMPT_IMAGE)?;
        Some(PromptImage {
            file: r.req(&f, "file")?,
            mime_type: r.req(&f, "mime_type")?,
        })
    }
}

impl FromNode for PromptResource {
    const EXPECTED: &'static str = "a resource with `uri` and `text`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a prompt resource", keys::PROMPT_RESOURCE)?;
        Some(PromptResource {
            uri: r.req(&f, "uri")?,
            mime_type: r.opt(&f, "mime_type"),
            text: r.req(&f, "text")?,
        })
    }
}

impl FromNode for Transports {
    const EXPECTED: &'static str = "transports";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`transports`", keys::TRANSPORTS)?;
        Some(Transports {
            stdio: r.opt(&f, "stdio"),
            http: r.opt(&f, "http"),
        })
    }
}

impl FromNode for HttpTransport {
    const EXPECTED: &'static str = "HTTP settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`transports.http`", keys::HTTP)?;
        Some(HttpTransport {
            bind: r.opt(&f, "bind"),
            path: r.opt(&f, "path"),
            public_url: r.opt(&f, "public_url"),
            allowed_hosts: r.list_or_default(&f, "allowed_hosts"),
            allowed_origins: r.list_or_default(&f, "allowed_origins"),
            trusted_proxy_hops: r.opt(&f, "trusted_proxy_hops"),
        })
    }
}

impl FromNode for Limits {
    const EXPECTED: &'static str = "limits";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`limits`", keys::LIMITS)?;
        Some(Limits {
            max_request_bytes: r.opt(&f, "max_request_bytes"),
            max_response_bytes: r.opt(&f, "max_response_bytes"),
            default_timeout_ms: r.opt(&f, "default_timeout_ms"),
            max_concurrent_calls: r.opt(&f, "max_concurrent_calls"),
            on_large_response: r.opt(&f, "on_large_response"),
            circuit_breaker: r.opt(&f, "circuit_breaker"),
        })
    }
}

impl FromNode for CircuitBreakerSpec {
    const EXPECTED: &'static str = "circuit breaker settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`circuit_breaker`", keys::CIRCUIT_BREAKER)?;
        Some(CircuitBreakerSpec {
            span: node.span,
            enabled: r.opt(&f, "enabled"),
            failures: r.opt(&f, "failures"),
            window_ms: r.opt(&f, "window_ms"),
            cooldown_ms: r.opt(&f, "cooldown_ms"),
            successes: r.opt(&f, "successes"),
        })
    }
}

impl FromNode for IdempotencySpec {
    const EXPECTED: &'static str = "a mapping with `key`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`idempotency`", keys::IDEMPOTENCY)?;
        Some(IdempotencySpec {
            span: node.span,
            key: r.req(&f, "key")?,
            window_ms: r.opt(&f, "window_ms"),
        })
    }
}

impl FromNode for Sp<LargeResponse> {
    const EXPECTED: &'static str = "`error` or `truncate`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "large-response mode",
            &[
                ("error", LargeResponse::Error),
                ("truncate", LargeResponse::Truncate),
            ],
        )
    }
}

impl FromNode for Sp<TaskSupport> {
    const EXPECTED: &'static str = "`optional` or `required`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "task support",
            &[
                ("optional", TaskSupport::Optional),
                ("required", TaskSupport::Required),
            ],
        )
    }
}

impl FromNode for Sp<TaskStart> {
    const EXPECTED: &'static str = "`at_once` or `by_handler`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "task start",
            &[
                ("at_once", TaskStart::AtOnce),
                ("by_handler", TaskStart::ByHandler),
            ],
        )
    }
}

impl FromNode for Sp<OnRedisError> {
    const EXPECTED: &'static str = "`local`, `open` or `closed`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "Redis failure mode",
            &[
                ("local", OnRedisError::Local),
                ("open", OnRedisError::Open),
                ("closed", OnRedisError::Closed),
            ],
        )
    }
}

impl FromNode for RateLimits {
    const EXPECTED: &'static str = "rate limits";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`rate_limits`", keys::RATE_LIMITS)?;
        Some(RateLimits {
            per_agent: r.opt(&f, "per_agent"),
            per_tool: r.opt(&f, "per_tool"),
            per_address: r.opt(&f, "per_address"),
            backend: r.opt(&f, "backend"),
            redis_url: r.opt(&f, "redis_url"),
            on_redis_error: r.opt(&f, "on_redis_error"),
        })
    }
}

impl FromNode for Auth {
    const EXPECTED: &'static str = "auth settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`auth`", keys::AUTH)?;
        Some(Auth {
            mode: r.opt(&f, "mode"),
            scopes: r.opt(&f, "scopes").unwrap_or_default(),
            tokens: r.list_or_default(&f, "tokens"),
            oauth: r.opt(&f, "oauth"),
        })
    }
}

impl FromNode for BearerToken {
    const EXPECTED: &'static str = "a token entry";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a bearer token", keys::BEARER_TOKEN)?;
        Some(BearerToken {
            subject: r.req(&f, "subject")?,
            token: r.req(&f, "token")?,
            scopes: r.list_or_default(&f, "scopes"),
        })
    }
}

impl FromNode for OAuth {
    const EXPECTED: &'static str = "OAuth settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`auth.oauth`", keys::OAUTH)?;
        Some(OAuth {
            issuer: r.req(&f, "issuer")?,
            audience: r.req(&f, "audience")?,
            jwks_uri: r.opt(&f, "jwks_uri"),
        })
    }
}

impl FromNode for StoreSettings {
    const EXPECTED: &'static str = "store settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`store`", keys::STORE)?;
        Some(StoreSettings {
            data_dir: r.opt(&f, "data_dir"),
        })
    }
}

impl FromNode for Lints {
    const EXPECTED: &'static str = "lint settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`lints`", keys::LINTS)?;
        Some(Lints {
            allow: r.list_or_default(&f, "allow"),
            warn: r.list_or_default(&f, "warn"),
            deny: r.list_or_default(&f, "deny"),
            max_description_chars: r.opt(&f, "max_description_chars"),
        })
    }
}
