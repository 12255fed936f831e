//! `transports.http`: environment references, the public URL and the `Host` allow list.
//!
//! Values may hold `${VAR}`: a default stands in for its variable, and a part that
//! depends on a variable without one is left for the server to check when it starts.

use super::server::env_string;
use super::{Cx, tick};
use crate::diag::{Code, Diagnostic};
use crate::env::{EnvPart, parse_env};
use crate::model::EnvString;
use crate::source::Sp;

/// Stands for a variable without a default; cannot occur in a spec's text.
const UNKNOWN: char = '\u{0}';

/// Every string of `transports.http`.
pub(super) fn check_http(cx: &mut Cx<'_>) {
    let Some(http) = &cx.spec.transports.http else {
        return;
    };
    if let Some(bind) = &http.bind {
        env_string(cx, "`transports.http.bind`", bind);
    }
    let path = http.path.as_ref().map_or("/mcp", |p| p.value.as_str());
    if let Some(url) = &http.public_url
        && env_string(cx, "`transports.http.public_url`", url)
        && let Some(problem) = url_problem(&known(url), path)
    {
        cx.emit(problem.diagnostic(url, path));
    }
    for host in &http.allowed_hosts {
        if env_string(cx, "an entry of `allowed_hosts`", host)
            && let Some(d) = host_problem(host)
        {
            cx.emit(d);
        }
    }
    for origin in &http.allowed_origins {
        env_string(cx, "an entry of `allowed_origins`", origin);
    }
}

/// The value as far as it is known before the server starts (see [`UNKNOWN`]).
fn known(value: &Sp<EnvString>) -> String {
    parse_env(&value.value.0)
        .unwrap_or_default()
        .into_iter()
        .map(|part| match part {
            EnvPart::Literal(text) => text,
            EnvPart::Var {
                default: Some(default),
                ..
            } => default,
            EnvPart::Var { default: None, .. } => UNKNOWN.to_string(),
        })
        .collect()
}

/// What is wrong with a public URL.
#[derive(Debug, PartialEq, Eq)]
enum UrlProblem {
    NotAbsolute,
    Scheme(String),
    NoHost,
    QueryOrFragment,
    /// The URL's path differs from the endpoint's; with the URL that would be right,
    /// when all of it is known.
    Path {
        found: String,
        fix: Option<String>,
    },
}

