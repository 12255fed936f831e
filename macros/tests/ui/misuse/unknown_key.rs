use mcpgen_runtime::{ToolError, mcp_tool};

/// Returns the weather forecast of a city for the next three days.
#[mcp_tool(read_onyl, timeout = 1000)]
async fn get_forecast(
    /// City name, such as Zurich.
    #[arg(min_lenght = 1)]
    city: String,
) -> Result<String, ToolError> {
    Ok(city)
}

fn main() {}
