//! The small HTTPS client the OAuth resource server talks to its authorization server
//! with: key sets and metadata (GET) and token introspection (POST).
//!
//! hyper-util's client over rustls with the ring provider: hyper is already in every
//! server through axum, and ring builds with a C compiler alone (aws-lc, reqwest's
//! default TLS provider, needs cmake). Certificates are checked against the machine's
//! own CA store (honouring `SSL_CERT_FILE` and `SSL_CERT_DIR`), so an authorization
//! server behind a private CA works once its CA is installed.

use std::{fmt, net::IpAddr, sync::Arc, time::Duration};

use bytes::Bytes;
use http::{Method, Request, Uri, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};

/// How long one request to the authorization server may take, body included.
pub(crate) const FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// Key sets, metadata and introspection answers are small; a larger body is a
/// misconfigured URL (an HTML page, a file download), not something to buffer.
const MAX_BODY: usize = 1 << 20;

/// Checks a configured URL: absolute, `https` (plain `http` only for loopback hosts,
/// which tests and local development use), and without a fragment.
pub(crate) fn check_url(key: &str, url: &str) -> Result<Uri, String> {
    let uri: Uri = url.parse().map_err(|_| {
        format!("{key} is not a valid URL ({url:?}); write an absolute URL such as https://auth.example.com")
    })?;
    if url.contains('#') {
        return Err(format!("{key} ({url}) has a fragment (`#...`); remove it"));
    }
    let host = uri.host().ok_or_else(|| {
        format!("{key} ({url}) has no host; write an absolute URL such as https://auth.example.com")
    })?;
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if is_loopback(host) => Ok(uri),
        Some("http") => Err(format!(
            "{key} ({url}) uses plain http; use https (plain http is accepted only for \
             localhost and 127.0.0.1, for tests)"
        )),
        _ => Err(format!("{key} ({url}) must be an https URL")),
    }
}

/// `https://host:port` and the rest (`/path?query`) of an absolute URL.
pub(crate) fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find(['/', '?', '#']) {
        Some(end) => url.split_at(after_scheme + end),
        None => (url, ""),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Why a request to the authorization server failed, in words for an operator's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FetchError(pub(crate) String);

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A client shared by the key store and the introspector (one connection pool).
#[derive(Clone)]
pub(crate) struct HttpClient {
    inner: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client for `urls`. The machine's CA certificates are needed only when one of
    /// them is `https`: a server (or a test) that talks to loopback alone starts without.
    pub(crate) fn new(urls: &[&Uri]) -> Result<Self, String> {
        let needs_tls = urls.iter().any(|u| u.scheme_str() == Some("https"));
        let connector = connector(needs_tls, "the authorization server's")?;
        Ok(Self {
            inner: Client::builder(TokioExecutor::new()).build(connector),
            timeout: FETCH_TIMEOUT,
        })
    }

    /// GETs `uri` and returns the body of a 2xx answer.
    pub(crate) async fn get(&self, uri: &Uri) -> Result<Bytes, FetchError> {
        let request = Request::get(uri.clone())
            .header(header::ACCEPT, "application/json")
            .body(Full::default());
        self.send(request).await
    }

    /// POSTs a form to `uri` with `authorization` and returns the body of a 2xx answer.
    pub(crate) async fn post_form(
        &self,
        uri: &Uri,
        authorization: &str,
        form: String,
    ) -> Result<Bytes, FetchError> {
        let request = Request::builder()
            .method(Method::POST)
            .uri(uri.clone())
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::AUTHORIZATION, authorization)
            .body(Full::new(Bytes::from(form)));
        self.send(request).await
    }

    async fn send(&self, request: http::Result<Request<Full<Bytes>>>) -> Result<Bytes, FetchError> {
        let request =
            request.map_err(|e| FetchError(format!("could not build the request: {e}")))?;
        let exchange = async {
            let response = self
                .inner
                .request(request)
                .await
                .map_err(|e| FetchError(describe_connect_error(&e)))?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| FetchError(format!("the answer's body could not be read: {e}")))?
                .to_bytes();
            if !status.is_success() {
                return Err(FetchError(format!("it answered HTTP {status}")));
            }
            Ok(body)
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| FetchError(format!("no answer within {} s", self.timeout.as_secs())))?
    }
}

/// The connector of the runtime's outbound HTTP clients (the authorization server's,
/// the trace collector's): `https` checked against the machine's CA store, plain `http`
/// as well. `whose` names the server in the error when `needs_tls` and no CA
/// certificate could be loaded.
pub(crate) fn connector(
    needs_tls: bool,
    whose: &str,
) -> Result<HttpsConnector<HttpConnector>, String> {
    // Deprecated for lacking post-quantum key exchange, which only aws-lc offers,
    // and aws-lc needs cmake to build. Fetching public keys and asking about tokens
    // over classical ECDHE is what every resource server does today.
    #[expect(
        deprecated,
        reason = "ring, until a pure-Rust post-quantum provider is usable"
    )]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder =
        match HttpsConnectorBuilder::new().with_provider_and_native_roots(provider.clone()) {
            Ok(builder) => builder,
            Err(e) if needs_tls => {
                return Err(format!(
                    "no CA certificates could be loaded to check {whose} https certificate ({e}); \
                 install the system's CA bundle (ca-certificates) or point SSL_CERT_FILE at one"
                ));
            }
            Err(_) => {
                let config = rustls::ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| format!("TLS set-up failed: {e}"))?
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth();
                HttpsConnectorBuilder::new().with_tls_config(config)
            }
        };
    Ok(builder.https_or_http().enable_http1().build())
}

/// hyper's client error says "client error (Connect)"; the cause chain holds what an
/// operator needs (connection refused, DNS failure, certificate not trusted).
pub(crate) fn describe_connect_error(error: &hyper_util::client::legacy::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `application/x-www-form-urlencoded` for one value: unreserved characters as they
/// are, everything else percent-encoded (RFC 6749 appendix B).
pub(crate) fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_everywhere_plain_http_on_loopback_only() {
        let key = "auth.oauth.issuer";
        assert!(check_url(key, "https://auth.example.com").is_ok());
        assert!(check_url(key, "http://127.0.0.1:8080/realms/x").is_ok());
        assert!(check_url(key, "http://localhost:9000").is_ok());
        assert!(check_url(key, "http://[::1]:9000").is_ok());
        let plain = check_url(key, "http://auth.example.com").unwrap_err();
        assert!(
            plain.contains("auth.oauth.issuer") && plain.contains("use https"),
            "{plain}"
        );
        let relative = check_url(key, "/jwks").unwrap_err();
        assert!(relative.contains("no host"), "{relative}");
        assert!(
            check_url(key, "https://a.example.com/x#y")
                .unwrap_err()
                .contains("fragment")
        );
        assert!(check_url(key, "ftp://a.example.com").is_err());
        assert!(check_url(key, "not a url").is_err());
    }

    #[test]
    fn form_values_are_percent_encoded() {
        assert_eq!(form_encode("a-Z_0.~"), "a-Z_0.~");
        assert_eq!(form_encode("a b+c/=&é"), "a%20b%2Bc%2F%3D%26%C3%A9");
    }
}
