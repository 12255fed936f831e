//! The same tools declared twice, in a spec (`tests/twin/twin.yaml`, generated into
//! `tests/twin/generated.rs`) and in Rust with `#[mcp_tool]`: the `tools/list` entries a
//! client receives are byte-identical, so are the `ToolDef`s (guardrails included) and the
//! answers to the same calls. The two front ends share the model, the checks and the
//! `ToolDef` emitter; this is the proof.
//!
//! To accept a change in the generated module: `UPDATE_SNAPSHOTS=1 cargo test -p
//! mcpgen-example-code-first --test twin`, then review the diff.

use std::sync::atomic::{AtomicU64, Ordering};

use mcpgen_runtime::{
    AuthConfig, AuthMode, CodeTool, HttpOptions, Server, ServerInfo, Store, ToolContext, ToolError,
    ToolSchema, mcp_tool,
};
use rmcp::model::{CallToolRequestParams, PaginatedRequestParams};

mod common;
use common::connect;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[rustfmt::skip]
#[allow(unreachable_pub)]
#[path = "twin/generated.rs"]
mod spec_first;

/// The Rust declaration of the spec's tool and types.
#[allow(unreachable_pub)]
mod code_first {
    use super::*;

    /// Measurement system.
    #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToolSchema)]
    #[serde(rename_all = "lowercase")]
    pub enum Units {
        /// Celsius and km/h.
        Metric,
        /// Fahrenheit and mph.
        Imperial,
    }

    /// The forecast for one day.
    #[derive(Debug, Clone, Serialize, Deserialize, ToolSchema)]
    pub struct DayForecast {
        /// The day, as YYYY-MM-DD.
        #[schema(format = "date")]
        pub date: String,
        /// The highest temperature of the day, in the units asked for.
        pub high: f64,
        /// Anything unusual about the day.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub note: Option<String>,
    }

    /// A forecast for several days.
    #[derive(Debug, Clone, Serialize, Deserialize, ToolSchema)]
    pub struct Forecast {
        /// The city the forecast is for.
        pub city: String,
        /// The units of the temperatures.
        pub units: Units,
        /// One entry per day, starting today.
        pub days: Vec<DayForecast>,
    }

    /// Daily forecast for one city, up to 14 days ahead.
    #[mcp_tool(
        title = "Get forecast",
        anonymous,
        read_only,
        open_world,
        rate_limit = "30/min",
        rate_limit_per_agent = "20/min burst 10",
        timeout_ms = 10_000,
        max_response_bytes = 65_536,
        on_large_response = "truncate",
        max_concurrent_calls = 8,
        circuit_breaker(failures = 3, window_ms = 60_000, cooldown_ms = 15_000, successes = 1),
        errors(
            city_not_found = "No city named {city}. Check the spelling, or pass a larger city nearby.",
            upstream_down(
                message = "The weather service is not answering. Try again in a minute.",
                retryable
            ),
        )
    )]
    pub async fn get_forecast(
        _ctx: &ToolContext,
        /// City name, such as Zurich.
        #[arg(min_length = 1, max_length = 100, examples("Zurich", "Oslo"))]
        city: String,
        /// Days ahead.
        #[arg(minimum = 1, maximum = 14, default = 3)]
        days: i64,
        #[arg(default = "metric")] units: Units,
        /// Hours of the day to include, 0 to 23.
        #[arg(max_items = 24)]
        hours: Option<Vec<u8>>,
        /// Whether to include hourly detail.
        #[arg(default = false)]
        detailed: bool,
    ) -> Result<Forecast, GetForecastError> {
        let _ = (hours, detailed);
        super::answer(&city, days, units == Units::Metric)
            .map(|(days, _)| Forecast { city, units, days })
            .map_err(|e| match e {
                "down" => GetForecastError::UpstreamDown,
                _ => GetForecastError::CityNotFound,
            })
    }

    /// Subscribes an address to the weather alerts of a city; returns the subscription id.
    #[mcp_tool(
        destructive = false,
        idempotent = false,
        idempotency(key = "request_id", window_ms = 86_400_000),
        scopes("alerts_write"),
        circuit_breaker(enabled = false),
        task = "optional"
    )]
    pub async fn subscribe_alerts(
        /// City name, such as Zurich.
        city: String,
        /// A unique id for this request; send it again when retrying.
        request_id: Option<String>,
    ) -> Result<String, ToolError> {
        let _ = request_id;
        Ok(super::subscribe(&super::CODE_SUBSCRIPTIONS, &city))
    }

    /// Past daily highs of a city; replaced by get_forecast, so it is switched off.
    #[mcp_tool(read_only, disabled)]
    pub async fn get_history(
        /// City name, such as Zurich.
        city: String,
    ) -> Result<String, ToolError> {
        Ok(city)
    }
}

