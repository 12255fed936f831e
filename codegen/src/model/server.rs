//! Who the server is, how clients reach it, its limits, and its lint settings.

use schemars::JsonSchema;

use crate::source::Sp;

use super::{CircuitBreakerSpec, EnvString, LargeResponse};

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
    /// URL of the server's source repository, such as `https://github.com/alice/weather`
    /// (in the server card and `server.json`).
    pub repository: Option<Sp<String>>,
    /// The server's name in the official MCP Registry, `namespace/name` such as
    /// `io.github.alice/weather` (the server card's name; needed by `mcpgen registry`).
    pub registry_name: Option<Sp<String>>,
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

/// The audit trail: one row per request in the server's store.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct AuditSpec {
    /// Whether `serve` keeps the audit trail (default true).
    pub enabled: Option<Sp<bool>>,
    /// What is kept of a call's arguments: `none` or `summary` (default).
    pub arguments: Option<Sp<super::AuditArguments>>,
    /// Rows older than this many days are deleted (default 30).
    pub retain_days: Option<Sp<u32>>,
    /// Longer string values are cut to this many characters in the summary (default 80).
    pub max_value_chars: Option<Sp<u32>>,
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

/// What the server sends to the operator's observability tools.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TelemetrySettings {
    /// The OTLP/HTTP address of the OpenTelemetry collector request spans are exported
    /// to, such as `http://otel-collector:4318` or `${OTLP_ENDPOINT:-}` (`/v1/traces` is
    /// appended). `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
    /// replace it. Left out or empty: spans are exported only when one of them is set.
    pub otlp_endpoint: Option<Sp<EnvString>>,
}
