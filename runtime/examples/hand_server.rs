//! A small weather server written by hand against the runtime's API: what generated
//! code looks like, and what the end-to-end tests drive.
//!
//! ```text
//! cargo run --example hand_server -p mcpgen-runtime -- serve --stdio
//! cargo run --example hand_server -p mcpgen-runtime -- serve --http 127.0.0.1:8080
//! ```

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};
use mcpgen_runtime::{
    Annotations, ErrorDef, PromptArg, PromptDef, ResourceContent, ResourceDef, ResourceError,
    ResourceOutput, ResourceTemplateDef, Role, Server, ServerInfo, ToolContext, ToolDef, ToolError,
    ToolOutput,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Parser)]
#[command(
    name = "hand_server",
    about = "A hand-written weather MCP server on mcpgen-runtime"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve MCP.
    Serve(Transport),
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct Transport {
    /// Serve on stdin/stdout.
    #[arg(long)]
    stdio: bool,
    /// Serve Streamable HTTP at ADDR (e.g. 127.0.0.1:8080), endpoint /mcp.
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ForecastParams {
    city: String,
    #[serde(default = "default_days")]
    days: u8,
    #[serde(default)]
    units: Units,
}

fn default_days() -> u8 {
    3
}

#[derive(Debug, Default, Clone, Copy, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
enum Units {
    #[default]
    Metric,
    Imperial,
}

#[derive(Debug, Serialize)]
struct Forecast {
    city: String,
    units: Units,
    days: Vec<Day>,
}

#[derive(Debug, Serialize)]
struct Day {
    day: u8,
    high: i64,
    low: i64,
    summary: &'static str,
}

/// Deterministic fake weather, so tests can assert exact values.
fn forecast(params: &ForecastParams) -> Forecast {
    let base = i64::from(params.city.bytes().fold(0u8, u8::wrapping_add) % 15) + 10;
    let convert = |c: i64| match params.units {
        Units::Metric => c,
        Units::Imperial => (c * 9 + 160) / 5,
    };
    let days = (0..params.days)
        .map(|i| Day {
            day: i + 1,
            high: convert(base + i64::from(i)),
            low: convert(base - 5 + i64::from(i)),
            summary: ["sunny", "cloudy", "rain"][usize::from(i % 3)],
        })
        .collect();
    Forecast {
        city: params.city.clone(),
        units: params.units,
        days,
    }
}

async fn get_forecast(_ctx: ToolContext, params: ForecastParams) -> Result<ToolOutput, ToolError> {
    if params.city == "Atlantis" {
        return Err(ToolError::declared("city_not_found"));
    }
    ToolOutput::structured(forecast(&params))
}

fn build() -> Result<Server, mcpgen_runtime::BuildError> {
    Server::builder(ServerInfo {
        name: "hand-weather".into(),
        version: "0.1.0".into(),
        title: Some("Hand-written weather".into()),
        description: Some("Forecasts for cities (fake data)".into()),
        instructions: Some("Call get_forecast with a city name.".into()),
        website_url: None,
    })
    .typed_tool(
        ToolDef {
            name: "get_forecast".into(),
            title: Some("Get forecast".into()),
            description: "Daily forecast for a city".into(),
            input_schema: json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["city"],
                "properties": {
                    "city": {"type": "string", "minLength": 1, "maxLength": 100, "description": "City name"},
                    "days": {"type": "integer", "minimum": 1, "maximum": 14, "default": 3, "description": "Number of days"},
                    "units": {"type": "string", "enum": ["metric", "imperial"], "default": "metric"}
                }
            }),
            output_schema: Some(json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["city", "units", "days"],
                "properties": {
                    "city": {"type": "string"},
                    "units": {"type": "string", "enum": ["metric", "imperial"]},
                    "days": {"type": "array", "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["day", "high", "low", "summary"],
                        "properties": {
                            "day": {"type": "integer"},
                            "high": {"type": "integer"},
                            "low": {"type": "integer"},
                            "summary": {"type": "string"}
                        }
                    }}
                }
            })),
            annotations: Annotations {
                read_only: true,
                destructive: false,
                idempotent: true,
                open_world: true,
            },
            errors: vec![ErrorDef {
                code: "city_not_found".into(),
                message_template: "No city named {city}. Check the spelling, or try a nearby larger city.".into(),
                retryable: false,
            }],
            timeout: Some(std::time::Duration::from_secs(10)),
            max_response_bytes: Some(64 * 1024),
            scopes: vec![],
            client_capabilities: vec![],
            ..Default::default()
        },
        get_forecast,
    )
    .resource(ResourceDef {
        uri: "weather://stations".into(),
        name: "stations".into(),
        title: Some("Weather stations".into()),
        description: Some("The stations forecasts come from".into()),
        mime_type: Some("application/json".into()),
        content: ResourceContent::Text(r#"{"stations":["Oslo","Lima","Perth"]}"#.into()),
        ..Default::default()
    })
    .resource_template(
        ResourceTemplateDef {
            uri_template: "weather://city/{city}/now".into(),
            name: "current_conditions".into(),
            title: Some("Current conditions".into()),
            description: Some("The weather in a city right now".into()),
            mime_type: Some("application/json".into()),
            params_schema: json!({
                "type": "object",
                "additionalProperties": false,
                "required": ["city"],
                "properties": {"city": {"type": "string", "minLength": 1, "maxLength": 100}}
            }),
            ..Default::default()
        },
        |_ctx, vars| async move {
            let city = vars
                .get("city")
                .and_then(|c| c.as_str())
                .unwrap_or_default()
                .to_owned();
            if city == "Atlantis" {
                return Err(ResourceError::NotFound(format!("no weather for `{city}`")));
            }
            let now = forecast(&ForecastParams {
                city: city.clone(),
                days: 1,
                units: Units::Metric,
            });
            let high = now.days.first().map_or(0, |d| d.high);
            Ok(ResourceOutput::Text(
                json!({"city": city, "temperature_c": high}).to_string(),
            ))
        },
    )
    .prompt(PromptDef {
        name: "daily_briefing".into(),
        title: Some("Daily briefing".into()),
        description: Some("A short weather briefing for a city".into()),
        arguments: vec![
            PromptArg {
                name: "city".into(),
                title: Some("City".into()),
                description: Some("The city to brief on".into()),
                required: true,
            },
            PromptArg {
                name: "style".into(),
                title: None,
                description: Some("Tone of the briefing".into()),
                required: false,
            },
        ],
        messages: vec![(
            Role::User,
            "Give me a short weather briefing for {{ city }}{% if style %} in a {{ style }} tone{% endif %}.".into(),
        )],
        ..Default::default()
    })
    .build()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs to stderr: stdout is the stdio transport.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let server = build()?;
    match cli.command {
        Command::Serve(Transport {
            http: Some(addr), ..
        }) => server.serve_http(addr, "/mcp").await,
        Command::Serve(_) => server.serve_stdio().await,
    }
}