/// Subscriptions made through each declaration: a repeated idempotency key must not add one.
static SPEC_SUBSCRIPTIONS: AtomicU64 = AtomicU64::new(0);
static CODE_SUBSCRIPTIONS: AtomicU64 = AtomicU64::new(0);

fn subscribe(count: &AtomicU64, city: &str) -> String {
    format!("{city}-{}", count.fetch_add(1, Ordering::SeqCst) + 1)
}

/// The shared behaviour of both declarations, so their answers can be compared too.
fn answer(
    city: &str,
    days: i64,
    metric: bool,
) -> Result<(Vec<code_first::DayForecast>, ()), &'static str> {
    match city {
        "Atlantis" => Err("not found"),
        "Down" => Err("down"),
        _ => Ok((
            (0..days)
                .map(|i| code_first::DayForecast {
                    date: format!("2026-01-{:02}", i + 1),
                    high: if metric { 20.0 } else { 68.0 },
                    note: None,
                })
                .collect(),
            (),
        )),
    }
}

struct SpecHandler;

impl spec_first::Handler for SpecHandler {
    async fn get_forecast(
        &self,
        _ctx: ToolContext,
        input: spec_first::GetForecastInput,
    ) -> Result<spec_first::GetForecastOutput, spec_first::GetForecastError> {
        let metric = input.units == spec_first::Units::Metric;
        match answer(&input.city, input.days, metric) {
            Ok((days, ())) => Ok(spec_first::Forecast {
                city: input.city,
                units: input.units,
                days: days
                    .into_iter()
                    .map(|d| spec_first::DayForecast {
                        date: d.date,
                        high: d.high,
                        note: d.note,
                    })
                    .collect(),
            }),
            Err("down") => Err(spec_first::GetForecastError::UpstreamDown),
            Err(_) => Err(spec_first::GetForecastError::CityNotFound),
        }
    }

    async fn subscribe_alerts(
        &self,
        _ctx: ToolContext,
        input: spec_first::SubscribeAlertsInput,
    ) -> Result<String, spec_first::SubscribeAlertsError> {
        Ok(subscribe(&SPEC_SUBSCRIPTIONS, &input.city))
    }

    async fn get_history(
        &self,
        _ctx: ToolContext,
        input: spec_first::GetHistoryInput,
    ) -> Result<String, spec_first::GetHistoryError> {
        Ok(input.city)
    }
}

fn info() -> ServerInfo {
    ServerInfo {
        name: "twin".into(),
        version: "0.1.0".into(),
        ..Default::default()
    }
}

/// The two servers with auth off: the in-process transport of these tests checks no
/// credential, so with auth on every call would be refused (see `scopes_are_enforced_alike`).
fn servers() -> (Server, Server) {
    let spec = spec_first::builder(SpecHandler)
        .auth(AuthConfig::default())
        .build()
        .expect("the spec-first server builds");
    let code = Server::builder(info())
        .add_tool::<code_first::get_forecast>()
        .add_tool::<code_first::subscribe_alerts>()
        .add_tool::<code_first::get_history>()
        .build()
        .expect("the code-first server builds");
    (spec, code)
}

/// The `tools/list` entries exactly as they go over the wire.
async fn listed(server: &Server) -> Vec<String> {
    let client = connect(server).await;
    let tools = client
        .list_tools(Some(PaginatedRequestParams::default()))
        .await
        .expect("tools/list succeeds")
        .tools;
    tools
        .iter()
        .map(|t| serde_json::to_string(t).expect("a tool serializes"))
        .collect()
}

async fn call(server: &Server, tool: &str, args: Value) -> String {
    let client = connect(server).await;
    let Value::Object(args) = args else {
        panic!("arguments are an object")
    };
    let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(args);
    let result = client.call_tool(params).await.expect("tools/call succeeds");
    serde_json::to_string(&result).expect("a result serializes")
}

