//! Rate-limit budgets: GCRA in memory (the `governor` crate) or, with the `redis`
//! feature, in Redis (the same algorithm, `guard/redis.rs`).
//!
//! A call is checked against its budgets in a fixed order: the agent's budget across
//! all tools, then the agent's budget for this tool, then the tool's budget shared by
//! everyone. The first budget without room refuses, and the budgets after it are not
//! touched, so a refused call only ever counts against the caller's own budgets, never
//! against a budget other agents share.

use std::{
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, clock::Clock as _};

use super::{agent::Agent, config::Rate, refusal::Scope};

/// The budgets of one tool.
#[derive(Debug, Clone, Default)]
pub(crate) struct ToolRates {
    #[cfg_attr(
        not(feature = "redis"),
        expect(dead_code, reason = "names the tool's keys in Redis")
    )]
    pub(crate) name: String,
    pub(crate) per_agent: Option<Rate>,
    pub(crate) shared: Option<Rate>,
}

/// The verdict on one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    Admit,
    Refuse {
        scope: Scope,
        rate: Rate,
        retry_after: Duration,
    },
    /// The budgets cannot be checked (Redis unreachable, fail closed).
    #[cfg_attr(
        not(feature = "redis"),
        expect(dead_code, reason = "only the Redis backend can be unreachable")
    )]
    Unavailable {
        retry_after: Duration,
    },
}

pub(crate) fn quota(rate: &Rate) -> Option<Quota> {
    let burst = NonZeroU32::new(rate.burst_size())?;
    Quota::with_period(rate.interval()).map(|q| q.allow_burst(burst))
}

type Keyed = DefaultKeyedRateLimiter<String>;

/// Keyed maps are swept of idle keys every this many checks.
const SWEEP_EVERY: u64 = 4096;

#[derive(Debug)]
struct MemoryTool {
    per_agent: Option<(Rate, Keyed)>,
    shared: Option<(Rate, DefaultDirectRateLimiter)>,
}

#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    agent: Option<(Rate, Keyed)>,
    tools: Vec<MemoryTool>,
    checks: AtomicU64,
}

impl MemoryLimiter {
    pub(crate) fn new(per_agent: Option<Rate>, tools: &[ToolRates]) -> Self {
        let keyed =
            |rate: Option<Rate>| rate.and_then(|r| quota(&r).map(|q| (r, Keyed::dashmap(q))));
        Self {
            agent: keyed(per_agent),
            tools: tools
                .iter()
                .map(|t| MemoryTool {
                    per_agent: keyed(t.per_agent),
                    shared: t
                        .shared
                        .and_then(|r| quota(&r).map(|q| (r, DefaultDirectRateLimiter::direct(q)))),
                })
                .collect(),
            checks: AtomicU64::new(0),
        }
    }

