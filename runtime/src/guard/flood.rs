//! The per-address flood limit of the HTTP transport: requests per client address
//! (IPv6 by /64), counted before anything is parsed.

use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use serde_json::json;

use crate::transport::http::error_response;

/// Requests per client address (IPv6 by /64), before anything is parsed.
pub(crate) struct Flood {
    pub(crate) rate: crate::Rate,
    pub(crate) limiter: governor::DefaultKeyedRateLimiter<std::net::IpAddr>,
    pub(crate) checks: std::sync::atomic::AtomicU64,
}

impl Flood {
    /// The 429 response for a request over the budget, if it is.
    pub(crate) fn refuse(&self, client: std::net::IpAddr) -> Option<Response> {
        use governor::clock::Clock as _;
        use std::sync::atomic::Ordering;
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        let network = crate::guard::network(client);
        let not_until = self.limiter.check_key(&network).err()?;
        let wait = not_until.wait_time_from(self.limiter.clock().now());
        let ms = u64::try_from(wait.as_micros().div_ceil(1000))
            .unwrap_or(u64::MAX)
            .max(1);
        let mut response = error_response(
            StatusCode::TOO_MANY_REQUESTS,
            -32000,
            format!(
                "Too many requests from {network}: this server accepts {} HTTP requests per client address. Nothing was processed. Retry after {ms} ms (see Retry-After).",
                self.rate
            ),
            json!({"status": "error", "code": "rate_limited", "scope": "address", "limit": self.rate.to_string(), "retry_after_ms": ms, "retryable": true}),
        );
        let seconds = ms.div_ceil(1000).max(1);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        Some(response)
    }
}
