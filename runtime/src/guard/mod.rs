//! Guardrails: the one layer every tool call passes through, whatever the transport
//! (the rmcp handler calls it, so stdio and HTTP behave the same).
//!
//! Before the tool runs, in this order: a tool disabled by configuration is refused
//! (`tool_disabled`); an open circuit breaker refuses (`circuit_open`); the server's and
//! the tool's concurrency caps refuse (`overloaded`); the rate-limit budgets refuse
//! (`rate_limited`). A refusal by one check never counts against the checks after it.
//! After the tool ran: the response size cap (`response_too_large`, or a labelled
//! `response_truncated` result), the breaker's bookkeeping, and idempotency keys
//! (a repeated key gets the first result, labelled in `_meta`). Timeouts are enforced
//! where the handler runs (`timeout`).
//!
//! HTTP adds flood protection per client address before a body is read (HTTP 429 with
//! `Retry-After`), in the HTTP layer.

mod agent;
mod breaker;
mod config;
mod flood;
mod idempotency;
mod limiter;
#[cfg(feature = "redis")]
mod redis;
mod refusal;
mod size;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use rmcp::model::CallToolResult;
use serde_json::{Map, Value, json};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub(crate) use agent::{Agent, ClientAddr, agent_key, client_addr, network};
pub use config::{
    CircuitBreaker, Guardrails, Idempotency, LargeResponse, OnRedisError, Rate, RateLimitBackend,
    ToolGuard,
};
pub(crate) use flood::Flood;
pub(crate) use idempotency::{Reservation, Stored};
pub(crate) use limiter::quota;

use crate::declare::tool::ToolDef;
use crate::observe::record::Outcome;
use breaker::{Breaker, Ticket};
use limiter::{Decision, Limiter, MemoryLimiter, ToolRates};

/// The `_meta` key set on a result replayed for a repeated idempotency key.
pub const REPLAY_META_KEY: &str = "mcpgen/idempotent_replay";

/// The environment variable that disables tools by name (comma-separated).
pub const DISABLED_TOOLS_ENV: &str = "MCPGEN_DISABLED_TOOLS";

#[derive(Debug)]
struct ToolState {
    name: String,
    disabled: bool,
    slots: Option<(Arc<Semaphore>, u32)>,
    breaker: Option<Breaker>,
    idempotency: Option<(String, idempotency::Cache)>,
    on_large_response: LargeResponse,
    max_response_bytes: Option<usize>,
    /// A moving average of call durations, the hint of `overloaded` refusals.
    average_ms: AtomicU64,
}

/// The guardrails of a built server.
#[derive(Debug)]
pub(crate) struct GuardLayer {
    enabled: bool,
    limiter: Limiter,
    server_slots: Option<(Arc<Semaphore>, u32)>,
    tools: Vec<ToolState>,
    pub(crate) per_address: Option<Rate>,
}

/// A call let through: holds its concurrency slots and breaker ticket until it ends.
#[derive(Debug)]
pub(crate) struct Admission {
    _server_slot: Option<OwnedSemaphorePermit>,
    _tool_slot: Option<OwnedSemaphorePermit>,
    ticket: Option<Ticket>,
    started: Instant,
}

/// A call the guardrails refused: the result the client gets, what the call came to,
/// and which check refused it, for operators.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) result: CallToolResult,
    pub(crate) outcome: Outcome,
    pub(crate) detail: String,
    /// Which budget or cap refused (`agent`, `agent_tool`, `tool`; `server` or `tool`
    /// for a concurrency cap), for the metrics.
    pub(crate) scope: Option<&'static str>,
}

/// What the size cap did to a result ([`GuardLayer::cap`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Capped {
    /// Within the cap, or no cap.
    Whole,
    /// Cut to the cap (`on_large_response: truncate`).
    Truncated { detail: String },
    /// Replaced by a `response_too_large` error.
    Refused { detail: String },
}

/// What to do with a call that carries an idempotency key.
#[derive(Debug)]
pub(crate) enum Reserve {
    /// The result of the first call with the key (labelled as a replay).
    Replay(Stored),
    /// Run the call; store its result with [`GuardLayer::store`].
    Run(idempotency::Reservation),
}