    pub(crate) fn check(&self, tool: usize, agent: &Agent) -> Decision {
        let Some(budgets) = self.tools.get(tool) else {
            return Decision::Admit;
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        let agent_key = || agent.key().to_owned();
        for (scope, budget) in [
            (Scope::Agent, &self.agent),
            (Scope::AgentTool, &budgets.per_agent),
        ] {
            if let Some((rate, limiter)) = budget
                && let Err(not_until) = limiter.check_key(&agent_key())
            {
                return Decision::Refuse {
                    scope,
                    rate: *rate,
                    retry_after: not_until.wait_time_from(limiter.clock().now()),
                };
            }
        }
        if let Some((rate, limiter)) = &budgets.shared
            && let Err(not_until) = limiter.check()
        {
            return Decision::Refuse {
                scope: Scope::Tool,
                rate: *rate,
                retry_after: not_until.wait_time_from(limiter.clock().now()),
            };
        }
        Decision::Admit
    }

    /// Forgets agents whose budgets are full again (they would be recreated full).
    fn sweep(&self) {
        let keyed = self
            .agent
            .iter()
            .chain(self.tools.iter().filter_map(|t| t.per_agent.as_ref()));
        for (_, limiter) in keyed {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// The budgets of a server, in memory or in Redis.
#[derive(Debug)]
pub(crate) enum Limiter {
    /// No budget anywhere.
    None,
    Memory(MemoryLimiter),
    #[cfg(feature = "redis")]
    Redis(Box<super::redis::RedisLimiter>),
}

impl Limiter {
    pub(crate) async fn check(&self, tool: usize, agent: &Agent) -> Decision {
        match self {
            Limiter::None => Decision::Admit,
            Limiter::Memory(memory) => memory.check(tool, agent),
            #[cfg(feature = "redis")]
            // Boxed: a round trip to Redis dwarfs an allocation, and its future would
            // otherwise be in every tool call's future, with or without Redis.
            Limiter::Redis(redis) => Box::pin(redis.check(tool, agent)).await,
        }
    }

    /// Whether the shared backend answers, when there is one (`/readyz`).
    pub(crate) async fn ping(&self) -> Option<Result<(), String>> {
        match self {
            Limiter::None | Limiter::Memory(_) => None,
            #[cfg(feature = "redis")]
            Limiter::Redis(redis) => Some(redis.ping().await),
        }
    }

    pub(crate) fn backend(&self) -> &'static str {
        match self {
            Limiter::None => "none",
            Limiter::Memory(_) => "memory",
            #[cfg(feature = "redis")]
            Limiter::Redis(_) => "redis",
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn tools(shared: Option<Rate>, per_agent: Option<Rate>) -> Vec<ToolRates> {
        vec![ToolRates {
            name: "t".into(),
            per_agent,
            shared,
        }]
    }

    fn admitted(limiter: &MemoryLimiter, agent: &str, n: usize) -> usize {
        (0..n)
            .filter(|_| limiter.check(0, &Agent::named(agent)) == Decision::Admit)
            .count()
    }

    #[test]
    fn a_budget_admits_its_burst_then_refuses_with_the_wait() {
        let limiter =
            MemoryLimiter::new(None, &tools(Some(Rate::per_minute(30).with_burst(3)), None));
        assert_eq!(admitted(&limiter, "a", 3), 3);
        let Decision::Refuse {
            scope,
            rate,
            retry_after,
        } = limiter.check(0, &Agent::named("a"))
        else {
            panic!("the fourth call is refused");
        };
        assert_eq!(scope, Scope::Tool);
        assert_eq!(rate.to_string(), "30/min burst 3");
        // One call per 2 s is replenished; the next is due in just under 2 s.
        assert!(
            retry_after <= Duration::from_secs(2) && retry_after > Duration::from_millis(1900),
            "{retry_after:?}"
        );
    }

    #[test]
    fn the_burst_defaults_to_the_count_and_replenishes_at_the_rate() {
        let limiter = MemoryLimiter::new(None, &tools(Some(Rate::per_second(20)), None));
        assert_eq!(admitted(&limiter, "a", 25), 20);
        std::thread::sleep(Duration::from_millis(120));
        // 120 ms at one call per 50 ms gives two calls back.
        assert_eq!(admitted(&limiter, "a", 5), 2);
    }

    #[test]
    fn agents_have_their_own_budgets_and_a_shared_one_counts_everyone() {
        let limiter = MemoryLimiter::new(
            Some(Rate::per_hour(10)),
            &tools(Some(Rate::per_hour(6)), Some(Rate::per_hour(3))),
        );
        assert_eq!(admitted(&limiter, "a", 5), 3);
        assert!(matches!(
            limiter.check(0, &Agent::named("a")),
            Decision::Refuse {
                scope: Scope::AgentTool,
                ..
            }
        ));
        assert_eq!(admitted(&limiter, "b", 5), 3);
        // a and b used the tool's shared budget 6 times: c gets nothing.
        assert!(matches!(
            limiter.check(0, &Agent::named("c")),
            Decision::Refuse {
                scope: Scope::Tool,
                ..
            }
        ));
    }

    #[test]
    fn a_refusal_never_consumes_a_shared_budget() {
        let limiter = MemoryLimiter::new(
            Some(Rate::per_hour(2)),
            &tools(Some(Rate::per_hour(3)), None),
        );
        assert_eq!(admitted(&limiter, "greedy", 50), 2);
        assert!(matches!(
            limiter.check(0, &Agent::named("greedy")),
            Decision::Refuse {
                scope: Scope::Agent,
                ..
            }
        ));
        // The 48 refused calls of `greedy` left the tool's budget alone: 1 call remains.
        assert_eq!(admitted(&limiter, "polite", 5), 1);
    }
}
