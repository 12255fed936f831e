//! The server as a whole: its identity, resources, auth, secrets, environment references
//! and lint settings.

use super::validate::has_scheme;
use super::{Cx, descriptions, names, sub_span, tick, tools};
use crate::diag::{Code, Diagnostic, did_you_mean};
use crate::env::{EnvPart, is_single_var, parse_env};
use crate::model::{EnvString, Name};
use crate::source::Sp;

/// `server:`: a crate-like name, a semantic version, a description.
pub(super) fn check_server(cx: &mut Cx<'_>) {
    let server = &cx.spec.server;
    let name = &server.name;
    if name.span.is_known() && !is_crate_name(&name.value) {
        let suggestion = heck::ToSnakeCase::to_snake_case(name.value.as_str());
        let mut d = Diagnostic::new(
            Code::NamingCase,
            name.span,
            format!(
                "server name {} is not a valid crate name",
                tick(&name.value)
            ),
        );
        d = if is_crate_name(&suggestion) {
            d.with_label(format!("write {}", tick(&suggestion)))
        } else {
            d.with_label("not a crate name")
        };
        cx.emit(d.with_help(
            "the server name is also the generated crate's name: lowercase ASCII letters, digits, `_` and `-`, starting with a letter (`weather` or `weather-server`)",
        ));
    }
    let version = &server.version;
    if version.span.is_known() && !is_semver(&version.value) {
        cx.emit(
            Diagnostic::new(
                Code::Version,
                version.span,
                format!("server version {} is not a semantic version", tick(&version.value)),
            )
            .with_label("expected MAJOR.MINOR.PATCH")
            .with_help("write three numbers without leading zeros, such as `1.0.0` or `0.3.1`, optionally followed by a pre-release such as `-beta.1`; quote it if YAML would read it as a number"),
        );
    }
    let described = [&server.description, &server.instructions]
        .iter()
        .any(|d| d.as_ref().is_some_and(|d| !d.value.trim().is_empty()));
    if !described && name.span.is_known() {
        cx.emit(
            Diagnostic::new(Code::MissingDescription, name.span, format!("server {} has no description or instructions", tick(&name.value)))
                .with_label("no `description:` or `instructions:`")
                .with_help("add `description:` under `server:` (what the server is for, one or two sentences) or `instructions:` (how the model should use the tools together)"),
        );
    }
    if let Some(d) = &server.description {
        descriptions::too_long(cx, d);
    }
    check_registry(cx);
}

/// The registry's longest description, in characters.
pub const REGISTRY_DESCRIPTION_CHARS: usize = 100;

/// `server.registry_name`, `server.repository`, `server.website_url`, and the
/// description's length for a server meant for the MCP Registry.
fn check_registry(cx: &mut Cx<'_>) {
    let server = &cx.spec.server;
    let mut found = Vec::new();
    if let Some(name) = &server.registry_name
        && !is_registry_name(&name.value)
    {
        found.push(
            Diagnostic::new(
                Code::Registry,
                name.span,
                format!("`server.registry_name` {} is not `namespace/name`", tick(&name.value)),
            )
            .with_label("expected `namespace/name`")
            .with_help(format!(
                "the MCP Registry names a server by a namespace it can verify and a name, one slash between them: `io.github.alice/{}` (a GitHub user or organisation) or `com.example/{}` (a domain you own, reversed); letters, digits, `.`, `_` and `-`",
                server.name.value, server.name.value
            )),
        );
    }
    for (key, url) in [
        ("repository", &server.repository),
        ("website_url", &server.website_url),
    ] {
        if let Some(url) = url
            && !(url.value.starts_with("https://") || url.value.starts_with("http://"))
        {
            found.push(
                Diagnostic::new(
                    Code::Registry,
                    url.span,
                    format!(
                        "`server.{key}` {} is not an absolute http(s) URL",
                        tick(&url.value)
                    ),
                )
                .with_label("no `https://`")
                .with_help(format!(
                    "write the whole URL, such as `https://github.com/alice/{}`",
                    server.name.value
                )),
            );
        }
    }
    if server.registry_name.is_some()
        && let Some(description) = &server.description
        && description.value.chars().count() > REGISTRY_DESCRIPTION_CHARS
    {
        found.push(
            Diagnostic::new(
                Code::Registry,
                description.span,
                format!(
                    "the server's description has {} characters; the MCP Registry takes at most {REGISTRY_DESCRIPTION_CHARS}",
                    description.value.chars().count()
                ),
            )
            .with_label(format!("over {REGISTRY_DESCRIPTION_CHARS} characters"))
            .with_help("`mcpgen registry` cuts it to fit, at a word boundary with `…`: shorten it to one sentence of at most 100 characters to choose what the registry shows"),
        );
    }
    for d in found {
        cx.emit(d);
    }
}

