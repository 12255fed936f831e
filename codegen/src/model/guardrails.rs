//! Guardrails: rate limits (per tool, per agent, per address, and where budgets are
//! kept), circuit breakers and idempotency keys.

use schemars::JsonSchema;

use crate::source::Sp;

use super::EnvString;

/// A rate: `count` calls per `period`, with an optional burst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(schema_with = "crate::spec_schema::rate")]
pub struct RateLimit {
    /// Calls admitted per period.
    pub count: u32,
    /// The period.
    pub period: Period,
    /// Calls admitted at once after a quiet spell (defaults to `count`).
    pub burst: Option<u32>,
}

/// The period of a rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Period {
    /// A second.
    Second,
    /// A minute.
    Minute,
    /// An hour.
    Hour,
    /// A day.
    Day,
}

impl Period {
    /// The period in milliseconds.
    pub const fn as_millis(self) -> u64 {
        match self {
            Period::Second => 1_000,
            Period::Minute => 60_000,
            Period::Hour => 3_600_000,
            Period::Day => 86_400_000,
        }
    }
    /// The canonical short unit (`s`, `min`, `h`, `day`).
    pub const fn unit(self) -> &'static str {
        match self {
            Period::Second => "s",
            Period::Minute => "min",
            Period::Hour => "h",
            Period::Day => "day",
        }
    }
}

impl std::fmt::Display for RateLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.count, self.period.unit())?;
        if let Some(burst) = self.burst {
            write!(f, " burst {burst}")?;
        }
        Ok(())
    }
}

/// A circuit breaker: after `failures` failed calls within `window_ms` the tool fails fast
/// (`circuit_open`) for `cooldown_ms`, then lets trial calls through and closes after `successes`.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CircuitBreakerSpec {
    /// Where the entry was written.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// `false` turns the breaker off (default true).
    pub enabled: Option<Sp<bool>>,
    /// Failures within the window that open it (default 5).
    pub failures: Option<Sp<u32>>,
    /// The window failures are counted in, in milliseconds (default 60000).
    pub window_ms: Option<Sp<u64>>,
    /// How long it stays open, in milliseconds (default 30000).
    pub cooldown_ms: Option<Sp<u64>>,
    /// Successful trial calls that close it again (default 2).
    pub successes: Option<Sp<u32>>,
}

/// Idempotency keys of a tool that is not idempotent.
#[derive(Clone, Debug, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct IdempotencySpec {
    /// Where the entry was written.
    #[schemars(skip)]
    pub span: crate::source::Span,
    /// The string parameter that carries the key (declare it under `params`, usually optional).
    pub key: Sp<String>,
    /// How long a result is kept for repeats of its key, in milliseconds (default 3600000).
    pub window_ms: Option<Sp<u64>>,
}

/// Server-wide rate limits.
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RateLimits {
    /// Budget of each agent across all tools.
    pub per_agent: Option<Sp<RateLimit>>,
    /// Budget of each tool without its own `rate_limit`.
    pub per_tool: Option<Sp<RateLimit>>,
    /// HTTP flood protection: requests per client address, refused with 429 before a body is read.
    pub per_address: Option<Sp<RateLimit>>,
    /// Where budgets are kept: `memory` or `redis` (needs the runtime's `redis` feature); left out, Redis when `REDIS_URL` is set, else memory.
    pub backend: Option<Sp<RateLimitBackend>>,
    /// Redis URL for the `redis` backend, usually `${REDIS_URL}`.
    pub redis_url: Option<Sp<EnvString>>,
    /// While Redis is unreachable: `local` (default: budgets per instance), `open` (no limits) or `closed` (refuse).
    pub on_redis_error: Option<Sp<OnRedisError>>,
}

/// What the Redis backend does while Redis is unreachable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum OnRedisError {
    /// Enforce the budgets in each instance's memory.
    Local,
    /// Admit every call.
    Open,
    /// Refuse every rate-limited call as `rate_limit_unavailable`.
    Closed,
}

/// Where rate-limit budgets are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub enum RateLimitBackend {
    /// In this process (one instance).
    Memory,
    /// In Redis (several instances behind a load balancer).
    Redis,
}
