//! The benchmark's baseline: the weather server's `get_forecast` written by hand on
//! rmcp, the way a careful user would without mcpgen.
//!
//! - `#[tool_router]` / `#[tool]` / `#[tool_handler]`, with the tool router built once
//!   and shared (the stateless HTTP transport builds one handler per request);
//! - the same input and output schemas as the generated server (JSON literals passed
//!   to `#[tool(input_schema = ..., output_schema = ...)]`), the same annotations;
//! - arguments deserialized by serde (`deny_unknown_fields`, defaults) and the
//!   constraints the schema advertises checked by hand, since rmcp does not validate;
//! - the same example forecast as `mcpgen new`'s `handlers.rs`, returned with rmcp's
//!   `Json` wrapper (`structuredContent` plus a text rendering);
//! - stdio and Streamable HTTP (rmcp's `StreamableHttpService` in axum, JSON
//!   responses, `TCP_NODELAY`), stdio through rmcp's non-blocking pipes; logs at
//!   `info` to stderr.
//!
//! ```text
//! hand_rmcp serve --stdio
//! hand_rmcp serve --http 127.0.0.1:8080      # endpoint /mcp
//! ```

use std::{process::ExitCode, sync::Arc};

use axum::serve::ListenerExt;
use rmcp::{
    ServerHandler, ServiceExt,
    handler::server::{
        router::tool::ToolRouter,
        wrapper::{Json, Parameters},
    },
    model::{CallToolResult, Implementation, JsonObject, ServerCapabilities, ServerConfig},
    schemars, tool, tool_handler, tool_router,
    transport::{
        StreamableHttpServerConfig, StreamableHttpService,
        streamable_http_server::session::local::LocalSessionManager,
    },
};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Units {
    #[default]
    Metric,
    Imperial,
}

#[derive(Debug, Clone, Copy, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Sky {
    Clear,
    Cloudy,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct GetForecastInput {
    city: String,
    #[serde(default = "default_days")]
    days: i64,
    #[serde(default)]
    units: Units,
}