/// `namespace/name`: one slash, neither side empty, letters, digits, `.`, `_`, `-`.
pub fn is_registry_name(s: &str) -> bool {
    let Some((namespace, name)) = s.split_once('/') else {
        return false;
    };
    let part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    part(namespace) && part(name)
}

fn is_crate_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// `MAJOR.MINOR.PATCH` with an optional `-pre.release` (dot-separated identifiers) and
/// optional `+build` metadata, as SemVer 2.0 writes them.
pub(super) fn is_semver(s: &str) -> bool {
    let (rest, build) = match s.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (s, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let number = |p: &str| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && (p == "0" || !p.starts_with('0'))
    };
    let ident =
        |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| number(p))
        && pre.is_none_or(|p| {
            p.split('.')
                .all(|i| ident(i) && (!i.bytes().all(|b| b.is_ascii_digit()) || number(i)))
        })
        && build.is_none_or(|b| b.split('.').all(ident))
}

/// Static resources: names, descriptions, URIs, files, duplicates.
pub(super) fn check_resources(cx: &mut Cx<'_>) {
    let spec = cx.spec;
    let mut seen: Vec<&Sp<String>> = Vec::new();
    for (name, resource) in spec.resources.iter() {
        names::snake_name(cx, "resource", name);
        descriptions::require(cx, "resource", name, resource.description.as_ref());
        if let Some(d) = &resource.description {
            descriptions::too_long(cx, d);
        }
        let uri = &resource.uri;
        if let Some(brace) = uri.value.chars().position(|c| c == '{') {
            cx.emit(
                Diagnostic::new(Code::UriTemplate, sub_span(&cx.source, uri, brace, 1), format!("the URI of static resource {} contains `{{`", tick(&name.value)))
                    .with_label("a template variable?")
                    .with_help("a URI with variables is a resource template: move it under `resource_templates:` with `uri_template:` and `params:`"),
            );
        } else if !has_scheme(&uri.value) {
            cx.emit(
                Diagnostic::new(
                    Code::UriTemplate,
                    uri.span,
                    format!("the URI of resource {} is not absolute", tick(&name.value)),
                )
                .with_label("no scheme")
                .with_help(format!(
                    "start it with a scheme, such as `{}://{}` or `file:///{}`",
                    spec.server.name.value.replace('_', "-"),
                    uri.value.trim_start_matches('/'),
                    uri.value.trim_start_matches('/')
                )),
            );
        }
        if let Some(first) = seen.iter().find(|s| s.value == uri.value) {
            cx.emit(
                Diagnostic::new(Code::Duplicate, uri.span, format!("resource {} repeats the URI {}", tick(&name.value), tick(&uri.value)))
                    .with_label(if first.span.is_known() { format!("also on line {}", first.span.line) } else { "repeated".to_owned() })
                    .with_help("a client reads a resource by its URI, so each URI names one resource: change one of them, or remove the copy"),
            );
        } else {
            seen.push(uri);
        }
        if let (Some(_), Some(file)) = (&resource.text, &resource.file) {
            cx.emit(
                Diagnostic::new(Code::ResourceFile, file.span, format!("resource {} has both `text` and `file`", tick(&name.value)))
                    .with_label("only one content source")
                    .with_help("keep `text:` for short inline content or `file:` for content embedded from a file, not both"),
            );
        }
        if let Some(file) = &resource.file {
            check_file(cx, "resource", name, file);
        }
    }
}

/// `resource_file`: a relative path that stays inside the crate.
pub(crate) fn check_file(cx: &mut Cx<'_>, owner: &str, name: &Name, file: &Sp<String>) {
    let path = file.value.as_str();
    let absolute = path.starts_with('/')
        || path.starts_with('\\')
        || path.chars().nth(1) == Some(':') && path.starts_with(|c: char| c.is_ascii_alphabetic());
    let problem = if path.trim().is_empty() {
        Some((
            "is empty",
            "name a file relative to the crate root, such as `docs/guide.md`".to_owned(),
        ))
    } else if absolute {
        Some((
            "is an absolute path",
            "write the path relative to the generated crate's root (copy the file into the crate), so the build does not depend on this machine".to_owned(),
        ))
    } else if path.split(['/', '\\']).any(|c| c == "..") {
        Some((
            "leaves the crate with `..`",
            "move the file inside the crate and give its path from the crate root".to_owned(),
        ))
    } else {
        None
    };
    if let Some((what, help)) = problem {
        cx.emit(
            Diagnostic::new(
                Code::ResourceFile,
                file.span,
                format!("the file of {owner} {} {what}", tick(&name.value)),
            )
            .with_label("must be relative, inside the crate")
            .with_help(help),
        );
    }
}

