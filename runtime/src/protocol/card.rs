//! The server card: who the server is and how to reach it, for clients and registries
//! that look before they connect. Two shapes from the same facts: the draft MCP Server
//! Card (SEP-2127), served at `<endpoint>/server-card`, and the older card some
//! registries read at `/.well-known/mcp/server-card.json`. Neither lists tools: the
//! lists answer that, for callers auth lets see them.

use rmcp::model::ProtocolVersion;
use serde_json::{Value, json};

use crate::{AuthMode, declare::registry::Registry};

/// The media type of the SEP-2127 card.
pub(crate) const CARD_CONTENT_TYPE: &str = "application/mcp-server-card+json";
/// Where the SEP-2127 card is, under the endpoint's path.
pub(crate) const CARD_SUFFIX: &str = "/server-card";
/// Where the older card is.
pub(crate) const LEGACY_CARD_PATH: &str = "/.well-known/mcp/server-card.json";

const CARD_SCHEMA: &str =
    "https://static.modelcontextprotocol.io/schemas/v1/server-card.schema.json";
const LEGACY_CARD_SCHEMA: &str =
    "https://static.modelcontextprotocol.io/schemas/mcp-server-card/v1.json";

/// What the card says beyond `initialize`'s server info: set from the spec
/// (`server.registry_name`, `server.repository`, `auth.mode`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Discovery {
    /// `namespace/name` in the MCP Registry (`io.github.alice/weather`).
    pub(crate) registry_name: Option<String>,
    /// The source repository's URL.
    pub(crate) repository: Option<String>,
    /// How callers authenticate, when they must.
    pub(crate) auth: Option<AuthMode>,
}

/// The authentication a card announces: `required`, and the schemes.
fn authentication(auth: Option<AuthMode>) -> Value {
    match auth {
        None | Some(AuthMode::None) => json!({"required": false, "schemes": []}),
        Some(AuthMode::Bearer) => json!({"required": true, "schemes": ["bearer"]}),
        Some(AuthMode::OAuth) => json!({"required": true, "schemes": ["bearer", "oauth2"]}),
    }
}

/// The protocol revisions the server negotiates, oldest first.
fn revisions() -> Vec<&'static str> {
    ProtocolVersion::KNOWN_VERSIONS
        .iter()
        .map(ProtocolVersion::as_str)
        .collect()
}

/// The SEP-2127 card of a server reached at `url` (its MCP endpoint).
pub(crate) fn card(registry: &Registry, url: &str) -> Value {
    let info = &registry.config.server_info;
    let discovery = &registry.discovery;
    let mut card = json!({
        "$schema": CARD_SCHEMA,
        "name": discovery.registry_name.as_deref().unwrap_or(&info.name),
        "version": info.version,
    });
    let fields = [
        ("description", info.description.clone()),
        ("title", info.title.clone()),
        ("websiteUrl", info.website_url.clone()),
    ];
    for (key, value) in fields {
        if let Some(value) = value {
            card[key] = json!(value);
        }
    }
    if let Some(url) = &discovery.repository {
        card["repository"] = repository(url);
    }
    card["remotes"] = json!([{
        "type": "streamable-http",
        "url": url,
        "supportedProtocolVersions": revisions(),
        "authentication": authentication(discovery.auth),
    }]);
    card["capabilities"] = serde_json::to_value(&registry.config.capabilities).unwrap_or_default();
    card
}

/// The older card (`/.well-known/mcp/server-card.json`) of a server reached at `url`.
pub(crate) fn legacy_card(registry: &Registry, url: &str) -> Value {
    let info = &registry.config.server_info;
    let mut server_info = json!({"name": info.name, "version": info.version});
    if let Some(title) = &info.title {
        server_info["title"] = json!(title);
    }
    let mut card = json!({
        "$schema": LEGACY_CARD_SCHEMA,
        "version": "1.0",
        "protocolVersion": ProtocolVersion::LATEST.as_str(),
        "serverInfo": server_info,
        "transport": {"type": "streamable-http", "endpoint": url},
        "capabilities": serde_json::to_value(&registry.config.capabilities).unwrap_or_default(),
        "authentication": authentication(registry.discovery.auth),
    });
    if let Some(description) = &info.description {
        card["description"] = json!(description);
    }
    if let Some(website) = &info.website_url {
        card["documentationUrl"] = json!(website);
    }
    card
}

/// A repository object as the registry's schema has it: the URL, and its host's name
/// as `source` when it is a known one.
pub(crate) fn repository(url: &str) -> Value {
    let source = ["github", "gitlab", "bitbucket"]
        .into_iter()
        .find(|host| url.contains(&format!("{host}.")));
    let mut repository = json!({"url": url});
    if let Some(source) = source {
        repository["source"] = json!(source);
    }
    repository
}
