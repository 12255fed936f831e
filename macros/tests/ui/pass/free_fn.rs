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
    timeout_ms = 10_000,
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
    let server = Server::builder(ServerInfo {
        name: "pass".into(),
        version: "1.0.0".into(),
        ..Default::default()
    })
    .add_tool::<get_forecast>()
    .build();
    assert!(server.is_ok());
}
