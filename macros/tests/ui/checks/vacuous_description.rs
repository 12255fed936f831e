// `vacuous_description` is a warning; denied here to show it.
#![deny(deprecated)]
use mcpgen_runtime::{ToolError, mcp_tool};

/// Gets the forecast.
#[mcp_tool(read_only)]
async fn get_forecast(
    /// City name, such as Zurich.
    city: String,
) -> Result<String, ToolError> {
    Ok(city)
}

fn main() {}
