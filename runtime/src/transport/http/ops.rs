//! The operator's endpoints beside the MCP endpoint: `/healthz`, `/readyz` and
//! `/metrics` ([`answer`]), and the server cards ([`card`]).
//!
//! Health and metrics are answered before any screening: without a record (a scrape
//! every few seconds is not an MCP request, and would drown the request metrics),
//! without the per-address flood limit (a probe refused while the server is flooded
//! would have it restarted), and without the `Host` check (orchestrators probe and
//! scrape by the pod's address). They show no argument, credential or caller. To keep
//! `/metrics` off a public listener, serve it on its own address
//! (`serve --metrics ADDR`, [`crate::Server::serve_operations`]).
//!
//! The cards are public by design (SEP-2127: any origin may read them), so they pass
//! the flood limit and the `Host` check but not the `Origin` one, and are recorded as
//! requests like the protected resource metadata.

use std::sync::Arc;

use axum::{
    body::Body,
    extract::Request,
    response::{IntoResponse, Response},
};
use futures::future::BoxFuture;
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::Value;

use crate::declare::registry::Registry;
use crate::observe::{health, metrics};
use crate::protocol::card;

pub(crate) const HEALTHZ: &str = "/healthz";
pub(crate) const READYZ: &str = "/readyz";
pub(crate) const METRICS: &str = "/metrics";

/// What a listener serves besides MCP.
pub(crate) struct Ops {
    pub(crate) registry: Arc<Registry>,
    /// Whether `/metrics` is served on this listener.
    pub(crate) metrics: bool,
}

/// The answer to a GET of `/healthz`, `/readyz` or (when served here) `/metrics`.
pub(crate) fn answer(ops: &Arc<Ops>, request: &Request) -> Option<BoxFuture<'static, Response>> {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return None;
    }
    match request.uri().path() {
        HEALTHZ => Some(Box::pin(std::future::ready(json(
            StatusCode::OK,
            &health::alive(),
        )))),
        READYZ => {
            let ops = Arc::clone(ops);
            Some(Box::pin(async move {
                let (ready, body) = health::ready(&ops.registry).await;
                let status = if ready {
                    StatusCode::OK
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                };
                json(status, &body)
            }))
        }
        METRICS if ops.metrics => Some(Box::pin(std::future::ready(scrape()))),
        _ => None,
    }
}

fn scrape() -> Response {
    let text = metrics::render().unwrap_or_default();
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(metrics::CONTENT_TYPE),
    );
    response
}

fn json(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The card a GET of `path` asks for, if it asks for one: the SEP-2127 card at
/// `<endpoint>/server-card`, the older one at `/.well-known/mcp/server-card.json`.
/// The endpoint's URL is the public URL, else the one the request was sent to.
pub(crate) fn card(
    registry: &Registry,
    endpoint: &str,
    public_url: Option<&str>,
    request: &Request,
) -> Option<Response> {
    if request.method() != Method::GET {
        return None;
    }
    let path = request.uri().path();
    let sep = path.strip_prefix(endpoint) == Some(card::CARD_SUFFIX);
    if !sep && path != card::LEGACY_CARD_PATH {
        return None;
    }
    let url = match public_url {
        Some(url) => url.to_owned(),
        None => {
            let host = request
                .headers()
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}{endpoint}")
        }
    };
    let (body, content_type) = if sep {
        (card::card(registry, &url), card::CARD_CONTENT_TYPE)
    } else {
        (card::legacy_card(registry, &url), "application/json")
    };
    let mut response = Response::new(Body::from(body.to_string()));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Some(response)
}

impl crate::Server {
    /// Serves `/metrics`, `/healthz` and `/readyz` on `listener`, apart from MCP, until
    /// `shutdown` completes; turns metrics on. How a stdio server shows its metrics,
    /// and how an HTTP server keeps them off its public listener
    /// ([`crate::HttpOptions::metrics`] false).
    ///
    /// # Errors
    /// When serving fails.
    pub async fn serve_operations(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        metrics::install(&self.registry);
        let ops = Arc::new(Ops {
            registry: Arc::clone(&self.registry),
            metrics: true,
        });
        tracing::info!(
            address = %listener.local_addr()?,
            "serving /metrics, /healthz and /readyz"
        );
        let router = axum::Router::new().fallback(move |request: Request| {
            let ops = Arc::clone(&ops);
            async move {
                match answer(&ops, &request) {
                    Some(answer) => answer.await,
                    None => super::error_response(
                        StatusCode::NOT_FOUND,
                        -32600,
                        format!(
                            "nothing at `{}`: this address serves GET {METRICS}, {HEALTHZ} and {READYZ}",
                            request.uri().path()
                        ),
                        serde_json::json!({"path": request.uri().path()}),
                    ),
                }
            }
        });
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
    }
}
