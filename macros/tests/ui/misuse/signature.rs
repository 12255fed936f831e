use mcpgen_runtime::{ToolError, mcp_tool, mcp_tools};

/// Returns the weather forecast of a city for the next three days.
#[mcp_tool(read_only)]
async fn get_forecast<T: Into<String>>(
    /// City name, such as Zurich.
    city: T,
) -> Result<String, ToolError> {
    Ok(city.into())
}

/// Returns the weather forecast of a city for the next three days.
#[mcp_tool(read_only)]
async fn get_summary(
    /// City name, such as Zurich.
    city: String,
) -> String {
    city
}

struct Counter;

#[mcp_tools]
impl Counter {
    /// Adds one to the counter and returns its new value.
    #[mcp_tool(idempotent = false, destructive = false)]
    async fn increment_counter(&mut self) -> Result<u64, ToolError> {
        Ok(1)
    }
}

fn main() {}