fn default_days() -> i64 {
    3
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
struct DayForecast {
    date: String,
    high: f64,
    low: f64,
    sky: Sky,
    precipitation_mm: f64,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
struct GetForecastOutput {
    city: String,
    units: Units,
    days: Vec<DayForecast>,
}

/// The server; cheap to clone (the router is shared).
#[derive(Clone)]
struct Weather {
    tool_router: Arc<ToolRouter<Weather>>,
}

impl std::fmt::Debug for Weather {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Weather").finish_non_exhaustive()
    }
}

fn object(value: serde_json::Value) -> Arc<JsonObject> {
    match value {
        serde_json::Value::Object(map) => Arc::new(map),
        _ => Arc::new(JsonObject::new()),
    }
}

/// The same input schema the generated server advertises.
fn input_schema() -> Arc<JsonObject> {
    object(json!({
        "type": "object",
        "properties": {
            "city": {
                "description": "City name such as Zurich.",
                "type": "string",
                "minLength": 1,
                "maxLength": 100
            },
            "days": {
                "description": "Days ahead, starting today.",
                "type": "integer",
                "minimum": 1,
                "maximum": 14,
                "default": 3
            },
            "units": {
                "description": "Measurement system for temperatures and wind speeds. One of `metric`: Degrees Celsius and kilometres per hour; `imperial`: Degrees Fahrenheit and miles per hour.",
                "type": "string",
                "enum": ["metric", "imperial"],
                "default": "metric"
            }
        },
        "required": ["city"],
        "additionalProperties": false
    }))
}

/// The same output schema the generated server advertises.
fn output_schema() -> Arc<JsonObject> {
    let units = "Units of the temperatures. One of `metric`: Degrees Celsius and kilometres per hour; `imperial`: Degrees Fahrenheit and miles per hour.";
    object(json!({
        "description": "The forecast, one entry per day.",
        "type": "object",
        "properties": {
            "city": {"description": "The city as resolved by the forecast service.", "type": "string"},
            "units": {"description": units, "type": "string", "enum": ["metric", "imperial"]},
            "days": {
                "description": "One forecast per day, in date order.",
                "type": "array",
                "items": {
                    "description": "The forecast for one day.",
                    "type": "object",
                    "properties": {
                        "date": {"description": "Calendar date of the forecast (YYYY-MM-DD).", "type": "string", "format": "date"},
                        "high": {"description": "Highest temperature of the day, in the requested units.", "type": "number"},
                        "low": {"description": "Lowest temperature of the day, in the requested units.", "type": "number"},
                        "sky": {"description": "Dominant sky condition.", "type": "string", "enum": ["clear", "cloudy", "rain", "snow", "storm"]},
                        "precipitation_mm": {"description": "Expected precipitation in millimetres.", "type": "number", "minimum": 0}
                    },
                    "required": ["date", "high", "low", "sky", "precipitation_mm"],
                    "additionalProperties": false
                }
            }
        },
        "required": ["city", "units", "days"],
        "additionalProperties": false
    }))
}

fn invalid(field: &str, message: String) -> CallToolResult {
    CallToolResult::structured_error(json!({
        "status": "error",
        "code": "invalid_arguments",
        "errors": [{"path": format!("/{field}"), "message": message}],
    }))
}

#[tool_router]
impl Weather {
    fn new() -> Self {
        Self {
            tool_router: Arc::new(Self::tool_router()),
        }
    }

    /// Daily forecast for one city, up to 14 days ahead. Returns one entry per day
    /// with high and low temperatures, sky and precipitation.
    #[tool(
        title = "Get forecast",
        description = "Daily forecast for one city, up to 14 days ahead. Returns one entry per day with high and low temperatures, sky and precipitation.",
        input_schema = input_schema(),
        output_schema = output_schema(),
        annotations(
            title = "Get forecast",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_forecast(
        &self,
        Parameters(input): Parameters<GetForecastInput>,
    ) -> Result<Json<GetForecastOutput>, CallToolResult> {
        // rmcp deserializes but does not validate against the schema: check what
        // serde cannot express.
        let chars = input.city.chars().count();
        if !(1..=100).contains(&chars) {
            return Err(invalid(
                "city",
                format!("expected a string of 1 to 100 characters, got {chars}"),
            ));
        }
        if !(1..=14).contains(&input.days) {
            return Err(invalid(
                "days",
                format!("expected an integer from 1 to 14, got {}", input.days),
            ));
        }
        if input.city.eq_ignore_ascii_case("atlantis") {
            return Err(CallToolResult::structured_error(json!({
                "status": "error",
                "code": "city_not_found",
                "message": format!("No city named {}. Check the spelling, or pass a larger city nearby.", input.city),
                "retryable": false,
            })));
        }
        // The example forecast of `mcpgen new` (templates/new/handlers.rs).
        let seed = input.city.bytes().map(f64::from).sum::<f64>() % 15.0;
        let days = (0..input.days)
            .map(|day| {
                let celsius = 10.0 + seed + (day % 3) as f64;
                let (high, low) = match input.units {
                    Units::Metric => (celsius, celsius - 8.0),
                    Units::Imperial => (celsius * 1.8 + 32.0, (celsius - 8.0) * 1.8 + 32.0),
                };
                DayForecast {
                    date: format!("2026-07-{:02}", day + 1),
                    high,
                    low,
                    sky: if day % 2 == 0 {
                        Sky::Clear
                    } else {
                        Sky::Cloudy
                    },
                    precipitation_mm: 0.0,
                }
            })
            .collect();
        Ok(Json(GetForecastOutput {
            city: input.city,
            units: input.units,
            days,
        }))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Weather {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("weather", "0.1.0").with_title("Weather"))
            .with_instructions(
                "Forecasts for cities. Call get_forecast for the days ahead. City names are plain names such as Zurich.",
            )
    }
}

async fn serve_http(addr: &str) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let weather = Weather::new();
    let service: StreamableHttpService<Weather, LocalSessionManager> = StreamableHttpService::new(
        move || Ok(weather.clone()),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default().with_json_response(true),
    );
    let router = axum::Router::new().route_service("/mcp", service);
    // Small responses would otherwise wait for delayed ACKs.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::warn!(%error, "could not set TCP_NODELAY");
        }
    });
    tracing::info!(%addr, "serving MCP over Streamable HTTP at /mcp");
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn serve_stdio() -> anyhow::Result<()> {
    // rmcp's advice when both streams are pipes, as MCP clients launch servers.
    let running = Weather::new().serve(rmcp::transport::stdio_pipes()).await?;
    tracing::info!("serving MCP on stdio");
    running.waiting().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["serve", "--stdio"] => serve_stdio().await,
        ["serve", "--http", addr] => serve_http(addr).await,
        _ => {
            eprintln!("usage: hand_rmcp serve --stdio | serve --http ADDR");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
