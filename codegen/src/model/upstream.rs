//! `upstream:`: the HTTP API a proxy server forwards its tools to (`mcpgen import
//! --openapi --proxy`). The generated module does not use it: the handlers `mcpgen new
//! --from` writes for such a spec do.

use schemars::JsonSchema;

use super::NamedMap;
use crate::source::Sp;

/// Where the upstream API is and how to authenticate to it, from the environment.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Upstream {
    /// The environment variable holding the API's base URL (`PETSTORE_BASE_URL`).
    pub base_url_env: Sp<String>,
    /// The base URL when the variable is not set (the OpenAPI document's first server).
    pub base_url: Option<Sp<String>>,
    /// Credentials sent with every upstream request, each read from an environment
    /// variable. The MCP client's own token is never forwarded.
    #[schemars(default)]
    pub credentials: Vec<UpstreamCredential>,
    /// How long an upstream request may take.
    pub timeout_ms: Option<Sp<u64>>,
}

/// One credential of the upstream API: a header (or query parameter) whose value is
/// `prefix` followed by the environment variable's value.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct UpstreamCredential {
    /// The header that carries it, such as `Authorization` or `X-API-Key`.
    pub header: Option<Sp<String>>,
    /// The query parameter that carries it, instead of a header.
    pub query: Option<Sp<String>>,
    /// Put before the value, such as `Bearer `.
    pub prefix: Option<Sp<String>>,
    /// The environment variable holding it, such as `PETSTORE_TOKEN`.
    pub env: Sp<String>,
}

/// A tool's upstream request.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ToolUpstream {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: Sp<String>,
    /// The path below the base URL, with `{argument}` for path arguments.
    pub path: Sp<String>,
    /// Where each argument goes: `path`, `query`, `header`, `body` (a field of the JSON
    /// body) or `body_all` (the whole body); `query:NAME`, `header:NAME` and `body:NAME`
    /// when the request names it otherwise.
    #[schemars(default)]
    pub args: NamedMap<Sp<String>>,
}
