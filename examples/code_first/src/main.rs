//! An MCP server whose tools are declared in Rust with `#[mcp_tool]`, served next to a
//! tool declared in a spec (`specs/code_first.yaml`, generated into `src/generated/`).
//!
//! `cargo run -p mcpgen-example-code-first -- serve --stdio` serves MCP on standard input
//! and output; `... -- serve --http 127.0.0.1:8080` serves Streamable HTTP at `/mcp`.

use std::sync::Mutex;

use mcpgen_runtime::{ToolContext, ToolError, ToolSchema, mcp_tool, mcp_tools};
use serde::{Deserialize, Serialize};

// As `mcpgen generate` writes it: `cargo fmt` leaves it alone.
#[rustfmt::skip]
pub mod generated;

/// Measurement system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToolSchema)]
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
    read_only,
    open_world,
    rate_limit = "30/min",
    timeout_ms = 10_000,
    errors(
        city_not_found = "No city named {city}. Check the spelling, or pass a larger city nearby."
    )
)]
pub async fn get_forecast(
    ctx: &ToolContext,
    /// City name, such as Zurich.
    #[arg(min_length = 1, max_length = 100)]
    city: String,
    /// Days ahead.
    #[arg(minimum = 1, maximum = 14, default = 3)]
    days: u8,
    units: Option<Units>,
) -> Result<Forecast, GetForecastError> {
    let _ = ctx.name();
    if city.eq_ignore_ascii_case("atlantis") {
        return Err(GetForecastError::CityNotFound);
    }
    let units = units.unwrap_or(Units::Metric);
    let days = (0..days)
        .map(|i| DayForecast {
            date: format!("2026-01-{:02}", i + 1),
            high: match units {
                Units::Metric => 20.0 + f64::from(i),
                Units::Imperial => 68.0 + f64::from(i),
            },
        })
        .collect();
    Ok(Forecast { city, units, days })
}

/// Notes kept in memory, shared by the tools of its `impl` block.
#[derive(Debug, Default)]
pub struct Notes {
    notes: Mutex<Vec<String>>,
}

#[mcp_tools]
impl Notes {
    /// Adds a note and returns how many notes there are now.
    #[mcp_tool(
        destructive = false,
        idempotent = false,
        open_world = false,
        errors(
            note_too_long = "The note is longer than 280 characters. Shorten it and try again."
        )
    )]
    pub async fn add_note(
        &self,
        /// The text of the note, such as "Buy milk".
        #[arg(min_length = 1)]
        text: String,
    ) -> Result<u64, AddNoteError> {
        if text.chars().count() > 280 {
            return Err(AddNoteError::NoteTooLong);
        }
        let mut notes = self
            .notes
            .lock()
            .map_err(|_| ToolError::unexpected(anyhow_free("the notes lock is poisoned")))
            .map_err(|e| AddNoteError::Unexpected(to_anyhow(e)))?;
        notes.push(text);
        Ok(notes.len() as u64)
    }

    /// Returns every note kept so far, oldest first: use it to recall what the user asked to remember.
    #[mcp_tool(read_only, open_world = false)]
    pub async fn list_notes(&self) -> Result<Vec<String>, ToolError> {
        Ok(self.notes.lock().map(|n| n.clone()).unwrap_or_default())
    }
}

/// An error message as a `std::error::Error`.
fn anyhow_free(message: &'static str) -> std::io::Error {
    std::io::Error::other(message)
}

/// A `ToolError` as the cause of an unexpected error.
fn to_anyhow(error: ToolError) -> mcpgen_runtime::__private::anyhow::Error {
    mcpgen_runtime::__private::anyhow::anyhow!("{error}")
}

/// The spec-first tool, implemented as generated code asks.
#[derive(Debug, Default)]
struct SpecTools;

impl generated::Handler for SpecTools {
    async fn convert_temperature(
        &self,
        _ctx: ToolContext,
        input: generated::ConvertTemperatureInput,
    ) -> Result<generated::ConvertTemperatureOutput, generated::ConvertTemperatureError> {
        Ok(generated::ConvertTemperatureOutput {
            fahrenheit_f: input.celsius_c * 9.0 / 5.0 + 32.0,
        })
    }
}

/// The server: the spec's tool, then the Rust-declared ones.
fn server() -> Result<mcpgen_runtime::Server, mcpgen_runtime::BuildError> {
    generated::builder(SpecTools)
        .add_tool::<get_forecast>()
        .add_tools(Notes::default())
        .build()
}

fn main() -> std::process::ExitCode {
    mcpgen_runtime::cli::main(generated::DEFAULTS, server)
}
