//! Who the server is, its transports, limits and lint settings.

use super::{FromNode, Reader, keys};
use crate::model::*;
use crate::source::Sp;
use crate::yaml::Node;

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
            repository: r.opt(&f, "repository"),
            registry_name: r.opt(&f, "registry_name"),
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

impl FromNode for TelemetrySettings {
    const EXPECTED: &'static str = "telemetry settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`telemetry`", keys::TELEMETRY)?;
        Some(TelemetrySettings {
            otlp_endpoint: r.opt(&f, "otlp_endpoint"),
        })
    }
}

impl FromNode for AuditSpec {
    const EXPECTED: &'static str = "audit settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`audit`", keys::AUDIT)?;
        Some(AuditSpec {
            enabled: r.opt(&f, "enabled"),
            arguments: r.opt(&f, "arguments"),
            retain_days: r.opt(&f, "retain_days"),
            max_value_chars: r.opt(&f, "max_value_chars"),
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

impl FromNode for Upstream {
    const EXPECTED: &'static str = "the upstream API (`base_url_env`, `base_url`, `credentials`)";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`upstream`", keys::UPSTREAM)?;
        Some(Upstream {
            base_url_env: r.req(&f, "base_url_env").unwrap_or_default(),
            base_url: r.opt(&f, "base_url"),
            credentials: r.list_or_default(&f, "credentials"),
            timeout_ms: r.opt(&f, "timeout_ms"),
        })
    }
}

impl FromNode for UpstreamCredential {
    const EXPECTED: &'static str = "a credential (`header` or `query`, `env`, `prefix`)";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "an upstream credential", keys::UPSTREAM_CREDENTIAL)?;
        Some(UpstreamCredential {
            header: r.opt(&f, "header"),
            query: r.opt(&f, "query"),
            prefix: r.opt(&f, "prefix"),
            env: r.req(&f, "env").unwrap_or_default(),
        })
    }
}

impl FromNode for ToolUpstream {
    const EXPECTED: &'static str = "an upstream request (`method`, `path`, `args`)";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "a tool's `upstream`", keys::TOOL_UPSTREAM)?;
        Some(ToolUpstream {
            method: r.req(&f, "method").unwrap_or_default(),
            path: r.req(&f, "path").unwrap_or_default(),
            args: r.opt(&f, "args").unwrap_or_default(),
        })
    }
}
