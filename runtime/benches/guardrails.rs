//! What the guardrail layer costs per tool call, measured side by side with the layer
//! off, and how many calls per second the Redis backend admits.
//!
//! ```sh
//! cargo bench -p mcpgen-runtime --features redis --bench guardrails   # starts a redis-server
//! REDIS_URL=redis://127.0.0.1:6379/0 cargo bench -p mcpgen-runtime --features redis --bench guardrails
//! ```
//!
//! Every call goes through rmcp's client and server over an in-memory duplex, so the
//! numbers are whole calls (JSON-RPC encoding, dispatch, validation, the handler).
//! Rounds alternate between the variants and the median round is reported, which
//! keeps a busy machine from favouring one variant. Not a test: it asserts nothing.

use std::{
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use mcpgen_runtime::{
    CircuitBreaker, Guardrails, OnRedisError, Rate, RateLimitBackend, Server, ServerInfo, ToolDef,
    ToolGuard, ToolOutput,
};
use rmcp::{
    RoleClient, ServiceExt,
    model::CallToolRequestParams,
    service::{Peer, RunningService},
};
use serde_json::json;

const ROUNDS: usize = 7;
const SEQUENTIAL_CALLS: usize = 2_000;
const CONCURRENT_CALLS: usize = 4_000;
const CONNECTIONS: usize = 4;
const IN_FLIGHT_PER_CONNECTION: usize = 8;

/// Budgets so large they never refuse: the bench measures the checks, not refusals.
fn roomy() -> Rate {
    Rate::new(1_000_000_000, Duration::from_secs(1))
}

fn server(variant: &str, redis_url: Option<&str>) -> Server {
    let guard = ToolGuard {
        rate_limit: Some(roomy()),
        rate_limit_per_agent: Some(roomy()),
        max_concurrent_calls: Some(1_000),
        circuit_breaker: Some(CircuitBreaker::DEFAULT),
        ..Default::default()
    };
    let def = ToolDef {
        name: "echo".into(),
        description: "Returns its text".into(),
        input_schema: json!({
            "type": "object", "additionalProperties": false, "required": ["text"],
            "properties": {"text": {"type": "string", "maxLength": 100}}
        }),
        max_response_bytes: Some(1 << 20),
        guard,
        ..Default::default()
    };
    let builder = Server::builder(ServerInfo {
        name: "bench".into(),
        version: "0.0.0".into(),
        ..Default::default()
    })
    .tool(def, |_ctx, args| async move {
        Ok(ToolOutput::text(
            args["text"].as_str().unwrap_or_default().to_owned(),
        ))
    });
    let builder = match variant {
        "off" => builder.without_guardrails(),
        _ => builder.guardrails(Guardrails {
            per_agent: Some(roomy()),
            max_concurrent_calls: Some(1_000),
            backend: match redis_url {
                Some(url) => RateLimitBackend::Redis { url: url.into() },
                None => RateLimitBackend::Memory,
            },
            on_redis_error: OnRedisError::Closed,
            redis_prefix: Some(format!("bench:{}", std::process::id())),
            ..Default::default()
        }),
    };
    builder.build().expect("the bench server builds")
}

async fn connect(server: &Server) -> RunningService<RoleClient, ()> {
    let (server_io, client_io) = tokio::io::duplex(1 << 16);
    let handler = server.handler();
    tokio::spawn(async move {
        if let Ok(running) = handler.serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    ().serve(client_io).await.expect("the client connects")
}

fn params() -> CallToolRequestParams {
    let args = json!({"text": "hello"});
    let mut params = CallToolRequestParams::new("echo");
    params.arguments = args.as_object().cloned();
    params
}

async fn call(peer: &Peer<RoleClient>) {
    let result = peer.call_tool(params()).await.expect("the call succeeds");
    assert_ne!(
        result.is_error,
        Some(true),
        "a refusal in the bench: {result:?}"
    );
}

/// Mean microseconds per call, calls one after another on one connection.
async fn sequential(server: &Server) -> f64 {
    let client = connect(server).await;
    let peer = client.peer().clone();
    for _ in 0..100 {
        call(&peer).await;
    }
    let started = Instant::now();
    for _ in 0..SEQUENTIAL_CALLS {
        call(&peer).await;
    }
    let us = started.elapsed().as_secs_f64() * 1e6 / SEQUENTIAL_CALLS as f64;
    let _ = client.cancel().await;
    us
}

/// Calls per second with several connections and calls in flight on each.
async fn concurrent(server: &Server) -> f64 {
    let mut clients = Vec::new();
    for _ in 0..CONNECTIONS {
        clients.push(connect(server).await);
    }
    let per_task = CONCURRENT_CALLS / (CONNECTIONS * IN_FLIGHT_PER_CONNECTION);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in &clients {
        for _ in 0..IN_FLIGHT_PER_CONNECTION {
            let peer = client.peer().clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..per_task {
                    call(&peer).await;
                }
            }));
        }
    }
    for task in tasks {
        task.await.expect("no panic");
    }
    let rate = (per_task * CONNECTIONS * IN_FLIGHT_PER_CONNECTION) as f64
        / started.elapsed().as_secs_f64();
    for client in clients {
        let _ = client.cancel().await;
    }
    rate
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

struct RedisProcess(Child);

impl Drop for RedisProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `REDIS_URL`, or a redis-server started here on a free loopback port.
fn redis() -> Option<(String, Option<RedisProcess>)> {
    if let Ok(url) = std::env::var("REDIS_URL")
        && !url.is_empty()
    {
        return Some((url, None));
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .ok()?
        .port();
    let child = Command::new("redis-server")
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
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let process = RedisProcess(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Some((format!("redis://127.0.0.1:{port}/0"), Some(process)))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let redis = redis();
    let mut variants: Vec<(&str, Arc<Server>)> = vec![
        ("off", Arc::new(server("off", None))),
        ("memory", Arc::new(server("memory", None))),
    ];
    match &redis {
        Some((url, _)) => variants.push(("redis", Arc::new(server("redis", Some(url))))),
        None => eprintln!("redis: skipped (no REDIS_URL and no redis-server on PATH)"),
    }
    let mut latency: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    let mut throughput: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    runtime.block_on(async {
        for round in 0..ROUNDS {
            for (i, (_, server)) in variants.iter().enumerate() {
                latency[i].push(sequential(server).await);
                throughput[i].push(concurrent(server).await);
            }
            eprintln!("round {} of {ROUNDS} done", round + 1);
        }
    });
    let base_latency = median(latency[0].clone());
    let base_throughput = median(throughput[0].clone());
    println!(
        "guardrails bench: median of {ROUNDS} rounds; {SEQUENTIAL_CALLS} sequential calls, then {CONCURRENT_CALLS} calls over {CONNECTIONS} connections x {IN_FLIGHT_PER_CONNECTION} in flight"
    );
    println!(
        "{:<8} {:>14} {:>16} {:>16} {:>16}",
        "layer", "us/call (seq)", "overhead us", "calls/s (conc)", "vs off"
    );
    for (i, (name, _)) in variants.iter().enumerate() {
        let us = median(latency[i].clone());
        let rate = median(throughput[i].clone());
        println!(
            "{:<8} {:>14.1} {:>16.1} {:>16.0} {:>15.2}x",
            name,
            us,
            us - base_latency,
            rate,
            rate / base_throughput
        );
    }
}
