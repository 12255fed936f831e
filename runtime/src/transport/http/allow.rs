//! Which `Host` and `Origin` values the endpoint answers (protection against DNS
//! rebinding), and for any other a 403 whose message names the spec key and the flag
//! that would allow it.
//!
//! `Host`: the loopback names (`localhost`, loopback addresses, any port), the public
//! URL's host (any port) and the allowed hosts. Names compare ignoring ASCII case and a
//! trailing dot. An entry without a port accepts every port: rebinding is about the
//! name, and proxies differ in whether they forward a port. An entry with a port
//! accepts only that port. `*` accepts any host.
//!
//! `Origin`: absent (non-browser clients), loopback, or an allowed origin.

use axum::{extract::Request, response::Response};
use http::{StatusCode, header};
use serde_json::json;

use super::error_response;
use crate::HttpOptions;

/// The allow lists of an endpoint, normalized once.
#[derive(Debug, Default)]
pub(super) struct Allowed {
    hosts: Vec<HostEntry>,
    any_host: bool,
    /// Lowercase, without a trailing `/`.
    origins: Vec<String>,
    /// The endpoint's path, for the public URL a refusal suggests.
    path: String,
}

/// An allowed host: a lowercase name without brackets or a trailing dot, and a port
/// (`None`: every port).
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostEntry {
    name: String,
    port: Option<u16>,
}

impl Allowed {
    /// The lists of `options`; entries that [`problem`] reports are left out.
    pub(super) fn new(options: &HttpOptions) -> Self {
        let mut allowed = Allowed {
            path: options.path.clone(),
            ..Allowed::default()
        };
        if let Some(Ok(host)) = options.public_url.as_deref().map(public_host) {
            allowed.hosts.push(host);
        }
        for entry in &options.allowed_hosts {
            match entry.trim() {
                "*" => allowed.any_host = true,
                entry => allowed.hosts.extend(host_entry(entry)),
            }
        }
        allowed.origins = options
            .allowed_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
            .collect();
        allowed
    }

    /// The answer to send instead, when `Host` or `Origin` is not allowed.
    pub(super) fn refuse(&self, request: &Request) -> Option<Response> {
        self.refuse_host(request)
            .or_else(|| self.refuse_origin(request))
    }

    pub(super) fn refuse_host(&self, request: &Request) -> Option<Response> {
        if self.any_host {
            return None;
        }
        // HTTP/2 and absolute-form requests name the host in the URI instead.
        let value = match request.headers().get(header::HOST) {
            Some(value) => value.to_str().ok(),
            None => request.uri().authority().map(http::uri::Authority::as_str),
        };
        let Some(value) = value else {
            return Some(bad_host(request.headers().contains_key(header::HOST)));
        };
        let Some((name, port)) = split_authority(value) else {
            return Some(bad_host(true));
        };
        if is_loopback(name) || self.hosts.iter().any(|h| h.matches(name, port)) {
            return None;
        }
        tracing::warn!(
            host = value,
            allowed = ?self.hosts.iter().map(HostEntry::to_string).collect::<Vec<_>>(),
            "refused a request for a host this server does not answer to (DNS rebinding, or a missing --public-url / --allowed-host)"
        );
        Some(self.unknown_host(value, name))
    }

    fn unknown_host(&self, value: &str, name: &str) -> Response {
        let name = bracketed(name);
        error_response(
            StatusCode::FORBIDDEN,
            -32600,
            format!(
                "Host `{value}` is not a name this server answers to (protection against DNS \
                 rebinding). If clients reach the server under this name, for example through \
                 a reverse proxy, start the server with `--public-url https://{name}{path}` (the \
                 URL clients use) or `--allowed-host {name}`, or set \
                 `transports.http.public_url` or add `{name}` to `transports.http.allowed_hosts` \
                 in the spec. Otherwise check that the proxy forwards the public host name in \
                 `Host`.",
                path = self.path,
            ),
            json!({"host": value}),
        )
    }

    fn refuse_origin(&self, request: &Request) -> Option<Response> {
        let origin = request.headers().get(header::ORIGIN)?;
        let origin = origin.to_str().unwrap_or_default().trim_end_matches('/');
        if is_loopback_origin(origin) || self.origins.iter().any(|o| o.eq_ignore_ascii_case(origin))
        {
            return None;
        }
        tracing::warn!(
            origin,
            "refused a request from a browser origin that is not allowed"
        );
        Some(error_response(
            StatusCode::FORBIDDEN,
            -32600,
            format!(
                "Origin `{origin}` is not allowed: browser pages may call this server only from \
                 loopback origins and the origins it is configured with. If pages at `{origin}` \
                 should call it, start the server with `--allowed-origin {origin}` or add \
                 `{origin}` to `transports.http.allowed_origins` in the spec."
            ),
            json!({"origin": origin}),
        ))
    }
}