#[tokio::test]
async fn tools_list_entries_are_byte_identical() {
    let (spec, code) = servers();
    let (spec_tools, code_tools) = (listed(&spec).await, listed(&code).await);
    assert_eq!(spec_tools.len(), 3);
    assert_eq!(
        spec_tools, code_tools,
        "the spec-first and code-first declarations list differently"
    );
    // And the entry is the strict one: the use site's description wins over the type's,
    // with the documented values appended; defaults, examples and bounds are kept.
    let tool: Value = serde_json::from_str(&code_tools[0]).expect("JSON");
    let props = &tool["inputSchema"]["properties"];
    assert_eq!(
        props["units"],
        json!({
            "description": "Measurement system. One of `metric`: Celsius and km/h; `imperial`: Fahrenheit and mph.",
            "type": "string",
            "enum": ["metric", "imperial"],
            "default": "metric"
        })
    );
    assert_eq!(props["city"]["examples"], json!(["Zurich", "Oslo"]));
    assert_eq!(
        tool["outputSchema"]["properties"]["days"]["items"]["additionalProperties"],
        json!(false)
    );
    assert_eq!(tool["inputSchema"]["required"], json!(["city"]));
}

#[tokio::test]
async fn calls_are_answered_identically() {
    let (spec, code) = servers();
    for args in [
        json!({"city": "Zurich", "days": 2}),
        json!({"city": "Zurich", "units": "imperial", "hours": [1, 2]}),
        json!({"city": "Atlantis"}),
        json!({"city": "Down"}),
        json!({"city": ""}),
        json!({"city": "Zurich", "days": 15, "extra": 1}),
        json!({"city": "Zurich", "hours": [256]}),
    ] {
        assert_eq!(
            call(&spec, "get_forecast", args.clone()).await,
            call(&code, "get_forecast", args.clone()).await,
            "answers to {args} differ"
        );
    }
    // Guardrails answer alike too: a repeated idempotency key replays the first result
    // (the handler does not run again), and a disabled tool is refused.
    let mut answers = Vec::new();
    for (tool, args) in [
        (
            "subscribe_alerts",
            json!({"city": "Zurich", "request_id": "r-1"}),
        ),
        (
            "subscribe_alerts",
            json!({"city": "Zurich", "request_id": "r-1"}),
        ),
        (
            "subscribe_alerts",
            json!({"city": "Oslo", "request_id": "r-2"}),
        ),
        ("get_history", json!({"city": "Zurich"})),
    ] {
        let (a, b) = (
            call(&spec, tool, args.clone()).await,
            call(&code, tool, args.clone()).await,
        );
        assert_eq!(a, b, "answers of {tool} to {args} differ");
        answers.push(serde_json::from_str::<Value>(&b).expect("JSON"));
    }
    assert_eq!(
        answers[0]["structuredContent"],
        json!({"result": "Zurich-1"})
    );
    assert_eq!(
        answers[1]["structuredContent"],
        json!({"result": "Zurich-1"})
    );
    assert_eq!(answers[1]["_meta"]["mcpgen/idempotent_replay"], json!(true));
    assert_eq!(answers[2]["structuredContent"], json!({"result": "Oslo-2"}));
    assert_eq!(answers[3]["isError"], json!(true));
    // The tool declares an outputSchema: the refusal's object is the JSON text block.
    let refusal: Value = serde_json::from_str(
        answers[3]["content"][1]["text"]
            .as_str()
            .unwrap_or_default(),
    )
    .expect("the refusal object as JSON text");
    assert_eq!(refusal["code"], json!("tool_disabled"));
}

