// A free function tool with every kind of parameter, registered by name and callable
// as written; its declaration is the strict one.
#![deny(warnings)]
use mcpgen_runtime::{CodeTool, Server, ServerInfo, ToolContext, ToolSchema, mcp_tool};
use serde::{Deserialize, Serialize};

/// Measurement system.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToolSchema)]
#[serde(rename_all = "snake_case")]
pub enum Units {
    /// Celsius and km/h.
    Metric,
    /// Fahrenheit and mph.
    Imperial,
}

/// A forecast.
#[derive(Debug, Serialize, Deserialize, ToolSchema)]
pub struct Forecast {
    /// The city.
    pub city: String,
    /// The highest temperature of each day.
    pub highs: Vec<f64>,
}

/// Daily forecast for one city, up to 14 days ahead.
#[mcp_tool(
    title = "Get forecast",
    read_only,
    open_world,
    rate_limit = "30/min burst 5",
    rate_limit_per_agent = "10/min",
    timeout_ms = 10_000,
    max_response_bytes = 65_536,
    on_large_response = "truncate",
    max_concurrent_calls = 8,
    task = "required",
    circuit_breaker(failures = 3, window_ms = 60_000, cooldown_ms = 15_000, successes = 1),
    scopes("forecast:read"),
    errors(
        city_not_found = "No city named {city}. Check the spelling.",
        upstream_down(message = "The weather service is down. Try again later.", retryable),
    )
)]
pub async fn get_forecast(
    ctx: &ToolContext,
    /// City name, such as Zurich.
    #[arg(min_length = 1, max_length = 100, examples("Zurich"))]
    city: String,
    /// Days ahead.
    #[arg(minimum = 1, maximum = 14, default = 3)]
    days: u8,
    units: Option<Units>,
    /// Latitude in degrees, -90 to 90.
    #[arg(minimum = -90, maximum = 90.0)]
    latitude_deg: Option<f64>,
    /// Words to look for in the summary, such as "rain".
    #[arg(max_items = 5, unique_items)]
    words: Vec<String>,
    /// Whether to include the night.
    night: bool,
) -> Result<Forecast, GetForecastError> {
    let _ = (ctx.name(), units, latitude_deg, words, night);
    if city.is_empty() {
        return Err(GetForecastError::CityNotFound);
    }
    Ok(Forecast {
        city,
        highs: vec![20.0; usize::from(days)],
    })
}

/// Subscribes an address to the weather alerts of a city; returns the subscription id.
#[mcp_tool(
    destructive = false,
    idempotent = false,
    idempotency(key = "request_id", window_ms = 86_400_000),
    circuit_breaker(enabled = false),
    disabled
)]
pub async fn subscribe_alerts(
    /// City name, such as Zurich.
    city: String,
    /// A unique id for this request; send it again when retrying.
    request_id: Option<String>,
) -> Result<String, mcpgen_runtime::ToolError> {
    Ok(format!("{city}-{}", request_id.unwrap_or_default()))
}

fn main() {
    let def = <get_forecast as CodeTool>::def();
    assert_eq!(def.name, "get_forecast");
    assert_eq!(def.scopes, ["forecast:read"]);
    assert_eq!(def.errors.len(), 2);
    assert!(def.errors[1].retryable);
    assert_eq!(def.input_schema["properties"]["days"]["maximum"], 14);
    assert_eq!(def.input_schema["properties"]["latitude_deg"]["minimum"], -90);
    assert_eq!(def.input_schema["required"], serde_json::json!(["city", "words", "night"]));
    assert_eq!(def.input_schema["properties"]["units"]["enum"], serde_json::json!(["metric", "imperial"]));
    let guard = &def.guard;
    assert_eq!(def.max_response_bytes, Some(65_536));
    assert_eq!(guard.rate_limit_per_agent, Some(mcpgen_runtime::Rate::per_minute(10)));
    assert_eq!(guard.max_concurrent_calls, Some(8));
    assert_eq!(guard.on_large_response, mcpgen_runtime::LargeResponse::Truncate);
    let breaker = guard.circuit_breaker.clone().expect("a breaker of its own");
    assert_eq!((breaker.enabled, breaker.failures, breaker.successes), (true, 3, 1));
    assert_eq!(breaker.cooldown, std::time::Duration::from_millis(15_000));
    assert!(!guard.disabled);
    assert_eq!(def.task, mcpgen_runtime::TaskSupport::Required);
    assert_eq!(<subscribe_alerts as CodeTool>::def().task, mcpgen_runtime::TaskSupport::Never);
    let sub = <subscribe_alerts as CodeTool>::def().guard;
    assert!(sub.disabled);
    assert!(!sub.circuit_breaker.expect("a breaker of its own").enabled);
    let idempotency = sub.idempotency.expect("idempotency keys");
    assert_eq!(idempotency.key_param, "request_id");
    assert_eq!(idempotency.window, std::time::Duration::from_millis(86_400_000));
    let server = Server::builder(ServerInfo {
        name: "pass".into(),
        version: "1.0.0".into(),
        ..Default::default()
    })
    .add_tool::<get_forecast>()
    .add_tool::<subscribe_alerts>()
    .build();
    assert!(server.is_ok());
}
