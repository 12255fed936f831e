use mcpgen_runtime::{ToolError, mcp_tool};

/// Returns the weather forecast of a city for the next three days.
#[mcp_tool(
    read_only,
    max_concurrent_calls = 0,
    on_large_response = "truncate",
    circuit_breaker(failures = 0, window_ms = 0, cooldown_ms = 0, successes = 0)
)]
async fn get_forecast(
    /// City name, such as Zurich.
    city: String,
) -> Result<String, ToolError> {
    Ok(city)
}

fn main() {}