/// Scopes and anonymous access declared in code are enforced as the spec's are: both
/// servers, over HTTP with managed tokens, answer each call with the same status.
#[tokio::test]
async fn scopes_are_enforced_alike() {
    let dir = std::env::temp_dir().join(format!("mcpgen-twin-{}", std::process::id()));
    let store = Store::open(&dir).expect("a store in a temporary directory");
    let (_, reader) = store
        .create_token("reader", &[], None, None)
        .expect("a token");
    let scopes = ["alerts_write".to_owned()];
    let (_, writer) = store
        .create_token("writer", &scopes, None, None)
        .expect("a token");
    let spec = spec_first::server(SpecHandler).expect("the spec-first server builds");
    let code = Server::builder(info())
        .auth(AuthConfig {
            mode: AuthMode::Bearer,
            scopes: scopes.to_vec(),
            ..Default::default()
        })
        .add_tool::<code_first::get_forecast>()
        .add_tool::<code_first::subscribe_alerts>()
        .add_tool::<code_first::get_history>()
        .build()
        .expect("the code-first server builds");
    // Arguments the handler never sees (`city` is no string): a call let through is
    // answered 200 with `invalid_arguments`, and no subscription is counted, so the
    // other tests' counts stay as they are.
    let subscribe = json!({"city": 5});
    let cases = [
        ("get_forecast", json!({"city": "Zurich"}), None),
        ("subscribe_alerts", subscribe.clone(), None),
        ("subscribe_alerts", subscribe.clone(), Some(reader.expose())),
        ("subscribe_alerts", subscribe, Some(writer.expose())),
    ];
    let mut statuses = Vec::new();
    for server in [spec, code] {
        server
            .start_auth(Some(store.clone()), None)
            .await
            .expect("auth starts");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let port = listener.local_addr().expect("an address").port();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            server
                .serve_http_on(listener, HttpOptions::default(), shutdown)
                .await
        });
        let mut answers = Vec::new();
        for (tool, args, token) in &cases {
            answers.push(post_call(port, tool, args, *token).await);
        }
        let _ = stop.send(());
        serving
            .await
            .expect("the server task")
            .expect("the server ran");
        statuses.push(answers);
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        statuses[0], statuses[1],
        "spec-first and code-first answer differently"
    );
    assert_eq!(statuses[0], [200, 401, 403, 200]);
}

/// The HTTP status of one stateless (2026-07-28) `tools/call` of `tool`.
async fn post_call(port: u16, tool: &str, args: &Value, token: Option<&str>) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": {"name": "twin", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": tool, "arguments": args, "_meta": meta}})
    .to_string();
    let authorization = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n\
         MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: {tool}\r\n\
         {authorization}Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("the server listens");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("the request is sent");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("an answer");
    response
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or(0)
}

/// The whole declarations the server is built from, guardrails included (`ToolDef.guard`:
/// rate limits, concurrency cap, breaker, idempotency keys, truncation, disabled).
#[test]
fn tool_defs_and_guards_are_identical() {
    let pairs = [
        (
            spec_first::tool_get_forecast(),
            <code_first::get_forecast as CodeTool>::def(),
        ),
        (
            spec_first::tool_subscribe_alerts(),
            <code_first::subscribe_alerts as CodeTool>::def(),
        ),
        (
            spec_first::tool_get_history(),
            <code_first::get_history as CodeTool>::def(),
        ),
    ];
    for (spec, code) in &pairs {
        assert_eq!(
            spec.guard, code.guard,
            "the guards of `{}` differ",
            spec.name
        );
        assert_eq!(
            format!("{spec:?}"),
            format!("{code:?}"),
            "the declarations of `{}` differ",
            spec.name
        );
    }
    let guard = &pairs[0].1.guard;
    assert_eq!(guard.max_concurrent_calls, Some(8));
    assert_eq!(
        guard.rate_limit_per_agent,
        Some(mcpgen_runtime::Rate::per_minute(20).with_burst(10))
    );
    assert_eq!(
        guard.on_large_response,
        mcpgen_runtime::LargeResponse::Truncate
    );
    assert_eq!(guard.circuit_breaker.as_ref().map(|b| b.failures), Some(3));
    let subscribe = &pairs[1].1.guard;
    assert_eq!(
        subscribe.idempotency.as_ref().map(|i| i.key_param.as_str()),
        Some("request_id")
    );
    assert_eq!(
        subscribe.circuit_breaker.as_ref().map(|b| b.enabled),
        Some(false)
    );
    assert!(pairs[2].1.guard.disabled);
}

#[test]
fn the_generated_module_is_what_the_spec_gives() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/twin");
    let checked = mcpgen_codegen::load_file(&dir.join("twin.yaml"), "tests/twin/twin.yaml")
        .expect("the twin spec reads");
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let spec = checked.spec.expect("a model");
    let generated = mcpgen_codegen::emit::generate(&spec, "tests/twin/twin.yaml");
    let contents = &generated[0].contents;
    let path = dir.join("generated.rs");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if &committed != contents {
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, contents).expect("write the snapshot");
        } else {
            panic!(
                "tests/twin/generated.rs is stale: run `UPDATE_SNAPSHOTS=1 cargo test -p mcpgen-example-code-first --test twin`"
            );
        }
    }
}
