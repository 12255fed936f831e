//! What a server and its tools declare about guardrails: plain data, as the generator
//! emits it.

use std::{fmt, time::Duration};

/// A rate: `count` calls per `period`, with an optional burst (GCRA semantics: calls
/// are spread one per `period / count`, and up to `burst` may come at once after a
/// quiet spell; the burst defaults to `count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Calls admitted per period (at least 1).
    pub count: u32,
    /// The period.
    pub period: Duration,
    /// Calls admitted at once after a quiet spell; `None` means `count`.
    pub burst: Option<u32>,
}

impl Rate {
    /// `count` calls per second.
    pub const fn per_second(count: u32) -> Self {
        Self::new(count, Duration::from_secs(1))
    }

    /// `count` calls per minute.
    pub const fn per_minute(count: u32) -> Self {
        Self::new(count, Duration::from_secs(60))
    }

    /// `count` calls per hour.
    pub const fn per_hour(count: u32) -> Self {
        Self::new(count, Duration::from_secs(3600))
    }

    /// `count` calls per day.
    pub const fn per_day(count: u32) -> Self {
        Self::new(count, Duration::from_secs(86_400))
    }

    /// `count` calls per `period`.
    pub const fn new(count: u32, period: Duration) -> Self {
        Self {
            count,
            period,
            burst: None,
        }
    }

    /// The same rate with a burst of `burst` calls.
    #[must_use]
    pub const fn with_burst(mut self, burst: u32) -> Self {
        self.burst = Some(burst);
        self
    }

    /// Calls admitted at once after a quiet spell.
    pub fn burst_size(&self) -> u32 {
        self.burst.unwrap_or(self.count).max(1)
    }

    /// The time between two calls at the sustained rate (GCRA's emission interval).
    pub(crate) fn interval(&self) -> Duration {
        self.period / self.count.max(1)
    }

    /// Why the rate cannot be used, if it cannot.
    pub(crate) fn problem(&self) -> Option<&'static str> {
        if self.count == 0 {
            Some("a rate of 0 calls admits nothing; disable the tool instead")
        } else if self.period.is_zero() {
            Some("a rate needs a period longer than zero")
        } else if self.burst == Some(0) {
            Some("a burst of 0 admits nothing")
        } else {
            None
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.period.as_millis() {
            1_000 => "s".to_owned(),
            60_000 => "min".to_owned(),
            3_600_000 => "h".to_owned(),
            86_400_000 => "day".to_owned(),
            ms => format!("{ms}ms"),
        };
        write!(f, "{}/{unit}", self.count)?;
        if let Some(burst) = self.burst {
            write!(f, " burst {burst}")?;
        }
        Ok(())
    }
}

/// What happens to a result over the tool's `max_response_bytes`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LargeResponse {
    /// The caller gets a `response_too_large` error instead (the default).
    #[default]
    Error,
    /// The caller gets the first part of the result's text, in an `isError: true`
    /// result labelled `response_truncated` that says how much was cut.
    Truncate,
}

/// A circuit breaker: after `failures` failed calls within `window`, the tool fails
/// fast with `circuit_open` for `cooldown`; then it half-opens (a few trial calls are
/// let through) and closes again after `successes` successful trials. Failures are
/// unexpected errors, panics, timeouts and declared errors marked retryable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CircuitBreaker {
    /// Whether the breaker is on.
    pub enabled: bool,
    /// Failures within `window` that open the breaker (default 5).
    pub failures: u32,
    /// The window failures are counted in (default 60 s).
    pub window: Duration,
    /// How long the breaker stays open before it lets trial calls through (default 30 s).
    pub cooldown: Duration,
    /// Successful trial calls that close it again (default 2).
    pub successes: u32,
}

impl CircuitBreaker {
    /// No breaker.
    pub const OFF: Self = Self {
        enabled: false,
        ..Self::DEFAULT
    };

    /// The defaults: 5 failures within 60 s open it for 30 s; 2 successes close it.
    pub const DEFAULT: Self = Self {
        enabled: true,
        failures: 5,
        window: Duration::from_secs(60),
        cooldown: Duration::from_secs(30),
        successes: 2,
    };
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Idempotency keys for a tool that is not idempotent: a repeated key (from the same
/// agent) within `window` gets the first call's result instead of running the tool again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    /// The (string) parameter that carries the key. Calls without it run normally.
    pub key_param: String,
    /// How long a result is kept for replay (default 1 h).
    pub window: Duration,
}

/// The guardrails of one tool ([`crate::ToolDef::guard`]). `Default` is no limit of its
/// own: only the server's ([`Guardrails`]) apply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolGuard {
    /// Disabled by configuration: every call gets `tool_disabled` (not retryable).
    pub disabled: bool,
    /// The tool's own budget, shared by all callers.
    pub rate_limit: Option<Rate>,
    /// A budget per caller for this tool.
    pub rate_limit_per_agent: Option<Rate>,
    /// Most calls of this tool in flight at once; over it, `overloaded`.
    pub max_concurrent_calls: Option<u32>,
    /// What a result over [`crate::ToolDef::max_response_bytes`] becomes.
    pub on_large_response: LargeResponse,
    /// The tool's breaker; `None` uses the server's ([`Guardrails::circuit_breaker`]).
    pub circuit_breaker: Option<CircuitBreaker>,
    /// Idempotency keys, for tools that are not idempotent.
    pub idempotency: Option<Idempotency>,
}

/// Where rate-limit budgets are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RateLimitBackend {
    /// Redis when the `REDIS_URL` environment variable is set (and not empty), else
    /// memory. The default.
    #[default]
    Auto,
    /// In this process.
    Memory,
    /// In Redis, shared by every instance of the server. The URL may hold `${VAR}`
    /// references, resolved when the server is built.
    Redis {
        /// `redis://host:6379/0`, `rediss://...`, or `${REDIS_URL}`.
        url: String,
    },
}

/// What the Redis backend does while Redis is unreachable. Each change of state is
/// logged at `error` (unreachable) or `warn` (reachable again).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnRedisError {
    /// Enforce the same budgets in this process until Redis answers again (each
    /// instance then admits up to the whole budget). The default.
    #[default]
    Local,
    /// Admit every call without a rate limit.
    Open,
    /// Refuse every rate-limited call with `rate_limit_unavailable` (retryable).
    Closed,
}

/// Server-wide guardrails ([`crate::ServerBuilder::guardrails`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guardrails {
    /// The budget of each agent across all tools.
    pub per_agent: Option<Rate>,
    /// HTTP flood protection: requests per client address, enforced before the body
    /// is read; over it, HTTP 429 with `Retry-After`. Kept in memory.
    pub per_address: Option<Rate>,
    /// Most tool calls in flight at once on the server; over it, `overloaded`.
    pub max_concurrent_calls: Option<u32>,
    /// The breaker of tools that declare none (default [`CircuitBreaker::DEFAULT`]).
    pub circuit_breaker: CircuitBreaker,
    /// Where budgets are kept.
    pub backend: RateLimitBackend,
    /// What the Redis backend does while Redis is unreachable.
    pub on_redis_error: OnRedisError,
    /// Prefix of Redis keys (default `mcpgen:<server name>`), so servers can share a Redis.
    pub redis_prefix: Option<String>,
}

impl Default for Guardrails {
    fn default() -> Self {
        Self {
            per_agent: None,
            per_address: None,
            max_concurrent_calls: None,
            circuit_breaker: CircuitBreaker::DEFAULT,
            backend: RateLimitBackend::Auto,
            on_redis_error: OnRedisError::Local,
            redis_prefix: None,
        }
    }
}
