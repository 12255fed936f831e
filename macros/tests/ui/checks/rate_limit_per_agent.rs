use mcpgen_runtime::{ToolError, mcp_tool};

/// Searches the catalogue by title and returns the matching book titles.
#[mcp_tool(read_only, rate_limit_per_agent = "5 per minute")]
async fn search_books(
    /// Words of the title, such as "moby dick".
    query: String,
) -> Result<Vec<String>, ToolError> {
    Ok(vec![query])
}

/// Returns the weather forecast of a city for the next three days.
#[mcp_tool(read_only, rate_limit = "30/min", rate_limit_per_agent = "60/min")]
async fn get_forecast(
    /// City name, such as Zurich.
    city: String,
) -> Result<String, ToolError> {
    Ok(city)
}

fn main() {}
