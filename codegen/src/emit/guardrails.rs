//! Guardrails to Rust tokens: each tool's `ToolGuard` and the server's `Guardrails`,
//! with the spec's server-wide defaults resolved into each tool.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::model::{
    CircuitBreakerSpec, LargeResponse, OnRedisError, Period, RateLimit, RateLimitBackend, Spec,
    Tool,
};

/// The runtime's defaults (`mcpgen_runtime::CircuitBreaker::DEFAULT`).
const BREAKER_FAILURES: u32 = 5;
const BREAKER_WINDOW_MS: u64 = 60_000;
const BREAKER_COOLDOWN_MS: u64 = 30_000;
const BREAKER_SUCCESSES: u32 = 2;
/// The default of `limits.max_concurrent_calls`.
const MAX_CONCURRENT_CALLS: u32 = 64;
/// The default of `idempotency.window_ms`.
const IDEMPOTENCY_WINDOW_MS: u64 = 3_600_000;

fn millis(ms: u64) -> TokenStream {
    let ms = Literal::u64_unsuffixed(ms);
    quote! { ::core::time::Duration::from_millis(#ms) }
}

fn option(value: Option<TokenStream>) -> TokenStream {
    match value {
        Some(v) => quote! { ::core::option::Option::Some(#v) },
        None => quote! { ::core::option::Option::None },
    }
}

fn rate(rate: &RateLimit, rt: &TokenStream) -> TokenStream {
    let count = Literal::u32_unsuffixed(rate.count);
    let per = match rate.period {
        Period::Second => quote! { per_second },
        Period::Minute => quote! { per_minute },
        Period::Hour => quote! { per_hour },
        Period::Day => quote! { per_day },
    };
    let burst = rate.burst.map(|b| {
        let b = Literal::u32_unsuffixed(b);
        quote! { .with_burst(#b) }
    });
    quote! { #rt::Rate::#per(#count)#burst }
}

fn opt_rate(value: Option<&crate::source::Sp<RateLimit>>, rt: &TokenStream) -> TokenStream {
    option(value.map(|r| rate(&r.value, rt)))
}

/// A breaker with `specific`'s settings, then `general`'s, then the runtime's defaults.
fn breaker(
    specific: Option<&CircuitBreakerSpec>,
    general: Option<&CircuitBreakerSpec>,
    rt: &TokenStream,
) -> TokenStream {
    let pick_u32 = |f: fn(&CircuitBreakerSpec) -> Option<u32>, default: u32| {
        specific
            .and_then(f)
            .or(general.and_then(f))
            .unwrap_or(default)
    };
    let pick_u64 = |f: fn(&CircuitBreakerSpec) -> Option<u64>, default: u64| {
        specific
            .and_then(f)
            .or(general.and_then(f))
            .unwrap_or(default)
    };
    let enabled = specific
        .and_then(|b| b.enabled.as_ref())
        .or(general.and_then(|b| b.enabled.as_ref()))
        .is_none_or(|e| e.value);
    let failures = Literal::u32_unsuffixed(pick_u32(
        |b| b.failures.as_ref().map(|v| v.value),
        BREAKER_FAILURES,
    ));
    let successes = Literal::u32_unsuffixed(pick_u32(
        |b| b.successes.as_ref().map(|v| v.value),
        BREAKER_SUCCESSES,
    ));
    let window = millis(pick_u64(
        |b| b.window_ms.as_ref().map(|v| v.value),
        BREAKER_WINDOW_MS,
    ));
    let cooldown = millis(pick_u64(
        |b| b.cooldown_ms.as_ref().map(|v| v.value),
        BREAKER_COOLDOWN_MS,
    ));
    quote! {
        #rt::CircuitBreaker {
            enabled: #enabled,
            failures: #failures,
            window: #window,
            cooldown: #cooldown,
            successes: #successes,
        }
    }
}

/// The `guard` field of a tool's `ToolDef`.
pub(crate) fn tool_guard(spec: &Spec, tool: &Tool, rt: &TokenStream) -> TokenStream {
    let disabled = tool.disabled.as_ref().is_some_and(|d| d.value);
    let rate_limit = opt_rate(
        tool.rate_limit
            .as_ref()
            .or(spec.rate_limits.per_tool.as_ref()),
        rt,
    );
    let per_agent = opt_rate(tool.rate_limit_per_agent.as_ref(), rt);
    let concurrency = option(tool.max_concurrent_calls.as_ref().map(|c| {
        let c = Literal::u32_unsuffixed(c.value);
        quote! { #c }
    }));
    let large = match tool
        .on_large_response
        .as_ref()
        .or(spec.limits.on_large_response.as_ref())
        .map(|m| m.value)
    {
        Some(LargeResponse::Truncate) => quote! { #rt::LargeResponse::Truncate },
        _ => quote! { #rt::LargeResponse::Error },
    };
    let circuit_breaker = option(
        tool.circuit_breaker
            .as_ref()
            .map(|b| breaker(Some(b), spec.limits.circuit_breaker.as_ref(), rt)),
    );
    let idempotency = option(tool.idempotency.as_ref().map(|i| {
        let key = &i.key.value;
        let window = millis(
            i.window_ms
                .as_ref()
                .map_or(IDEMPOTENCY_WINDOW_MS, |w| w.value),
        );
        quote! {
            #rt::Idempotency {
                key_param: ::std::string::String::from(#key),
                window: #window,
            }
        }
    }));
    quote! {
        #rt::ToolGuard {
            disabled: #disabled,
            rate_limit: #rate_limit,
            rate_limit_per_agent: #per_agent,
            max_concurrent_calls: #concurrency,
            on_large_response: #large,
            circuit_breaker: #circuit_breaker,
            idempotency: #idempotency,
        }
    }
}

/// The argument of `.guardrails(...)` on the generated server's builder.
pub(crate) fn server_guardrails(spec: &Spec) -> TokenStream {
    let rt = &quote! { ::mcpgen_runtime };
    let rates = &spec.rate_limits;
    let per_agent = opt_rate(rates.per_agent.as_ref(), rt);
    let per_address = opt_rate(rates.per_address.as_ref(), rt);
    let concurrency = Literal::u32_unsuffixed(
        spec.limits
            .max_concurrent_calls
            .as_ref()
            .map_or(MAX_CONCURRENT_CALLS, |c| c.value),
    );
    let circuit_breaker = breaker(spec.limits.circuit_breaker.as_ref(), None, rt);
    let backend = match (rates.backend.as_ref().map(|b| b.value), &rates.redis_url) {
        (Some(RateLimitBackend::Memory), _) => {
            quote! { #rt::RateLimitBackend::Memory }
        }
        (Some(RateLimitBackend::Redis), url) => {
            let url = url.as_ref().map_or("${REDIS_URL}", |u| u.value.0.as_str());
            quote! {
                {
                    #rt::__require_redis!();
                    #rt::RateLimitBackend::Redis { url: ::std::string::String::from(#url) }
                }
            }
        }
        (None, _) => quote! { #rt::RateLimitBackend::Auto },
    };
    let on_redis_error = match rates.on_redis_error.as_ref().map(|m| m.value) {
        None | Some(OnRedisError::Local) => quote! { #rt::OnRedisError::Local },
        Some(OnRedisError::Open) => quote! { #rt::OnRedisError::Open },
        Some(OnRedisError::Closed) => quote! { #rt::OnRedisError::Closed },
    };
    quote! {
        #rt::Guardrails {
            per_agent: #per_agent,
            per_address: #per_address,
            max_concurrent_calls: ::core::option::Option::Some(#concurrency),
            circuit_breaker: #circuit_breaker,
            backend: #backend,
            on_redis_error: #on_redis_error,
            redis_prefix: ::core::option::Option::None,
        }
    }
}