impl GuardLayer {
    /// No guardrail at all (for measuring the layer's cost).
    pub(crate) fn off() -> Self {
        Self {
            enabled: false,
            limiter: Limiter::None,
            server_slots: None,
            tools: Vec::new(),
            per_address: None,
        }
    }

    /// Builds the layer; problems (an unusable rate, an unresolvable Redis URL, an
    /// unknown tool in [`DISABLED_TOOLS_ENV`]) are added to `problems`.
    pub(crate) fn build(
        config: &Guardrails,
        server_name: &str,
        defs: &[&ToolDef],
        problems: &mut Vec<String>,
    ) -> Self {
        let mut check_rate = |what: &str, rate: Option<Rate>| -> Option<Rate> {
            let rate = rate?;
            match rate.problem() {
                Some(problem) => {
                    problems.push(format!("{what}: {problem}"));
                    None
                }
                None => Some(rate),
            }
        };
        let per_agent = check_rate("guardrails.per_agent", config.per_agent);
        let per_address = check_rate("guardrails.per_address", config.per_address);
        let rates: Vec<ToolRates> = defs
            .iter()
            .map(|d| ToolRates {
                name: d.name.clone(),
                per_agent: check_rate(
                    &format!("tool `{}`: rate_limit_per_agent", d.name),
                    d.guard.rate_limit_per_agent,
                ),
                shared: check_rate(
                    &format!("tool `{}`: rate_limit", d.name),
                    d.guard.rate_limit,
                ),
            })
            .collect();

        let disabled_env = disabled_by_env(defs, problems);
        let disabled_env: Vec<&str> = disabled_env.iter().map(String::as_str).collect();

        let mut tools = Vec::with_capacity(defs.len());
        for def in defs {
            tools.push(ToolState::new(def, config, &disabled_env, problems));
        }
        let server_slots = slots("the server", config.max_concurrent_calls, problems);

        let any_rate = per_agent.is_some()
            || rates
                .iter()
                .any(|r| r.per_agent.is_some() || r.shared.is_some());
        let known_problems = problems.len();
        let limiter = limiter(config, server_name, per_agent, rates, any_rate, problems);
        // When the backend cannot be built the server does not start: no line for it.
        if problems.len() == known_problems {
            tracing::info!(
                backend = limiter.backend(),
                "guardrails: where rate-limit budgets are kept"
            );
        }
        Self {
            enabled: true,
            limiter,
            server_slots,
            tools,
            per_address,
        }
    }

    pub(crate) fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether the rate limits' shared backend (Redis) answers, when there is one.
    pub(crate) async fn ping_backend(&self) -> Option<Result<(), String>> {
        self.limiter.ping().await
    }

    /// Each tool with a circuit breaker, and its breaker's state now (`closed`, `open`,
    /// `half_open`), for the metrics.
    pub(crate) fn breaker_states(&self) -> Vec<(Arc<str>, &'static str)> {
        self.tools
            .iter()
            .filter_map(|t| Some((Arc::from(t.name.as_str()), t.breaker.as_ref()?.state_name())))
            .collect()
    }

    /// The idempotency key of a call, scoped to its agent, if the tool takes keys and
    /// the call has one.
    pub(crate) fn idempotency_key(
        &self,
        tool: usize,
        agent: &Agent,
        arguments: &Map<String, Value>,
    ) -> Option<String> {
        let (param, _) = self.tools.get(tool)?.idempotency.as_ref()?;
        let key = match arguments.get(param)? {
            Value::String(s) if !s.is_empty() => s.clone(),
            Value::String(_) | Value::Null => return None,
            other => other.to_string(),
        };
        Some(format!("{}\n{key}", agent.key()))
    }

    /// The stored result of a finished call with the same key.
    pub(crate) fn replay(&self, tool: usize, key: &str) -> Option<Stored> {
        let (_, cache) = self.tools.get(tool)?.idempotency.as_ref()?;
        cache.replay(key, Instant::now()).map(labelled_replay)
    }

