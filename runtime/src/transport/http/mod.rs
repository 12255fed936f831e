//! Streamable HTTP: rmcp's `StreamableHttpService` inside axum, with a rules layer in
//! front that turns every rejection into a JSON body saying what to change.
//!
//! What rmcp does itself: sessions (`Mcp-Session-Id`, 404 for unknown sessions),
//! the stateless 2026-07-28 path (`server/discover`, `_meta`, `Mcp-Method`/`Mcp-Name`
//! checks, -32020), the protocol-version header, SSE.
//! What the screening adds: `Host` and `Origin` validation ([`allow`]: loopback, the public
//! URL's host and allow lists, refusals that name the flag and spec key to change), `Accept`
//! and `Content-Type` checks, the body cap enforced before parsing, JSON-RPC parse
//! errors (400/-32700) instead of rmcp's 415 text, and JSON bodies for rmcp's own
//! plain-text rejections. Below axum, [`wire`] gives a JSON body to hyper's answers to
//! requests it cannot parse. Beside the endpoint, [`ops`] serves `/metrics`, `/healthz`,
//! `/readyz` and the server cards.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{Router, extract::Request, response::Response, serve::ListenerExt};
use http::StatusCode;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::{Server, observe::record::Transport, protocol::service::McpService};

mod allow;
mod authorize;
mod drain;
pub(crate) mod ops;
mod record;
mod screen;
mod sessions;
mod wire;

pub(crate) use screen::Screened;
pub(crate) use screen::error_response;
use screen::{ScreenRules, Screening};

/// Settings of the HTTP transport. `Default` is right for a local server.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Where the MCP endpoint lives (default `/mcp`).
    pub path: String,
    /// Largest accepted request body in bytes (default 1 MiB); larger bodies get 413
    /// before anything is parsed.
    pub max_body_bytes: usize,
    /// Browser origins allowed besides loopback ones (`https://app.example.com`,
    /// with an explicit port if not the scheme default). Requests with any other
    /// `Origin` get 403. Requests without `Origin` (non-browser clients) pass.
    pub allowed_origins: Vec<String>,
    /// The URL clients use, such as `https://mcp.example.com/mcp` (behind a reverse
    /// proxy, the proxy's URL): its host is accepted in `Host`, on any port.
    pub public_url: Option<String>,
    /// Names accepted in `Host` besides the loopback names (always accepted, on any
    /// port) and the host of [`HttpOptions::public_url`] (DNS-rebinding protection);
    /// other hosts get 403. Names compare ignoring case; an entry without a port
    /// (`mcp.internal`) accepts every port, one with a port (`mcp.internal:8443`) only
    /// that port. `*` accepts any host. Default: none.
    pub allowed_hosts: Vec<String>,
    /// Keep `Mcp-Session-Id` sessions for clients of the `initialize` revisions
    /// (2025-11-25 and older); default true. Requests of the 2026-07-28 revision
    /// are always served statelessly.
    pub sessions: bool,
    /// Interval of SSE keep-alive comments (default 15 s).
    pub sse_keep_alive: Option<Duration>,
    /// Reverse proxies in front of the server whose `X-Forwarded-For` entries are
    /// trusted (default 0: the client is the peer of the TCP connection). With `n`, the
    /// client is the `n`-th address from the right of `X-Forwarded-For`; entries left of
    /// it are the client's own claims and are never used.
    pub trusted_proxy_hops: u32,
    /// Flood protection: requests per client address, checked before a body is read;
    /// over it, 429 with `Retry-After`. Default: the server's
    /// [`crate::Guardrails::per_address`].
    pub per_address: Option<crate::Rate>,
    /// Serve Prometheus metrics at `/metrics` on this listener (default true); false
    /// when they are served on an address of their own
    /// ([`Server::serve_operations`]). `/healthz` and `/readyz` are always served.
    pub metrics: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            path: "/mcp".to_owned(),
            max_body_bytes: 1024 * 1024,
            allowed_origins: Vec::new(),
            public_url: None,
            allowed_hosts: Vec::new(),
            sessions: true,
            sse_keep_alive: Some(Duration::from_secs(15)),
            trusted_proxy_hops: 0,
            per_address: None,
            metrics: true,
        }
    }
}

impl HttpOptions {
    /// Set [`HttpOptions::path`].
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Set [`HttpOptions::max_body_bytes`].
    #[must_use]
    pub fn with_max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Add an entry to [`HttpOptions::allowed_origins`].
    #[must_use]
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Set [`HttpOptions::public_url`].
    #[must_use]
    pub fn with_public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Add an entry to [`HttpOptions::allowed_hosts`].
    #[must_use]
    pub fn allow_host(mut self, host: impl Into<String>) -> Self {
        self.allowed_hosts.push(host.into());
        self
    }

    /// Set [`HttpOptions::trusted_proxy_hops`].
    #[must_use]
    pub fn with_trusted_proxy_hops(mut self, hops: u32) -> Self {
        self.trusted_proxy_hops = hops;
        self
    }

    /// Set [`HttpOptions::per_address`].
    #[must_use]
    pub fn with_per_address(mut self, rate: crate::Rate) -> Self {
        self.per_address = Some(rate);
        self
    }

    /// Set [`HttpOptions::metrics`].
    #[must_use]
    pub fn with_metrics(mut self, metrics: bool) -> Self {
        self.metrics = metrics;
        self
    }

    /// Set [`HttpOptions::sessions`].
    #[must_use]
    pub fn with_sessions(mut self, sessions: bool) -> Self {
        self.sessions = sessions;
        self
    }
}

