//! The HTTP client the OTLP exporter sends its batches with, and the one report of a
//! collector that does not take them.
//!
//! The SDK's batch processor exports from a thread of its own, outside the server's
//! tokio runtime, while this client is hyper-util's (the one the OAuth resource server
//! uses: rustls with ring, no reqwest, no aws-lc). Each request is spawned onto the
//! server's runtime and awaited from the exporter's thread: requests never wait for an
//! export, and an export never waits for a request.
//!
//! A collector that is down, slow or refusing is reported in the log once, and then at
//! most once a minute with the count of failed exports, until it takes a batch again.

use std::{
    sync::{Mutex, PoisonError},
    time::{Duration, Instant},
};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};
use opentelemetry_http::HttpError;

/// A collector's answer is a small protobuf message; more is not something to buffer.
const MAX_ANSWER: usize = 1 << 20;

/// How often a collector that keeps failing is reported again.
const REPORT_EVERY: Duration = Duration::from_secs(60);

/// The exporter's HTTP client (see the module's documentation).
#[derive(Debug)]
pub(crate) struct OtlpClient {
    inner: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    runtime: tokio::runtime::Handle,
    /// Per attempt, answer included (`OTEL_EXPORTER_OTLP_TIMEOUT`).
    timeout: Duration,
    /// Where spans go, for the report.
    endpoint: String,
    failures: Mutex<Failures>,
}

/// Failed exports since the collector last took a batch.
#[derive(Debug, Default)]
struct Failures {
    count: u64,
    last_report: Option<Instant>,
}

impl OtlpClient {
    pub(crate) fn new(
        runtime: tokio::runtime::Handle,
        endpoint: &str,
        timeout: Duration,
    ) -> Result<Self, String> {
        let needs_tls = endpoint.starts_with("https:");
        let connector = crate::auth::http::connector(needs_tls, "the trace collector's")?;
        Ok(Self {
            inner: Client::builder(TokioExecutor::new()).build(connector),
            runtime,
            timeout,
            endpoint: endpoint.to_owned(),
            failures: Mutex::default(),
        })
    }

    /// Sends `request` on the server's runtime; the answer whatever its status (the
    /// exporter judges it), or why there was none.
    async fn exchange(&self, request: Request<Bytes>) -> Result<Response<Bytes>, String> {
        let client = self.inner.clone();
        let timeout = self.timeout;
        let request = request.map(Full::new);
        let sent = self.runtime.spawn(async move {
            let exchange = async {
                let response = client
                    .request(request)
                    .await
                    .map_err(|e| crate::auth::http::describe_connect_error(&e))?;
                let (parts, body) = response.into_parts();
                let body = Limited::new(body, MAX_ANSWER)
                    .collect()
                    .await
                    .map_err(|e| format!("its answer could not be read: {e}"))?;
                Ok(Response::from_parts(parts, body.to_bytes()))
            };
            tokio::time::timeout(timeout, exchange)
                .await
                .map_err(|_| format!("no answer within {} ms", timeout.as_millis()))?
        });
        sent.await
            .map_err(|e| format!("the export was stopped: {e}"))?
    }

    /// Notes what an export came to, and reports a failing collector (rate-limited).
    fn note(&self, result: Result<(), String>) {
        let mut failures = self.failures.lock().unwrap_or_else(PoisonError::into_inner);
        match result {
            Ok(()) => {
                if failures.count > 0 {
                    tracing::info!(
                        endpoint = %self.endpoint,
                        "the trace collector takes spans again"
                    );
                }
                *failures = Failures::default();
            }
            Err(why) => {
                failures.count += 1;
                let due = failures
                    .last_report
                    .is_none_or(|at| at.elapsed() >= REPORT_EVERY);
                if due {
                    tracing::warn!(
                        endpoint = %self.endpoint,
                        failed_exports = failures.count,
                        "traces could not be sent to the collector: {why}; requests are served \
                         as usual and these spans are dropped. Check that the collector runs \
                         and takes OTLP over HTTP at this URL (OTEL_EXPORTER_OTLP_ENDPOINT, \
                         OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or telemetry.otlp_endpoint); \
                         reported again in a minute while it lasts"
                    );
                    failures.last_report = Some(Instant::now());
                }
            }
        }
    }
}

#[async_trait::async_trait]
impl opentelemetry_http::HttpClient for OtlpClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let result = self.exchange(request).await;
        let verdict = match &result {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => Err(format!("it answered HTTP {}", response.status())),
            Err(why) => Err(why.clone()),
        };
        self.note(verdict);
        result.map_err(HttpError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn an_unreachable_collector_fails_the_export_not_the_caller() {
        // A port nobody listens on: bound, then closed.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let endpoint = format!("http://127.0.0.1:{port}/v1/traces");
        let client = OtlpClient::new(
            tokio::runtime::Handle::current(),
            &endpoint,
            Duration::from_secs(2),
        )
        .unwrap();
        let request = Request::post(&endpoint)
            .body(Bytes::from_static(b"x"))
            .unwrap();
        // The exporter's thread awaits outside the runtime, as here.
        let sent = std::thread::spawn(move || {
            let result = futures::executor::block_on(opentelemetry_http::HttpClient::send_bytes(
                &client, request,
            ));
            (result.is_err(), client.failures.lock().unwrap().count)
        })
        .join()
        .unwrap();
        assert_eq!(sent, (true, 1));
    }
}