/// Checks a URL as [`known`] gives it against the endpoint's `path`.
fn url_problem(url: &str, path: &str) -> Option<UrlProblem> {
    let Some((scheme, rest)) = url.split_once("://") else {
        // A variable may hold the whole URL, or its start.
        return (!url.contains(UNKNOWN)).then_some(UrlProblem::NotAbsolute);
    };
    let web = ["http", "https"]
        .iter()
        .any(|w| scheme.eq_ignore_ascii_case(w));
    if !web && !scheme.contains(UNKNOWN) {
        return Some(UrlProblem::Scheme(scheme.to_owned()));
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if authority.is_empty() {
        return Some(UrlProblem::NoHost);
    }
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let (found, suffix) = tail.split_at(path_end);
    if !suffix.is_empty() && !suffix.contains(UNKNOWN) {
        return Some(UrlProblem::QueryOrFragment);
    }
    // A variable in the host may also hold the path.
    if found.contains(UNKNOWN) || (found.is_empty() && authority.contains(UNKNOWN)) {
        return None;
    }
    let found = if found.is_empty() { "/" } else { found };
    (found != path).then(|| UrlProblem::Path {
        found: found.to_owned(),
        fix: (!url.contains(UNKNOWN)).then(|| format!("{scheme}://{authority}{path}")),
    })
}

impl UrlProblem {
    fn diagnostic(self, url: &Sp<EnvString>, path: &str) -> Diagnostic {
        let value = &url.value.0;
        let (message, label, help) = match self {
            UrlProblem::NotAbsolute => (
                format!("`transports.http.public_url` {} is not an absolute URL", tick(value)),
                "no `https://`".to_owned(),
                format!(
                    "write the whole URL clients use, with its scheme: `https://{}`",
                    value.trim_start_matches('/')
                ),
            ),
            UrlProblem::Scheme(scheme) => (
                format!("`transports.http.public_url` has the scheme {}", tick(&scheme)),
                "not http or https".to_owned(),
                "clients reach Streamable HTTP at an `https://` URL (or `http://` without TLS): write the URL they use, such as `https://mcp.example.com/mcp`".to_owned(),
            ),
            UrlProblem::NoHost => (
                format!("`transports.http.public_url` {} has no host", tick(value)),
                "no host".to_owned(),
                "write the host clients connect to after `://`, such as `https://mcp.example.com/mcp`".to_owned(),
            ),
            UrlProblem::QueryOrFragment => (
                format!("`transports.http.public_url` {} has a query or a fragment", tick(value)),
                "`?` or `#`".to_owned(),
                "the public URL is the endpoint itself: remove everything from the `?` or `#`".to_owned(),
            ),
            UrlProblem::Path { found, fix } => (
                format!(
                    "the path of `transports.http.public_url` is {}, but the server answers at {} (`transports.http.path`)",
                    tick(&found),
                    tick(path)
                ),
                format!("expected the path {}", tick(path)),
                // A fix written out would drop the `${VAR}`s of the value.
                match fix.filter(|_| !value.contains("${")) {
                    Some(fix) => format!(
                        "write {} (clients send requests to this URL unchanged), or set `path: {found}` if the server should answer there",
                        tick(&fix)
                    ),
                    None => format!(
                        "end the URL with {}, or set `path: {found}` if the server should answer there",
                        tick(path)
                    ),
                },
            ),
        };
        Diagnostic::new(Code::PublicUrl, url.span, message)
            .with_label(label)
            .with_help(help)
    }
}

/// `allowed_host`: an entry that the `Host` header can never equal.
fn host_problem(host: &Sp<EnvString>) -> Option<Diagnostic> {
    let value = known(host);
    if value.contains(UNKNOWN) || value == "*" {
        return None;
    }
    let (message, label, help) = if let Some((_, rest)) = value.split_once("://") {
        let name = rest.split(['/', '?', '#']).next().unwrap_or_default();
        (
            format!(
                "the entry {} of `allowed_hosts` is a URL",
                tick(&host.value.0)
            ),
            "a URL, not a host".to_owned(),
            format!(
                "write the host as the `Host` header carries it: {}; to give the URL clients use, set `public_url` (its host is allowed without an entry here)",
                tick(name)
            ),
        )
    } else if value.contains('*') {
        (
            format!("the entry {} of `allowed_hosts` has a wildcard", tick(&host.value.0)),
            "no patterns".to_owned(),
            "list each host name; `*` alone accepts any host (and turns off the protection against DNS rebinding)".to_owned(),
        )
    } else if value.is_empty() || !value.chars().all(is_host_char) {
        (
            format!("the entry {} of `allowed_hosts` is not a host name", tick(&host.value.0)),
            "not a host".to_owned(),
            "write a name such as `mcp.example.com`, optionally with a port (`mcp.example.com:8443`); without a port every port is accepted".to_owned(),
        )
    } else {
        return None;
    };
    Some(
        Diagnostic::new(Code::AllowedHost, host.span, message)
            .with_label(label)
            .with_help(help),
    )
}

/// Characters of a `Host` header value: a name, an IPv4 or bracketed IPv6 address, a port.
fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(url: &str, path: &str) -> Option<UrlProblem> {
        url_problem(&url.replace("$", &UNKNOWN.to_string()), path)
    }

    #[test]
    fn public_urls_that_fit_the_endpoint() {
        for url in [
            "https://mcp.example.com/mcp",
            "HTTP://127.0.0.1:8080/mcp",
            "$",
            "$/mcp",
            "https://$",
            "https://$/mcp",
            "$://mcp.example.com/mcp",
            "https://mcp.example.com/$",
        ] {
            assert_eq!(problem(url, "/mcp"), None, "{url}");
        }
        assert_eq!(problem("https://mcp.example.com", "/"), None);
        assert_eq!(problem("https://mcp.example.com/", "/"), None);
    }

    #[test]
    fn public_urls_with_a_problem() {
        assert_eq!(
            problem("mcp.example.com/mcp", "/mcp"),
            Some(UrlProblem::NotAbsolute)
        );
        assert_eq!(
            problem("ws://mcp.example.com/mcp", "/mcp"),
            Some(UrlProblem::Scheme("ws".into()))
        );
        assert_eq!(problem("https:///mcp", "/mcp"), Some(UrlProblem::NoHost));
        assert_eq!(
            problem("https://mcp.example.com/mcp#x", "/mcp"),
            Some(UrlProblem::QueryOrFragment)
        );
        assert_eq!(
            problem("https://mcp.example.com", "/mcp"),
            Some(UrlProblem::Path {
                found: "/".into(),
                fix: Some("https://mcp.example.com/mcp".into())
            })
        );
        assert_eq!(
            problem("https://$/api", "/mcp"),
            Some(UrlProblem::Path {
                found: "/api".into(),
                fix: None
            })
        );
    }
}
