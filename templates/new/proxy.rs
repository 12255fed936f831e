//! Calls to the HTTP API this server forwards its tools to (`upstream:` in the spec).
//! `mcpgen new --from` wrote this file; it is yours now.
//!
//! The base URL and the API's credentials come from the environment variables the spec
//! names; the MCP client's own credentials are never forwarded. Upstream failures become
//! the tools' declared errors, each saying what to do.

use std::time::Duration;

use serde_json::Value;

/// Where an argument goes in the upstream request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(dead_code)] // an API may use only some of the places
pub enum Place {
    /// Into the path template's `{name}`.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
    /// A field of the JSON body.
    Body,
    /// The whole JSON body.
    BodyAll,
}

/// One tool's upstream request.
#[derive(Debug)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: &'static str,
    /// The path below the base URL, with `{name}` for path arguments.
    pub path: &'static str,
    /// Each argument: its name in the tool, where it goes, its name there.
    pub args: &'static [(&'static str, Place, &'static str)],
}

/// A credential of the API, read from the environment.
#[derive(Debug)]
pub struct Credential {
    /// The header that carries it (else `query`).
    pub header: Option<&'static str>,
    /// The query parameter that carries it.
    pub query: Option<&'static str>,
    /// Put before the value, such as `Bearer `.
    pub prefix: &'static str,
    /// The environment variable holding it.
    pub env: &'static str,
}

/// Why an upstream call failed: one case per declared error of a proxied tool.
#[derive(Debug)]
pub enum Failure {
    /// 400 or 422: what the API said about the arguments.
    InvalidArguments(String),
    /// 401 or 403.
    Unauthorized(String),
    /// 404.
    NotFound(String),
    /// 429: how long to wait, from `Retry-After`.
    RateLimited(i64),
    /// 5xx, a timeout, or the API could not be reached.
    Unavailable(String),
}

/// The API: its base URL and credentials, and one HTTP client for every call.
#[derive(Debug)]
pub struct Upstream {
    client: reqwest::Client,
    base_url: String,
    credentials: Vec<(&'static Credential, String)>,
}

impl Upstream {
    /// Reads the base URL and credentials from the environment. A credential whose
    /// variable is unset is not sent (the API then answers 401, which names it).
    pub fn from_env(
        base_url_env: &str,
        default_base_url: Option<&str>,
        credentials: &'static [Credential],
        timeout_ms: u64,
    ) -> Self {
        // TLS by rustls with ring (aws-lc, reqwest's default, needs cmake to build).
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base_url = std::env::var(base_url_env)
            .ok()
            .or_else(|| default_base_url.map(str::to_owned))
            .unwrap_or_default();
        let credentials = credentials
            .iter()
            .filter_map(|c| Some((c, std::env::var(c.env).ok()?)))
            .collect();
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(timeout_ms))
            .build()
            .unwrap_or_default();
        Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            credentials,
        }
    }

    /// Sends the request with the tool's arguments; the JSON the API answered with.
    pub async fn call(
        &self,
        request: &Request,
        input: &impl serde::Serialize,
    ) -> Result<Value, Failure> {
        let input = serde_json::to_value(input).unwrap_or_default();
        let mut path = request.path.to_owned();
        let mut query: Vec<(String, String)> = Vec::new();
        let mut headers: Vec<(&str, String)> = Vec::new();
        let mut body = serde_json::Map::new();
        let mut whole = None;
        for (arg, place, wire) in request.args {
            let Some(value) = input.get(*arg).filter(|v| !v.is_null()) else {
                continue;
            };
            match place {
                Place::Path => path = path.replace(&format!("{{{wire}}}"), &encode(&text(value))),
                Place::Query => match value {
                    Value::Array(items) => {
                        query.extend(items.iter().map(|i| (wire.to_string(), text(i))));
                    }
                    other => query.push((wire.to_string(), text(other))),
                },
                Place::Header => headers.push((wire, text(value))),
                Place::Body => {
                    body.insert(wire.to_string(), value.clone());
                }
                Place::BodyAll => whole = Some(value.clone()),
            }
        }
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.base_url)).map_err(|e| {
            Failure::Unavailable(format!(
                "the API's base URL `{}` is not usable: {e}",
                self.base_url
            ))
        })?;
        for (credential, value) in &self.credentials {
            if let Some(name) = credential.query {
                query.push((name.to_string(), format!("{}{value}", credential.prefix)));
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(&query);
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or_default();
        let mut builder = self.client.request(method, url);
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        for (credential, value) in &self.credentials {
            if let Some(name) = credential.header {
                builder = builder.header(name, format!("{}{value}", credential.prefix));
            }
        }
        if let Some(whole) = whole {
            builder = builder.json(&whole);
        } else if !body.is_empty() {
            builder = builder.json(&body);
        }
        let response = builder.send().await.map_err(|e| {
            let what = if e.is_timeout() {
                "it did not answer in time"
            } else {
                "it could not be reached"
            };
            Failure::Unavailable(what.to_owned())
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok());
        let bytes = response.bytes().await.unwrap_or_default();
        let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        match status {
            200..=299 => Ok(json),
            400 | 422 => Err(Failure::InvalidArguments(detail(&json, &bytes))),
            401 | 403 => Err(Failure::Unauthorized(format!("HTTP {status}"))),
            404 => Err(Failure::NotFound(detail(&json, &bytes))),
            429 => Err(Failure::RateLimited(
                retry_after.map_or(1000, |s| s.saturating_mul(1000)),
            )),
            _ => Err(Failure::Unavailable(format!("HTTP {status}"))),
        }
    }
}

/// A value as text in a path, query or header.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Percent-encodes a path segment.
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// What an error answer says: FastAPI's and others' `detail` (for validation errors,
/// each field and why), a `message`, or the start of the body.
fn detail(json: &Value, bytes: &[u8]) -> String {
    let said = json
        .get("detail")
        .or_else(|| json.get("message"))
        .or_else(|| json.get("error"));
    match said {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                let field = item
                    .get("loc")
                    .and_then(Value::as_array)
                    .and_then(|loc| loc.last())
                    .map(text)
                    .unwrap_or_default();
                let why = item.get("msg").map(text).unwrap_or_default();
                format!("`{field}`: {why}")
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => other.to_string(),
        None => String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            .trim()
            .to_owned(),
    }
}