    /// Runs the checks before a call: `Err` holds the refusal to return.
    pub(crate) async fn admit(&self, tool: usize, agent: &Agent) -> Result<Admission, Refusal> {
        let started = Instant::now();
        let Some(state) = self.tools.get(tool) else {
            return Ok(Admission {
                _server_slot: None,
                _tool_slot: None,
                ticket: None,
                started,
            });
        };
        let name = state.name.as_str();
        if state.disabled {
            return Err(Refusal {
                result: refusal::tool_disabled(name),
                outcome: Outcome::Disabled,
                detail: "disabled by configuration".to_owned(),
                scope: None,
            });
        }
        let ticket = match &state.breaker {
            Some(breaker) => match breaker.admit(started) {
                Ok(ticket) => Some(ticket),
                Err(refused) => {
                    let config = breaker.config();
                    let state_name = if refused.half_open {
                        "half_open"
                    } else {
                        "open"
                    };
                    return Err(Refusal {
                        result: refusal::circuit_open(
                            name,
                            state_name,
                            config.failures,
                            config.window,
                            refused.retry_after,
                        ),
                        outcome: Outcome::CircuitOpen,
                        detail: format!("circuit breaker {state_name}"),
                        scope: None,
                    });
                }
            },
            None => None,
        };
        let hint =
            Duration::from_millis(state.average_ms.load(Ordering::Relaxed).clamp(50, 10_000));
        let server_slot = slot(self.server_slots.as_ref(), name, "server", hint).map_err(|r| *r)?;
        let tool_slot = slot(state.slots.as_ref(), name, "tool", hint).map_err(|r| *r)?;
        match self.limiter.check(tool, agent).await {
            Decision::Admit => {}
            Decision::Refuse {
                scope,
                rate,
                retry_after,
            } => {
                return Err(Refusal {
                    result: refusal::rate_limited(name, scope, &rate, retry_after),
                    outcome: Outcome::RateLimited,
                    detail: format!("{} budget of {rate}", scope.as_str()),
                    scope: Some(scope.as_str()),
                });
            }
            Decision::Unavailable { retry_after } => {
                return Err(Refusal {
                    result: refusal::rate_limit_unavailable(name, retry_after),
                    outcome: Outcome::Overloaded,
                    detail: "the rate-limit backend is unavailable".to_owned(),
                    scope: Some("rate_limit_backend"),
                });
            }
        }
        Ok(Admission {
            _server_slot: server_slot,
            _tool_slot: tool_slot,
            ticket,
            started,
        })
    }

    /// Reserves an idempotency key for a call, or waits for the call that holds it and
    /// returns its result.
    pub(crate) async fn reserve(&self, tool: usize, key: &str) -> Option<Reserve> {
        let (_, cache) = self.tools.get(tool)?.idempotency.as_ref()?;
        loop {
            match cache.begin(key.to_owned(), Instant::now()) {
                idempotency::Begin::Replay(stored) => {
                    return Some(Reserve::Replay(labelled_replay(stored)));
                }
                idempotency::Begin::Run(reservation) => return Some(Reserve::Run(reservation)),
                idempotency::Begin::Wait(receiver) => {
                    if let Some(stored) = idempotency::wait(receiver).await {
                        return Some(Reserve::Replay(labelled_replay(stored)));
                    }
                    // The first call ended without a result; try to run this one.
                }
            }
        }
    }

    /// Stores the result of a call that reserved a key, if the tool ran to an answer (a
    /// call rejected for its arguments or cancelled did not, and frees the key).
    pub(crate) fn store(
        reservation: idempotency::Reservation,
        result: &CallToolResult,
        outcome: Outcome,
    ) {
        if !matches!(outcome, Outcome::InvalidArguments | Outcome::Cancelled) {
            let stored = Stored {
                result: result.clone(),
                outcome,
            };
            reservation.complete(stored, Instant::now());
        }
    }