impl Server {
    /// Serve MCP over Streamable HTTP at `addr` and `path` until ctrl-c/SIGTERM.
    ///
    /// # Errors
    /// When the address cannot be bound or the server fails.
    pub async fn serve_http(&self, addr: SocketAddr, path: &str) -> anyhow::Result<()> {
        self.serve_http_with(addr, HttpOptions::default().with_path(path))
            .await
    }

    /// [`Server::serve_http`] with explicit [`HttpOptions`].
    ///
    /// # Errors
    /// When the address cannot be bound or the server fails.
    pub async fn serve_http_with(
        &self,
        addr: SocketAddr,
        options: HttpOptions,
    ) -> anyhow::Result<()> {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
        self.serve_http_on(listener, options, shutdown_signal())
            .await
    }

    /// Serve on an already bound listener until `shutdown` completes (tests bind
    /// port 0 and pass their own shutdown future).
    ///
    /// # Errors
    /// When the public URL or an allowed host cannot be read, or the server fails.
    pub async fn serve_http_on(
        &self,
        listener: tokio::net::TcpListener,
        options: HttpOptions,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        if let Some(problem) = allow::problem(&options) {
            anyhow::bail!(problem);
        }
        let local = listener.local_addr()?;
        let ct = CancellationToken::new();
        // The screened service itself, not `http_router`'s `Router`: a router boxes the
        // route's service and the layer's, a future each per request; `screen` answers
        // other paths.
        let screened = self.screened(&options, ct.clone());
        // Without TCP_NODELAY every small response waits for a delayed ACK (~40 ms).
        let listener = wire::WireListener(listener).tap_io(|wire| {
            if let Err(error) = wire.get_mut().set_nodelay(true) {
                tracing::warn!(%error, "could not set TCP_NODELAY");
            }
        });
        tracing::info!(
            address = %local,
            path = %options.path,
            public_url = options.public_url.as_deref().unwrap_or("(none)"),
            allowed_hosts = ?options.allowed_hosts,
            "serving MCP over Streamable HTTP"
        );
        axum::serve(
            listener,
            axum::ServiceExt::<Request>::into_make_service_with_connect_info::<SocketAddr>(
                screened,
            ),
        )
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing in-flight requests");
            ct.cancel();
        })
        .await?;
        Ok(())
    }

    /// The axum router serving this server's MCP endpoint, to embed in a larger
    /// application. Cancel `ct` to end sessions and streams on shutdown. Serve it
    /// with `into_make_service_with_connect_info::<SocketAddr>()` so handlers see
    /// [`crate::Identity::Address`]. A public URL or allowed host that cannot be read is
    /// logged as an error and accepts no host.
    pub fn http_router(&self, options: &HttpOptions, ct: CancellationToken) -> Router {
        if let Some(problem) = allow::problem(options) {
            tracing::error!("{problem}");
        }
        let Screened { inner, rules } = self.screened(options, ct);
        // The layer covers the router's fallback too: `screen` answers other paths.
        Router::new()
            .route_service(&options.path, inner)
            .layer(Screening(rules))
    }

    /// rmcp's service for the MCP endpoint with the rules in front of it.
    pub(crate) fn screened(
        &self,
        options: &HttpOptions,
        ct: CancellationToken,
    ) -> Screened<StreamableHttpService<McpService, sessions::Sessions>> {
        let config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(options.sessions)
            .with_json_response(true)
            .with_sse_keep_alive(options.sse_keep_alive)
            .with_cancellation_token(ct)
            // The rules enforces the cap first; rmcp's is a second line.
            .with_max_request_body_bytes(options.max_body_bytes)
            // The rules validate Host and Origin, with errors that say what to change.
            .disable_allowed_origins()
            .disable_allowed_hosts();
        let registry = Arc::clone(&self.registry);
        let service: StreamableHttpService<McpService, sessions::Sessions> =
            StreamableHttpService::new(
                move || Ok(McpService::new(Arc::clone(&registry), Transport::Http)),
                Arc::new(sessions::Sessions::default()),
                config,
            );
        let metadata = self.registry.gate.as_ref().and_then(|g| g.metadata());
        if options.metrics {
            crate::observe::metrics::install(&self.registry);
        }
        let rules = Arc::new(ScreenRules {
            max_body_bytes: options.max_body_bytes,
            allowed: allow::Allowed::new(options),
            path: options.path.clone(),
            trusted_proxy_hops: options.trusted_proxy_hops,
            flood: options
                .per_address
                .or(self.registry.guard.per_address)
                .and_then(|rate| {
                    crate::guard::quota(&rate).map(|quota| crate::guard::Flood {
                        rate,
                        limiter: governor::DefaultKeyedRateLimiter::dashmap(quota),
                        checks: std::sync::atomic::AtomicU64::new(0),
                    })
                }),
            auth: self
                .registry
                .gate
                .is_some()
                .then(|| Arc::clone(&self.registry)),
            metadata: metadata.map(crate::auth::metadata::ResourceMetadata::url),
            metadata_document: metadata
                .map(|m| (m.paths(), bytes::Bytes::from(m.document().to_string()))),
            ops: Arc::new(ops::Ops {
                registry: Arc::clone(&self.registry),
                metrics: options.metrics,
            }),
            public_url: options.public_url.clone(),
        });
        Screened {
            inner: service,
            rules,
        }
    }
}

pub(super) fn no_endpoint(path: &str) -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        -32600,
        format!("there is no MCP endpoint at `{path}`"),
        json!({"path": path}),
    )
}

/// Resolves on ctrl-c or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