impl HostEntry {
    fn matches(&self, name: &str, port: Option<u16>) -> bool {
        self.name.eq_ignore_ascii_case(name) && self.port.is_none_or(|p| Some(p) == port)
    }
}

impl std::fmt::Display for HostEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&bracketed(&self.name))?;
        match self.port {
            Some(port) => write!(f, ":{port}"),
            None => Ok(()),
        }
    }
}

/// What is wrong with the host settings of `options`, in words that name the flag and
/// the spec key; `None` when every entry can be used.
pub(super) fn problem(options: &HttpOptions) -> Option<String> {
    if let Some(Err(problem)) = options.public_url.as_deref().map(public_host) {
        return Some(problem);
    }
    options
        .allowed_hosts
        .iter()
        .find(|e| e.trim() != "*" && host_entry(e.trim()).is_none())
        .map(|entry| {
            format!(
                "the allowed host `{entry}` (`--allowed-host` or `transports.http.allowed_hosts`) \
                 is not a host name; write it as the `Host` header carries it, such as \
                 `mcp.example.com` or `mcp.example.com:8443`, and give a URL with `--public-url`"
            )
        })
}

/// The host of the public URL, allowed on every port.
fn public_host(url: &str) -> Result<HostEntry, String> {
    let wrong = |why: &str| {
        format!(
            "the public URL `{url}` (`--public-url` or `transports.http.public_url`) {why}; \
             write the URL clients use, such as `https://mcp.example.com/mcp`"
        )
    };
    let not_absolute = || wrong("is not an absolute http:// or https:// URL");
    let uri: http::Uri = url.trim().parse().map_err(|_| not_absolute())?;
    if !matches!(uri.scheme_str(), Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"))
    {
        return Err(not_absolute());
    }
    let authority = uri.authority().map(http::uri::Authority::as_str);
    // Userinfo (`user@host`) is not a host clients send.
    let host = authority.and_then(|a| split_authority(a.rsplit('@').next().unwrap_or(a)));
    match host {
        Some((name, _)) if !name.is_empty() => Ok(HostEntry {
            name: name.to_ascii_lowercase(),
            port: None,
        }),
        _ => Err(wrong("has no host")),
    }
}

fn host_entry(entry: &str) -> Option<HostEntry> {
    let (name, port) = split_authority(entry)?;
    Some(HostEntry {
        name: name.to_ascii_lowercase(),
        port,
    })
}

/// `name[:port]`, `[v6][:port]` or a bare IPv6 address, as the name (without brackets
/// or a trailing dot) and the port; `None` when it is not one.
fn split_authority(value: &str) -> Option<(&str, Option<u16>)> {
    let value = value.trim();
    let (name, port) = if let Some(rest) = value.strip_prefix('[') {
        let (name, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            after => Some(after.strip_prefix(':')?),
        };
        (name, port)
    } else if value.matches(':').count() > 1 {
        (value, None)
    } else {
        match value.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (value, None),
        }
    };
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok()?),
        None => None,
    };
    let name = name.strip_suffix('.').unwrap_or(name);
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':'));
    valid.then_some((name, port))
}

fn bracketed(name: &str) -> String {
    if name.contains(':') {
        format!("[{name}]")
    } else {
        name.to_owned()
    }
}