/// `env_syntax` on one environment string.
pub(super) fn env_string(cx: &mut Cx<'_>, what: &str, value: &Sp<EnvString>) -> bool {
    match parse_env(&value.value.0) {
        Ok(_) => true,
        Err(e) => {
            cx.emit(
                Diagnostic::new(
                    Code::EnvSyntax,
                    value.span,
                    format!("{what} has a malformed environment reference: {e}"),
                )
                .with_label("malformed `${...}`")
                .with_help("write `${NAME}` (the variable must be set) or `${NAME:-default}`"),
            );
            false
        }
    }
}

/// `store.data_dir`, read when the server starts.
pub(super) fn check_store(cx: &mut Cx<'_>) {
    if let Some(dir) = &cx.spec.store.data_dir {
        env_string(cx, "`store.data_dir`", dir);
    }
    let audit = &cx.spec.audit;
    if let Some(days) = audit.retain_days.as_ref().filter(|d| d.value == 0) {
        cx.emit(
            Diagnostic::new(Code::Limit, days.span, "`audit.retain_days: 0` would delete every audit row as soon as it is written")
                .with_help("keep rows for at least a day (the default is 30), or turn the audit trail off with `audit.enabled: false`"),
        );
    }
    if let Some(chars) = audit.max_value_chars.as_ref().filter(|c| c.value == 0) {
        cx.emit(
            Diagnostic::new(Code::Limit, chars.span, "`audit.max_value_chars: 0` would cut every string argument to nothing")
                .with_help("keep a few dozen characters (the default is 80), or keep no arguments with `audit.arguments: none`"),
        );
    }
}

/// `telemetry.otlp_endpoint`: an `http` or `https` URL with a host. A value that
/// reads a variable is checked when the server starts.
pub(super) fn check_telemetry(cx: &mut Cx<'_>) {
    let Some(url) = &cx.spec.telemetry.otlp_endpoint else {
        return;
    };
    if !env_string(cx, "`telemetry.otlp_endpoint`", url) {
        return;
    }
    let value = url.value.0.trim();
    let absolute = value.split_once("://").is_some_and(|(scheme, rest)| {
        matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.starts_with(['/', ':'])
    });
    if value.is_empty() || value.contains("${") || absolute {
        return;
    }
    cx.emit(
        Diagnostic::new(
            Code::OtlpEndpoint,
            url.span,
            format!(
                "`telemetry.otlp_endpoint` {} is not an http or https URL",
                tick(value)
            ),
        )
        .with_label("not the collector's URL")
        .with_help(
            "write the collector's OTLP/HTTP address with its scheme, such as \
             `http://otel-collector:4318` (the server appends `/v1/traces`), or read it \
             from the environment: `${OTLP_ENDPOINT}`",
        ),
    );
}

/// A `redis://user:password@host` URL with the password written out.
fn literal_password(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let Some((userinfo, _)) = authority.rsplit_once('@') else {
        return false;
    };
    // `redis://user@host` names a user without a password.
    let Some((_, password)) = userinfo.split_once(':') else {
        return false;
    };
    !password.is_empty() && !is_single_var(password)
}

