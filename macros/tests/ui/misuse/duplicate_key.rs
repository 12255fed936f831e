use mcpgen_runtime::{ToolError, mcp_tool};

/// Returns the weather forecast of a city for the next three days.
#[mcp_tool(read_only, timeout_ms = 1000, timeout_ms = 2000)]
async fn get_forecast(
    /// City name, such as Zurich.
    city: String,
) -> Result<String, ToolError> {
    Ok(city)
}

fn main() {}
