//! Guardrails: rates, circuit breakers, idempotency keys and the server-wide rate limits.

use super::values::keyword;
use super::{FromNode, Reader, keys};
use crate::model::*;
use crate::source::Sp;
use crate::yaml::Node;

impl FromNode for Sp<StdioAuth> {
    const EXPECTED: &'static str = "`token` or `local_user`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "stdio authentication",
            &[
                ("token", StdioAuth::Token),
                ("local_user", StdioAuth::LocalUser),
            ],
        )
    }
}

impl FromNode for Sp<RateLimitBackend> {
    const EXPECTED: &'static str = "`memory` or `redis`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "rate-limit backend",
            &[
                ("memory", RateLimitBackend::Memory),
                ("redis", RateLimitBackend::Redis),
            ],
        )
    }
}

impl FromNode for Sp<RateLimit> {
    const EXPECTED: &'static str = "a rate such as `30/min`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let Node::Str(s) = &node.value else {
            r.wrong_type(
                node,
                "a rate such as `30/min`, `5/s` or `1000/day` (optionally `30/min burst 10`)",
            );
            return None;
        };
        match crate::rate::parse(s) {
            Ok(rate) => Some(Sp::new(rate, node.span)),
            Err(e) => {
                r.push(crate::rate::invalid(s, &e, node.span));
                None
            }
        }
    }
}

impl FromNode for CircuitBreakerSpec {
    const EXPECTED: &'static str = "circuit breaker settings";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`circuit_breaker`", keys::CIRCUIT_BREAKER)?;
        Some(CircuitBreakerSpec {
            span: node.span,
            enabled: r.opt(&f, "enabled"),
            failures: r.opt(&f, "failures"),
            window_ms: r.opt(&f, "window_ms"),
            cooldown_ms: r.opt(&f, "cooldown_ms"),
            successes: r.opt(&f, "successes"),
        })
    }
}

impl FromNode for IdempotencySpec {
    const EXPECTED: &'static str = "a mapping with `key`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`idempotency`", keys::IDEMPOTENCY)?;
        Some(IdempotencySpec {
            span: node.span,
            key: r.req(&f, "key")?,
            window_ms: r.opt(&f, "window_ms"),
        })
    }
}

impl FromNode for Sp<OnRedisError> {
    const EXPECTED: &'static str = "`local`, `open` or `closed`";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        keyword(
            r,
            node,
            "Redis failure mode",
            &[
                ("local", OnRedisError::Local),
                ("open", OnRedisError::Open),
                ("closed", OnRedisError::Closed),
            ],
        )
    }
}

impl FromNode for RateLimits {
    const EXPECTED: &'static str = "rate limits";
    fn from_node(r: &mut Reader<'_>, node: &Sp<Node>) -> Option<Self> {
        let f = r.fields(node, "`rate_limits`", keys::RATE_LIMITS)?;
        Some(RateLimits {
            per_agent: r.opt(&f, "per_agent"),
            per_tool: r.opt(&f, "per_tool"),
            per_address: r.opt(&f, "per_address"),
            backend: r.opt(&f, "backend"),
            redis_url: r.opt(&f, "redis_url"),
            on_redis_error: r.opt(&f, "on_redis_error"),
        })
    }
}
