// `action_name` is a warning; denied here to show it.
#![deny(deprecated)]
use mcpgen_runtime::{ToolError, mcp_tool};

/// Returns the weather forecast of a city for the next three days.
#[mcp_tool(read_only)]
async fn forecast_tool(
    /// City name, such as Zurich.
    city: String,
) -> Result<String, ToolError> {
    Ok(city)
}

fn main() {}