    /// The bookkeeping after a call: the breaker counts its outcome, and its duration
    /// goes into the hint of `overloaded` refusals.
    pub(crate) fn finish(&self, tool: usize, admission: Admission, outcome: Outcome) {
        let Some(state) = self.tools.get(tool) else {
            return;
        };
        let now = Instant::now();
        let elapsed = now.duration_since(admission.started).as_millis() as u64;
        let average = state.average_ms.load(Ordering::Relaxed);
        let average = if average == 0 {
            elapsed
        } else {
            (average * 7 + elapsed) / 8
        };
        state.average_ms.store(average.max(1), Ordering::Relaxed);
        if let Some(ticket) = admission.ticket {
            ticket.finish(outcome, now);
        }
    }

    /// The result within the tool's size cap: whole, truncated, or replaced by a
    /// `response_too_large` error.
    pub(crate) fn cap(&self, tool: usize, result: CallToolResult) -> (CallToolResult, Capped) {
        let Some(state) = self.tools.get(tool) else {
            return (result, Capped::Whole);
        };
        let Some(limit) = state.max_response_bytes else {
            return (result, Capped::Whole);
        };
        let Some(size) = size::size_over(&result, limit) else {
            return (result, Capped::Whole);
        };
        let detail = format!("a response of {size} bytes, over the limit of {limit}");
        let name = state.name.as_str();
        let text: String = result
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.as_str()))
            .collect::<Vec<_>>()
            .join("\n");
        if state.on_large_response == LargeResponse::Truncate && !text.is_empty() {
            let truncated = refusal::response_truncated(name, &text, size, limit);
            (truncated, Capped::Truncated { detail })
        } else {
            let refused = refusal::response_too_large(name, size, limit);
            (refused, Capped::Refused { detail })
        }
    }
}

