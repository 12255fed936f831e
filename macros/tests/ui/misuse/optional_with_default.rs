use mcpgen_runtime::{ToolError, mcp_tool};

/// Returns the weather forecast of a city for the coming days.
#[mcp_tool(read_only)]
async fn get_forecast(
    /// Days ahead.
    #[arg(default = 3)]
    days: Option<u8>,
    /// Hours of the day, 0 to 23.
    #[arg(maximum = 1000)]
    hour: u8,
) -> Result<String, ToolError> {
    Ok(format!("{days:?} {hour}"))
}

fn main() {}