/// Auth and rate-limit URLs: environment references, secrets, token scopes.
pub(super) fn check_auth(cx: &mut Cx<'_>) {
    let spec = cx.spec;
    if let Some(url) = &spec.rate_limits.redis_url
        && env_string(cx, "`rate_limits.redis_url`", url)
        && literal_password(&url.value.0)
    {
        cx.emit(
            Diagnostic::new(Code::LiteralSecret, url.span, "`rate_limits.redis_url` contains a password written into the spec")
                .with_label("literal password")
                .with_help("read it from the environment: `redis_url: ${REDIS_URL}` (or `redis://user:${REDIS_PASSWORD}@host:6379`)"),
        );
    }
    let auth = &spec.auth;
    for token in &auth.tokens {
        let what = format!("the token of {}", tick(&token.subject.value));
        if env_string(cx, &what, &token.token) {
            let parts = parse_env(&token.token.value.0).unwrap_or_default();
            let secret = match parts.as_slice() {
                [EnvPart::Var { default: None, .. }] => None,
                [
                    EnvPart::Var {
                        name,
                        default: Some(_),
                    },
                ] => Some((
                    format!("{what} has a default value, which is a secret written into the spec"),
                    format!(
                        "remove the default: `${{{name}}}`; the server then refuses to start without the variable"
                    ),
                )),
                _ => Some((
                    format!("{what} is written into the spec"),
                    format!(
                        "read it from the environment: `token: ${{{}_TOKEN}}`, and set the variable where the server runs",
                        heck::ToShoutySnakeCase::to_shouty_snake_case(token.subject.value.as_str())
                    ),
                )),
            };
            if let Some((message, help)) = secret {
                cx.emit(
                    Diagnostic::new(Code::LiteralSecret, token.token.span, message)
                        .with_label("a literal secret")
                        .with_help(help),
                );
            }
        }
        for scope in &token.scopes {
            tools::undeclared_scope(
                cx,
                scope,
                &format!("the token of {}", tick(&token.subject.value)),
            );
        }
    }
    if let Some(oauth) = &auth.oauth {
        env_string(cx, "`auth.oauth.issuer`", &oauth.issuer);
        if let Some(audience) = &oauth.audience {
            env_string(cx, "`auth.oauth.audience`", audience);
        }
        if let Some(jwks) = &oauth.jwks_uri {
            env_string(cx, "`auth.oauth.jwks_uri`", jwks);
        }
    }
    for (_, description) in auth.scopes.iter() {
        descriptions::too_long(cx, description);
    }
}

/// `unknown_lint` on one `allow`/`warn`/`deny` list.
pub(super) fn unknown_lints(cx: &mut Cx<'_>, list: &[Sp<String>]) {
    for entry in list {
        match Code::from_name(&entry.value) {
            Some(code) if code.is_structural() => {
                cx.emit(
                    Diagnostic::new(
                        Code::UnknownLint,
                        entry.span,
                        format!("{} reports a spec that cannot be read; it cannot be allowed or changed", tick(&entry.value)),
                    )
                    .with_label("not a check")
                    .with_help("remove it and fix the spec instead"),
                );
            }
            Some(_) => {}
            None => {
                let short = entry.value.strip_prefix("mcpgen::").unwrap_or(&entry.value);
                let checks = || {
                    Code::ALL
                        .iter()
                        .filter(|c| !c.is_structural())
                        .map(|c| c.name())
                };
                let mut d = Diagnostic::new(
                    Code::UnknownLint,
                    entry.span,
                    format!("{} is not a check of mcpgen", tick(&entry.value)),
                );
                d = match did_you_mean(short, checks()) {
                    Some(best) => d
                        .with_label(format!("did you mean {}?", tick(best)))
                        .with_help(format!("write {}", tick(best))),
                    None => d.with_label("unknown check").with_help(format!(
                        "the checks are: {}; `mcpgen check --explain CODE` describes one",
                        checks().collect::<Vec<_>>().join(", ")
                    )),
                };
                cx.emit(d);
            }
        }
    }
}

/// `lints:`: names in `allow`, `warn` and `deny`.
pub(super) fn check_lints(cx: &mut Cx<'_>) {
    let lints = &cx.spec.lints;
    for list in [&lints.allow, &lints.warn, &lints.deny] {
        unknown_lints(cx, list);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semantic_versions() {
        for good in [
            "0.1.0",
            "1.0.0",
            "10.20.30",
            "1.0.0-beta.1",
            "1.0.0-rc1+build.5",
            "1.0.0-0",
        ] {
            assert!(is_semver(good), "{good}");
        }
        for bad in [
            "", "1", "1.0", "1.0.0.0", "01.0.0", "1.0.x", "v1.0.0", "1.0.0-", "1.0.0-01", "1.0.0+",
        ] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn passwords_in_urls() {
        assert!(literal_password("redis://user:hunter2@localhost:6379"));
        assert!(!literal_password("redis://default@localhost"));
        assert!(!literal_password("redis://localhost:6379/0"));
        assert!(!literal_password(
            "redis://user:${REDIS_PASSWORD}@localhost"
        ));
        assert!(!literal_password("${REDIS_URL}"));
    }
}