fn is_loopback(name: &str) -> bool {
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn is_loopback_origin(origin: &str) -> bool {
    let Ok(uri) = origin.parse::<http::Uri>() else {
        return false;
    };
    if !matches!(uri.scheme_str(), Some("http" | "https")) {
        return false;
    }
    is_loopback(uri.host().unwrap_or_default().trim_matches(['[', ']']))
}

fn bad_host(present: bool) -> Response {
    let message = if present {
        "the Host header is not a host name with an optional port; send the host of the server's URL, such as `Host: mcp.example.com`"
    } else {
        "the request has no Host header; send the host of the server's URL, such as `Host: mcp.example.com`"
    };
    error_response(
        StatusCode::BAD_REQUEST,
        -32600,
        message.to_owned(),
        json!({}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use http_body_util::BodyExt;

    fn allowed(options: HttpOptions) -> Allowed {
        assert_eq!(problem(&options), None);
        Allowed::new(&options)
    }

    fn request(host: Option<&str>, origin: Option<&str>) -> Request {
        let mut builder = Request::post("/mcp");
        if let Some(host) = host {
            builder = builder.header(header::HOST, host);
        }
        if let Some(origin) = origin {
            builder = builder.header(header::ORIGIN, origin);
        }
        builder.body(Body::empty()).expect("a request")
    }

    /// The status and error message of a refusal, or `None` when the request passes.
    async fn verdict(allowed: &Allowed, host: &str, origin: Option<&str>) -> Option<(u16, String)> {
        let response = allowed.refuse(&request(Some(host), origin))?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await.expect("a body");
        let body: serde_json::Value = serde_json::from_slice(&body.to_bytes()).expect("JSON");
        Some((
            status,
            body["error"]["message"]
                .as_str()
                .expect("a message")
                .to_owned(),
        ))
    }

    #[tokio::test]
    async fn loopback_hosts_pass_on_any_port_by_default() {
        let allowed = allowed(HttpOptions::default());
        for host in [
            "localhost",
            "LOCALHOST:8080",
            "127.0.0.1:9",
            "127.0.0.2",
            "[::1]:8080",
            "[::1]",
            "localhost.",
        ] {
            assert_eq!(verdict(&allowed, host, None).await, None, "{host}");
        }
        for host in [
            "mcp.example.com",
            "localhost.evil.example",
            "10.0.0.1:8080",
            "[::2]",
        ] {
            let (status, message) = verdict(&allowed, host, None).await.expect("refused");
            assert_eq!(status, 403, "{host}");
            for named in [
                "--public-url",
                "--allowed-host",
                "transports.http.allowed_hosts",
                "transports.http.public_url",
            ] {
                assert!(message.contains(named), "{host}: {message}");
            }
            assert!(!message.contains("HttpOptions"), "{message}");
        }
    }

    #[tokio::test]
    async fn the_public_urls_host_passes_on_any_port() {
        let allowed =
            allowed(HttpOptions::default().with_public_url("https://MCP.example.com/mcp"));
        for host in [
            "mcp.example.com",
            "Mcp.Example.Com:443",
            "mcp.example.com:8080",
        ] {
            assert_eq!(verdict(&allowed, host, None).await, None, "{host}");
        }
        let (status, message) = verdict(&allowed, "evil.example", None)
            .await
            .expect("refused");
        assert_eq!(status, 403);
        assert!(message.contains("Host `evil.example`"), "{message}");
        assert!(message.contains("--allowed-host evil.example"), "{message}");
        assert!(
            message.contains("--public-url https://evil.example/mcp"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn allowed_hosts_with_a_port_pass_only_on_it() {
        let options = HttpOptions::default()
            .allow_host("mcp.internal")
            .allow_host("mcp-1.internal:8443")
            .allow_host("[fd00::1]:9000");
        let allowed = allowed(options);
        for host in [
            "mcp.internal",
            "MCP.internal:1",
            "mcp-1.internal:8443",
            "[FD00::1]:9000",
        ] {
            assert_eq!(verdict(&allowed, host, None).await, None, "{host}");
        }
        for host in [
            "mcp-1.internal",
            "mcp-1.internal:8444",
            "[fd00::1]",
            "internal",
        ] {
            assert!(verdict(&allowed, host, None).await.is_some(), "{host}");
        }
    }

    #[tokio::test]
    async fn a_star_passes_any_host() {
        let allowed = allowed(HttpOptions::default().allow_host("*"));
        assert_eq!(verdict(&allowed, "anything.example:1", None).await, None);
    }

    #[tokio::test]
    async fn malformed_or_missing_hosts_are_bad_requests() {
        let allowed = allowed(HttpOptions::default());
        for host in ["", "a b", "host:port", "[::1", "host:99999"] {
            let (status, message) = verdict(&allowed, host, None).await.expect("refused");
            assert_eq!(status, 400, "{host}: {message}");
        }
        let response = allowed.refuse(&request(None, None)).expect("refused");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    #[tokio::test]
    async fn origins_pass_when_loopback_or_allowed() {
        let allowed = allowed(HttpOptions::default().allow_origin("https://App.example.com/"));
        for origin in [
            "http://localhost:3000",
            "https://127.0.0.1",
            "http://[::1]:5173",
            "https://app.example.com",
            "https://APP.example.com/",
        ] {
            assert_eq!(
                verdict(&allowed, "localhost", Some(origin)).await,
                None,
                "{origin}"
            );
        }
        for origin in [
            "https://evil.example",
            "null",
            "file://localhost",
            "https://app.example.com:8443",
        ] {
            let (status, message) = verdict(&allowed, "localhost", Some(origin))
                .await
                .expect("refused");
            assert_eq!(status, 403, "{origin}");
            assert!(
                message.contains(&format!("--allowed-origin {origin}")),
                "{message}"
            );
            assert!(
                message.contains("transports.http.allowed_origins"),
                "{message}"
            );
        }
    }

    #[test]
    fn unusable_settings_are_reported_with_the_flag_and_the_key() {
        for url in [
            "mcp.example.com/mcp",
            "ftp://mcp.example.com/mcp",
            "https:///mcp",
            "not a url",
        ] {
            let problem = problem(&HttpOptions::default().with_public_url(url)).expect(url);
            assert!(
                problem.contains("--public-url") && problem.contains("transports.http.public_url"),
                "{problem}"
            );
        }
        let problem = problem(&HttpOptions::default().allow_host("https://mcp.example.com/mcp"))
            .expect("a URL");
        assert!(
            problem.contains("--allowed-host") && problem.contains("transports.http.allowed_hosts"),
            "{problem}"
        );
    }
}