/// Why budgets meant for Redis cannot be kept there: the `redis` feature is off.
/// Keeping them in memory instead would multiply them by the number of instances
/// without a word, so the server does not start.
/// The tools `MCPGEN_DISABLED_TOOLS` turns off; a name that is not a tool is a problem.
fn disabled_by_env(defs: &[&ToolDef], problems: &mut Vec<String>) -> Vec<String> {
    let names: Vec<String> = std::env::var(DISABLED_TOOLS_ENV)
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    for name in &names {
        if !defs.iter().any(|d| d.name == *name) {
            problems.push(format!(
                "{DISABLED_TOOLS_ENV} names `{name}`, which is not a tool of this server; the tools are: {}",
                defs.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    names
}

/// A concurrency cap's semaphore; a cap of 0 is a problem.
fn slots(
    what: &str,
    cap: Option<u32>,
    problems: &mut Vec<String>,
) -> Option<(Arc<Semaphore>, u32)> {
    match cap {
        Some(0) => {
            problems.push(format!(
                "{what}: max_concurrent_calls is 0, so no call could run; allow at least 1"
            ));
            None
        }
        Some(n) => Some((Arc::new(Semaphore::new(n as usize)), n)),
        None => None,
    }
}

impl ToolState {
    /// The guardrail state of one tool; problems with its settings are added to `problems`.
    fn new(
        def: &ToolDef,
        config: &Guardrails,
        disabled_env: &[&str],
        problems: &mut Vec<String>,
    ) -> Self {
        let guard = &def.guard;
        let breaker = guard.circuit_breaker.unwrap_or(config.circuit_breaker);
        if breaker.enabled && (breaker.window.is_zero() || breaker.cooldown.is_zero()) {
            problems.push(format!(
                "tool `{}`: the circuit breaker needs a window and a cooldown longer than zero",
                def.name
            ));
        }
        if let Some(idempotency) = &guard.idempotency {
            let declared = def
                .input_schema
                .get("properties")
                .and_then(|p| p.get(&idempotency.key_param))
                .is_some();
            if !declared {
                problems.push(format!(
                    "tool `{}`: the idempotency key parameter `{}` is not a parameter of the tool; declare it in the input schema",
                    def.name, idempotency.key_param
                ));
            }
        }
        Self {
            name: def.name.clone(),
            disabled: guard.disabled || disabled_env.contains(&def.name.as_str()),
            slots: slots(
                &format!("tool `{}`", def.name),
                guard.max_concurrent_calls,
                problems,
            ),
            breaker: breaker.enabled.then(|| Breaker::new(breaker)),
            idempotency: guard
                .idempotency
                .as_ref()
                .map(|i| (i.key_param.clone(), idempotency::Cache::new(i.window))),
            on_large_response: guard.on_large_response,
            max_response_bytes: def.max_response_bytes,
            average_ms: AtomicU64::new(0),
        }
    }
}

/// Where the rate-limit budgets are kept: nowhere without a rate, in memory, or in
/// Redis (`backend`, or `REDIS_URL` with `auto`).
fn limiter(
    config: &Guardrails,
    #[cfg_attr(
        not(feature = "redis"),
        expect(unused_variables, reason = "the prefix of the keys in Redis")
    )]
    server_name: &str,
    per_agent: Option<Rate>,
    rates: Vec<ToolRates>,
    any_rate: bool,
    problems: &mut Vec<String>,
) -> Limiter {
    let url = match &config.backend {
        RateLimitBackend::Memory => None,
        RateLimitBackend::Auto => std::env::var("REDIS_URL")
            .ok()
            .filter(|u| !u.trim().is_empty()),
        RateLimitBackend::Redis { url } => match crate::env::expand(url) {
            Ok(url) => Some(url),
            Err(e) => {
                problems.push(format!("the Redis URL of the rate limits: {e}"));
                None
            }
        },
    };
    match url {
        _ if !any_rate => Limiter::None,
        None => Limiter::Memory(MemoryLimiter::new(per_agent, &rates)),
        #[cfg(feature = "redis")]
        Some(url) => {
            let prefix = config
                .redis_prefix
                .clone()
                .unwrap_or_else(|| format!("mcpgen:{server_name}"));
            match redis::RedisLimiter::new(&url, prefix, per_agent, rates, config.on_redis_error) {
                Ok(redis) => Limiter::Redis(Box::new(redis)),
                Err(e) => {
                    problems.push(format!("the Redis URL of the rate limits: {e}"));
                    Limiter::None
                }
            }
        }
        #[cfg(not(feature = "redis"))]
        Some(_) => {
            problems.push(without_redis(&config.backend));
            Limiter::None
        }
    }
}

#[cfg(not(feature = "redis"))]
fn without_redis(backend: &RateLimitBackend) -> String {
    let asked = match backend {
        RateLimitBackend::Redis { .. } => "the rate limits say `backend: redis`",
        _ => "REDIS_URL is set, so the rate limits would be kept in Redis",
    };
    format!(
        "{asked}, but this server was built without Redis support (mcpgen-runtime's `redis` \
         feature). Build it with the feature (in Cargo.toml: `mcpgen-runtime = {{ ..., \
         features = [\"redis\"] }}`), or keep the budgets in this process: unset REDIS_URL, \
         or set `backend: memory`"
    )
}

/// A slot of a concurrency cap, if there is a cap; `Err` is the `overloaded` refusal.
fn slot(
    cap: Option<&(Arc<Semaphore>, u32)>,
    name: &str,
    scope: &'static str,
    hint: Duration,
) -> Result<Option<OwnedSemaphorePermit>, Box<Refusal>> {
    let Some((semaphore, limit)) = cap else {
        return Ok(None);
    };
    match Arc::clone(semaphore).try_acquire_owned() {
        Ok(permit) => Ok(Some(permit)),
        Err(_) => Err(Box::new(Refusal {
            result: refusal::overloaded(name, scope, *limit, hint),
            outcome: Outcome::Overloaded,
            detail: format!("the {scope}'s cap of {limit} concurrent calls"),
            scope: Some(scope),
        })),
    }
}

fn labelled_replay(mut stored: Stored) -> Stored {
    let mut meta = stored.result.meta.take().unwrap_or_default();
    meta.0.insert(REPLAY_META_KEY.to_owned(), json!(true));
    stored.result.meta = Some(meta);
    stored
}
