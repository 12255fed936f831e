//! Rate-limit budgets kept in Redis (the `redis` feature): the GCRA of
//! [`MemoryLimiter`] in one Lua script, one round trip per call, on Redis's clock, so
//! every instance of a server shares them.

use std::{
    sync::{Mutex, OnceLock, PoisonError},
    time::{Duration, Instant},
};

use super::{
    agent::Agent,
    config::{OnRedisError, Rate},
    limiter::{Decision, MemoryLimiter, ToolRates},
    refusal::Scope,
};

/// GCRA over several keys, in order, stopping at the first without room; one call per
/// KEYS entry, with ARGV holding the emission interval and the tolerance of each key in
/// microseconds. Time is Redis's own (`TIME`), so every instance agrees. Returns
/// `{0, 0}` when admitted, or `{i, wait_us}` for the 1-based key that refused.
const GCRA_LUA: &str = r"
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local earliest = tat - tolerance
  if now < earliest then
    return {i, string.format('%.0f', earliest - now)}
  end
  local next_tat = tat + interval
  redis.call('SET', key, string.format('%.0f', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1)
end
return {0, '0'}
";

/// How long calls skip Redis after it failed, before trying it again.
const REDIS_RETRY: Duration = Duration::from_secs(1);
/// The longest a check waits for Redis.
const REDIS_TIMEOUT: Duration = Duration::from_millis(250);

#[derive(Debug, Default)]
struct Health {
    /// When Redis stopped answering, while it does not.
    down_since: Option<Instant>,
    /// Calls skip Redis until then.
    skip_until: Option<Instant>,
    failures: u64,
    last_report: Option<Instant>,
}

pub(crate) struct RedisLimiter {
    client: redis::Client,
    connection: OnceLock<redis::aio::ConnectionManager>,
    script: redis::Script,
    prefix: String,
    agent: Option<Rate>,
    tools: Vec<ToolRates>,
    fallback: MemoryLimiter,
    on_error: OnRedisError,
    health: Mutex<Health>,
}

impl std::fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("prefix", &self.prefix)
            .field("on_error", &self.on_error)
            .finish_non_exhaustive()
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

impl RedisLimiter {
    pub(crate) fn new(
        url: &str,
        prefix: String,
        agent: Option<Rate>,
        tools: Vec<ToolRates>,
        on_error: OnRedisError,
    ) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("invalid Redis URL: {e}"))?;
        Ok(Self {
            client,
            connection: OnceLock::new(),
            script: redis::Script::new(GCRA_LUA),
            fallback: MemoryLimiter::new(agent, &tools),
            prefix,
            agent,
            tools,
            on_error,
            health: Mutex::new(Health::default()),
        })
    }

    fn connection(&self) -> redis::RedisResult<redis::aio::ConnectionManager> {
        if let Some(connection) = self.connection.get() {
            return Ok(connection.clone());
        }
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1);
        let connection =
            redis::aio::ConnectionManager::new_lazy_with_config(self.client.clone(), config)?;
        Ok(self.connection.get_or_init(|| connection).clone())
    }

    /// The budgets of a call, in checking order, as (scope, rate, key).
    fn budgets(&self, tool: usize, agent: &str) -> Vec<(Scope, Rate, String)> {
        let Some(t) = self.tools.get(tool) else {
            return Vec::new();
        };
        let p = &self.prefix;
        let mut budgets = Vec::with_capacity(3);
        if let Some(rate) = self.agent {
            budgets.push((Scope::Agent, rate, format!("{p}:rl:agent:{agent}")));
        }
        if let Some(rate) = t.per_agent {
            budgets.push((
                Scope::AgentTool,
                rate,
                format!("{p}:rl:agent_tool:{}:{agent}", t.name),
            ));
        }
        if let Some(rate) = t.shared {
            budgets.push((Scope::Tool, rate, format!("{p}:rl:tool:{}", t.name)));
        }
        budgets
    }

    pub(crate) async fn check(&self, tool: usize, agent: &Agent) -> Decision {
        let budgets = self.budgets(tool, agent.key());
        if budgets.is_empty() {
            return Decision::Admit;
        }
        let skip = {
            let health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
            health.skip_until.is_some_and(|t| Instant::now() < t)
        };
        if skip {
            return self.degraded(tool, agent);
        }
        match self.eval(&budgets).await {
            Ok((0, _)) => {
                self.healthy();
                Decision::Admit
            }
            Ok((index, wait_us)) => {
                self.healthy();
                let (scope, rate, _) = &budgets[(index - 1).min(budgets.len() as i64 - 1) as usize];
                Decision::Refuse {
                    scope: *scope,
                    rate: *rate,
                    retry_after: Duration::from_micros(wait_us),
                }
            }
            Err(error) => {
                self.unhealthy(&error);
                self.degraded(tool, agent)
            }
        }
    }

    /// Whether Redis answers PING now (`/readyz`).
    pub(crate) async fn ping(&self) -> Result<(), String> {
        let mut connection = self.connection().map_err(|e| e.to_string())?;
        let command = redis::cmd("PING");
        let ping = command.query_async::<String>(&mut connection);
        tokio::time::timeout(REDIS_TIMEOUT * 2, ping)
            .await
            .map_err(|_| format!("no answer within {} ms", (REDIS_TIMEOUT * 2).as_millis()))?
            .map(drop)
            .map_err(|e| e.to_string())
    }

    async fn eval(&self, budgets: &[(Scope, Rate, String)]) -> Result<(i64, u64), String> {
        let mut connection = self.connection().map_err(|e| e.to_string())?;
        let mut invocation = self.script.prepare_invoke();
        for (_, rate, key) in budgets {
            let interval = micros(rate.interval());
            let tolerance = interval.saturating_mul(u64::from(rate.burst_size() - 1));
            invocation.key(key).arg(interval).arg(tolerance);
        }
        let reply: (i64, String) =
            tokio::time::timeout(REDIS_TIMEOUT * 2, invocation.invoke_async(&mut connection))
                .await
                .map_err(|_| format!("no answer within {} ms", (REDIS_TIMEOUT * 2).as_millis()))?
                .map_err(|e| e.to_string())?;
        let wait_us = reply
            .1
            .parse::<u64>()
            .map_err(|e| format!("unexpected script reply: {e}"))?;
        Ok((reply.0, wait_us))
    }

    fn degraded(&self, tool: usize, agent: &Agent) -> Decision {
        match self.on_error {
            OnRedisError::Local => self.fallback.check(tool, agent),
            OnRedisError::Open => Decision::Admit,
            OnRedisError::Closed => Decision::Unavailable {
                retry_after: REDIS_RETRY,
            },
        }
    }

    fn healthy(&self) {
        let mut health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(since) = health.down_since.take() {
            tracing::warn!(
                down_ms = since.elapsed().as_millis() as u64,
                failed_checks = health.failures,
                "Redis answers again: rate limits are shared across instances again"
            );
        }
        health.skip_until = None;
        health.failures = 0;
    }

    fn unhealthy(&self, error: &str) {
        let now = Instant::now();
        let mut health = self.health.lock().unwrap_or_else(PoisonError::into_inner);
        health.failures += 1;
        health.skip_until = Some(now + REDIS_RETRY);
        let first = health.down_since.is_none();
        health.down_since.get_or_insert(now);
        let due = health
            .last_report
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(10));
        if first || due {
            health.last_report = Some(now);
            let consequence = match self.on_error {
                OnRedisError::Local => {
                    "enforcing the budgets in this process only until it answers (on_redis_error: local)"
                }
                OnRedisError::Open => {
                    "ADMITTING EVERY CALL WITHOUT RATE LIMITS until it answers (on_redis_error: open)"
                }
                OnRedisError::Closed => {
                    "REFUSING every rate-limited call with rate_limit_unavailable until it answers (on_redis_error: closed)"
                }
            };
            tracing::error!(
                %error,
                failed_checks = health.failures,
                "the Redis rate-limit backend is unreachable; {consequence}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::limiter::tests::tools;

    /// A redis-server on a free loopback port, stopped on drop; `None` (the test is
    /// skipped) when redis-server is not installed, unless `MCPGEN_REQUIRE_REDIS` is set
    /// (tests/run.sh sets it, after installing redis-server).
    struct RedisServer {
        child: std::process::Child,
        url: String,
        _dir: tempdir::Dir,
    }

    mod tempdir {
        /// A directory under the system temp dir, removed on drop.
        pub(super) struct Dir(pub(super) std::path::PathBuf);
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    impl RedisServer {
        fn start() -> Option<Self> {
            let required = std::env::var_os("MCPGEN_REQUIRE_REDIS").is_some();
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("a free port");
            let dir = std::env::temp_dir().join(format!("mcpgen-redis-{port}"));
            std::fs::create_dir_all(&dir).expect("a temp dir");
            let spawned = std::process::Command::new("redis-server")
                .args([
                    "--port",
                    &port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .current_dir(&dir)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
            let child = match spawned {
                Ok(child) => child,
                Err(e) if !required => {
                    eprintln!(
                        "skipped: redis-server cannot be started ({e}); tests/run.sh installs it"
                    );
                    return None;
                }
                Err(e) => panic!("redis-server cannot be started: {e}"),
            };
            let deadline = Instant::now() + Duration::from_secs(10);
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "redis-server did not listen within 10 s"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Some(Self {
                child,
                url: format!("redis://127.0.0.1:{port}/0"),
                _dir: tempdir::Dir(dir),
            })
        }
    }

    impl Drop for RedisServer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn redis(
        url: &str,
        agent: Option<Rate>,
        tools: Vec<ToolRates>,
        on_error: OnRedisError,
    ) -> RedisLimiter {
        RedisLimiter::new(
            url,
            format!("test:{}", std::process::id()),
            agent,
            tools,
            on_error,
        )
        .expect("a valid URL")
    }

    async fn redis_admitted(limiter: &RedisLimiter, agent: &str, n: usize) -> usize {
        let mut admitted = 0;
        for _ in 0..n {
            if limiter.check(0, &Agent::named(agent)).await == Decision::Admit {
                admitted += 1;
            }
        }
        admitted
    }

    #[tokio::test]
    async fn redis_has_the_same_semantics_as_memory() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let limiter = redis(
            &server.url,
            Some(Rate::per_hour(10)),
            tools(Some(Rate::per_hour(6)), Some(Rate::per_hour(3))),
            OnRedisError::Closed,
        );
        assert_eq!(redis_admitted(&limiter, "a", 5).await, 3);
        let Decision::Refuse {
            scope,
            rate,
            retry_after,
        } = limiter.check(0, &Agent::named("a")).await
        else {
            panic!("refused");
        };
        assert_eq!((scope, rate), (Scope::AgentTool, Rate::per_hour(3)));
        // 3/h: a call every 20 min; the next is due 20 min after the first.
        assert!(
            retry_after > Duration::from_secs(1190) && retry_after <= Duration::from_secs(1200),
            "{retry_after:?}"
        );
        assert_eq!(redis_admitted(&limiter, "b", 5).await, 3);
        assert!(matches!(
            limiter.check(0, &Agent::named("c")).await,
            Decision::Refuse {
                scope: Scope::Tool,
                ..
            }
        ));

        // A second instance sees the same budgets.
        let other = redis(
            &server.url,
            Some(Rate::per_hour(10)),
            tools(Some(Rate::per_hour(6)), Some(Rate::per_hour(3))),
            OnRedisError::Closed,
        );
        assert!(matches!(
            other.check(0, &Agent::named("d")).await,
            Decision::Refuse {
                scope: Scope::Tool,
                ..
            }
        ));
    }

    #[tokio::test]
    async fn redis_refusals_never_consume_a_shared_budget_and_bursts_replenish() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let limiter = redis(
            &server.url,
            Some(Rate::per_hour(2)),
            tools(Some(Rate::per_hour(3)), None),
            OnRedisError::Closed,
        );
        assert_eq!(redis_admitted(&limiter, "greedy", 20).await, 2);
        assert_eq!(redis_admitted(&limiter, "polite", 5).await, 1);

        let fast = RedisLimiter::new(
            &server.url,
            "fast".into(),
            None,
            tools(Some(Rate::per_second(20)), None),
            OnRedisError::Closed,
        )
        .expect("a valid URL");
        assert_eq!(redis_admitted(&fast, "a", 25).await, 20);
        tokio::time::sleep(Duration::from_millis(120)).await;
        let back = redis_admitted(&fast, "a", 5).await;
        assert!(
            (2..=3).contains(&back),
            "{back} calls replenished in 120 ms at 20/s"
        );
    }

    #[tokio::test]
    async fn concurrent_redis_checks_admit_exactly_the_budget() {
        let Some(server) = RedisServer::start() else {
            return;
        };
        let limiter = std::sync::Arc::new(redis(
            &server.url,
            None,
            tools(Some(Rate::per_hour(25)), None),
            OnRedisError::Closed,
        ));
        let tasks: Vec<_> = (0..100)
            .map(|i| {
                let limiter = std::sync::Arc::clone(&limiter);
                tokio::spawn(async move {
                    limiter
                        .check(0, &Agent::named(&format!("agent{}", i % 7)))
                        .await
                        == Decision::Admit
                })
            })
            .collect();
        let mut admitted = 0;
        for task in tasks {
            if task.await.expect("no panic") {
                admitted += 1;
            }
        }
        assert_eq!(admitted, 25);
    }

    #[tokio::test]
    async fn an_unreachable_redis_fails_as_configured() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let url = format!("redis://127.0.0.1:{port}/0");
        let budget = || tools(Some(Rate::per_hour(2)), None);
        let open = redis(&url, None, budget(), OnRedisError::Open);
        assert_eq!(redis_admitted(&open, "a", 5).await, 5);
        let closed = redis(&url, None, budget(), OnRedisError::Closed);
        assert_eq!(
            closed.check(0, &Agent::named("a")).await,
            Decision::Unavailable {
                retry_after: REDIS_RETRY
            }
        );
        let local = redis(&url, None, budget(), OnRedisError::Local);
        let started = Instant::now();
        assert_eq!(redis_admitted(&local, "a", 5).await, 2);
        // After the first failure, calls skip Redis for a while instead of waiting on it.
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
}
